//! References to images in OCI layouts: `oci:PATH`, `oci:PATH:TAG`, `oci:PATH@sha256:…`, and the
//! same for a layout in a tar archive: `oci-archive:FILE.tar[:TAG|@DIGEST]`, `oci-archive:-` for
//! standard input.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use ocitrust_core::policy::{ARCHIVE_PREFIX, LAYOUT_PREFIX};
use ocitrust_core::reference::check_tag;
use ocitrust_core::{Digest, Error, ErrorCode, Result};

use super::OciLayout;
use crate::limits::ReadBudget;

/// The archive name that means standard input.
const STDIN_NAME: &str = "-";

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

/// Where a layout is read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LayoutSource {
    /// A directory (`oci:PATH`).
    Directory(PathBuf),
    /// A tar archive of one (`oci-archive:FILE`).
    Archive(PathBuf),
    /// A tar archive of one on standard input (`oci-archive:-`), read once per process.
    ArchiveOnStdin,
}

impl LayoutSource {
    /// Opens the layout, its reads charged to `budget`.
    pub fn open(&self, budget: Arc<ReadBudget>) -> Result<OciLayout> {
        match self {
            LayoutSource::Directory(path) => OciLayout::open_with_budget(path, budget),
            LayoutSource::Archive(path) => OciLayout::open_archive(path, budget),
            LayoutSource::ArchiveOnStdin => OciLayout::open_archive_on_stdin(budget),
        }
    }

    /// The path as given (`-` for standard input), as locations inside the layout are shown.
    pub fn path_shown(&self) -> String {
        match self {
            LayoutSource::Directory(path) | LayoutSource::Archive(path) => path.display().to_string(),
            LayoutSource::ArchiveOnStdin => STDIN_NAME.to_owned(),
        }
    }

    /// The directory to write to: an archive is read-only.
    pub fn writable_directory(&self) -> Result<&Path> {
        match self {
            LayoutSource::Directory(path) => Ok(path),
            LayoutSource::Archive(_) | LayoutSource::ArchiveOnStdin => Err(Error::new(
                ErrorCode::InvalidArgument,
                format!("{self} is an archive, which is only read; unpack it into a layout directory (oci:DIR) to write to it"),
            )),
        }
    }
}

impl fmt::Display for LayoutSource {
    /// `oci:PATH`, `oci-archive:FILE` or `oci-archive:-`, the path as given (a trailing `/` kept:
    /// without it, `dir:v1/` would print as the tag `v1` of `dir`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let prefix = match self {
            LayoutSource::Directory(_) => LAYOUT_PREFIX,
            LayoutSource::Archive(_) | LayoutSource::ArchiveOnStdin => ARCHIVE_PREFIX,
        };
        write!(f, "{prefix}{}", self.path_shown())
    }
}

/// A parsed `oci:` or `oci-archive:` reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayoutReference {
    /// The layout directory or archive.
    pub source: LayoutSource,
    /// Which manifest in it.
    pub selector: LayoutSelector,
}

impl LayoutReference {
    /// Whether `text` is a layout reference (starts with `oci:` or `oci-archive:`).
    pub fn is_layout_reference(text: &str) -> bool {
        text.starts_with(LAYOUT_PREFIX) || text.starts_with(ARCHIVE_PREFIX)
    }

    /// Parses `oci:PATH[:TAG|@DIGEST]` or `oci-archive:FILE[:TAG|@DIGEST]`. A `:` after the last
    /// `/` starts a tag.
    pub fn parse(text: &str) -> Result<Self> {
        let invalid = |why: String| {
            Error::new(
                ErrorCode::InvalidReference,
                format!("invalid layout reference {text:?}: {why}"),
            )
        };
        let (archive, rest) = match (text.strip_prefix(LAYOUT_PREFIX), text.strip_prefix(ARCHIVE_PREFIX)) {
            (Some(rest), _) => (false, rest),
            (_, Some(rest)) => (true, rest),
            _ => {
                return Err(invalid(
                    "expected oci:PATH[:TAG|@DIGEST] or oci-archive:FILE[:TAG|@DIGEST]".into(),
                ))
            }
        };
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
        let source = match (archive, path) {
            (false, path) => LayoutSource::Directory(PathBuf::from(path)),
            (true, STDIN_NAME) => LayoutSource::ArchiveOnStdin,
            (true, path) => LayoutSource::Archive(PathBuf::from(path)),
        };
        Ok(LayoutReference { source, selector })
    }

