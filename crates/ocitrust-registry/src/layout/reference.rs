//! References to images in OCI layouts: `oci:PATH`, `oci:PATH:TAG`, `oci:PATH@sha256:…`.

use std::fmt;
use std::path::PathBuf;

use ocitrust_core::reference::check_tag;
use ocitrust_core::{Digest, Error, ErrorCode, Result};

/// The prefix that marks a layout reference.
pub const LAYOUT_PREFIX: &str = "oci:";

/// Which manifest of a layout a reference names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LayoutSelector {
    /// The layout's only image (or cosign's `kind: image` entry).
    Default,
    /// The entry annotated `org.opencontainers.image.ref.name` = tag.
    Tag(String),
    /// The entry with this digest.
    Digest(Digest),
}

/// A parsed `oci:` reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayoutReference {
    /// The layout directory.
    pub path: PathBuf,
    /// Which manifest in it.
    pub selector: LayoutSelector,
}

impl LayoutReference {
    /// Whether `text` is a layout reference (starts with `oci:`).
    pub fn is_layout_reference(text: &str) -> bool {
        text.starts_with(LAYOUT_PREFIX)
    }

    /// Parses `oci:PATH[:TAG|@DIGEST]`. A `:` after the last `/` starts a tag.
    pub fn parse(text: &str) -> Result<Self> {
        let invalid = |why: String| {
            Error::new(
                ErrorCode::InvalidReference,
                format!("invalid layout reference {text:?}: {why}"),
            )
        };
        let rest = text
            .strip_prefix(LAYOUT_PREFIX)
            .ok_or_else(|| invalid("expected oci:PATH[:TAG|@DIGEST]".into()))?;
        let (path, selector) = if let Some((path, digest)) = rest.rsplit_once('@') {
            (
                path,
                // A malformed digest keeps its own code (InvalidDigest): it says precisely what is wrong.
                LayoutSelector::Digest(
                    Digest::parse(digest).map_err(|e| e.context(format!("invalid layout reference {text:?}")))?,
                ),
            )
        } else {
            let after_slash = rest.rfind('/').map_or(0, |i| i + 1);
            match rest[after_slash..].rfind(':') {
                Some(i) => {
                    let tag = &rest[after_slash + i + 1..];
                    check_tag(tag).map_err(invalid)?;
                    (&rest[..after_slash + i], LayoutSelector::Tag(tag.to_owned()))
                }
                None => (rest, LayoutSelector::Default),
            }
        };
        if path.is_empty() {
            return Err(invalid("empty path".into()));
        }
        Ok(LayoutReference {
            path: PathBuf::from(path),
            selector,
        })
    }
}

impl fmt::Display for LayoutReference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{LAYOUT_PREFIX}{}", self.path.display())?;
        match &self.selector {
            LayoutSelector::Default => Ok(()),
            LayoutSelector::Tag(t) => write!(f, ":{t}"),
            LayoutSelector::Digest(d) => write!(f, "@{d}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_three_forms() {
        let d = Digest::sha256(b"x");
        assert_eq!(
            LayoutReference::parse("oci:dir").unwrap().selector,
            LayoutSelector::Default
        );
        let tagged = LayoutReference::parse("oci:./a/b:v1").unwrap();
        assert_eq!(tagged.path, PathBuf::from("./a/b"));
        assert_eq!(tagged.selector, LayoutSelector::Tag("v1".into()));
        let pinned = LayoutReference::parse(&format!("oci:/tmp/x@{d}")).unwrap();
        assert_eq!(pinned.selector, LayoutSelector::Digest(d.clone()));
        assert_eq!(pinned.to_string(), format!("oci:/tmp/x@{d}"));
        assert_eq!(
            LayoutReference::parse("oci:a:b/c").unwrap().path,
            PathBuf::from("a:b/c")
        );
    }

    #[test]
    fn rejects_malformed() {
        for bad in ["dir", "oci:", "oci::v1", "oci:dir:bad tag", "oci:dir:"] {
            assert_eq!(
                LayoutReference::parse(bad).unwrap_err().code(),
                ErrorCode::InvalidReference,
                "{bad}"
            );
        }
        let err = LayoutReference::parse("oci:dir@sha256:zz").unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidDigest);
        assert!(err.message().starts_with("invalid layout reference"), "{err}");
    }
}