    /// Opens the layout this reference names, its reads charged to `budget`.
    pub fn open(&self, budget: Arc<ReadBudget>) -> Result<OciLayout> {
        self.source.open(budget)
    }

    /// This reference's layout pinned to `digest`: `oci:PATH@digest` or `oci-archive:FILE@digest`.
    pub fn pinned(&self, digest: &Digest) -> String {
        format!("{}@{digest}", self.source)
    }
}

impl fmt::Display for LayoutReference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.source)?;
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

    fn directory(text: &str) -> PathBuf {
        match LayoutReference::parse(text).unwrap().source {
            LayoutSource::Directory(path) => path,
            other => panic!("{text}: {other:?}"),
        }
    }

    #[test]
    fn parses_the_three_forms() {
        let d = Digest::sha256(b"x");
        assert_eq!(
            LayoutReference::parse("oci:dir").unwrap().selector,
            LayoutSelector::Default
        );
        let tagged = LayoutReference::parse("oci:./a/b:v1").unwrap();
        assert_eq!(tagged.source, LayoutSource::Directory(PathBuf::from("./a/b")));
        assert_eq!(tagged.selector, LayoutSelector::Tag("v1".into()));
        let pinned = LayoutReference::parse(&format!("oci:/tmp/x@{d}")).unwrap();
        assert_eq!(pinned.selector, LayoutSelector::Digest(d.clone()));
        assert_eq!(pinned.to_string(), format!("oci:/tmp/x@{d}"));
        assert_eq!(directory("oci:a:b/c"), PathBuf::from("a:b/c"));
        assert_eq!(
            LayoutReference::parse("oci:dir/:v1").unwrap().pinned(&d),
            format!("oci:dir/@{d}")
        );
    }

    #[test]
    fn what_is_printed_parses_back_to_the_same_reference() {
        // Found by fuzzing: a path ending in `/` after a `:` must not print as a tag.
        for text in ["oci:a:b/", "oci-archive:x:y/", "oci:dir/:v1", "oci-archive:-", "oci:/"] {
            let parsed = LayoutReference::parse(text).unwrap();
            assert_eq!(parsed.to_string(), text);
            assert_eq!(LayoutReference::parse(&parsed.to_string()).unwrap(), parsed, "{text}");
        }
    }

    #[test]
    fn parses_archives_in_files_and_on_standard_input() {
        let d = Digest::sha256(b"x");
        let file = LayoutReference::parse("oci-archive:out/app.tar.gz:v1").unwrap();
        assert_eq!(file.source, LayoutSource::Archive(PathBuf::from("out/app.tar.gz")));
        assert_eq!(file.selector, LayoutSelector::Tag("v1".into()));
        assert_eq!(file.pinned(&d), format!("oci-archive:out/app.tar.gz@{d}"));
        let stdin = LayoutReference::parse(&format!("oci-archive:-@{d}")).unwrap();
        assert_eq!(stdin.source, LayoutSource::ArchiveOnStdin);
        assert_eq!(stdin.to_string(), format!("oci-archive:-@{d}"));
        assert_eq!(
            LayoutReference::parse("oci-archive:-:v2").unwrap().source,
            LayoutSource::ArchiveOnStdin
        );
        // `./-` is a file named `-`, not standard input.
        assert_eq!(
            LayoutReference::parse("oci-archive:./-").unwrap().source,
            LayoutSource::Archive(PathBuf::from("./-"))
        );
        assert!(LayoutReference::is_layout_reference("oci-archive:x.tar"));
        let err = file.source.writable_directory().unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidArgument);
        assert!(err.message().contains("is an archive, which is only read"), "{err}");
    }

    #[test]
    fn rejects_malformed() {
        for bad in [
            "dir",
            "oci:",
            "oci::v1",
            "oci:dir:bad tag",
            "oci:dir:",
            "oci-archive:",
            "oci-archive::v1",
            "oci-archive:a.tar:",
            "oci-archive",
        ] {
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
