//! Platforms (`linux/amd64`, `linux/arm64/v8`) and choosing one manifest from an index.

use std::fmt;

use oci_spec::image::{Descriptor, ImageIndex};

use crate::error::{Error, ErrorCode, Result};

/// An OS/architecture/variant triple, normalised (`x86_64` → `amd64`, `aarch64` → `arm64`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Platform {
    os: String,
    architecture: String,
    variant: Option<String>,
}

impl Platform {
    /// Parses `os/arch[/variant]`.
    pub fn parse(text: &str) -> Result<Self> {
        let invalid = || {
            Error::new(
                ErrorCode::InvalidArgument,
                format!("invalid platform {text:?}: expected os/arch[/variant], e.g. linux/amd64"),
            )
        };
        let parts: Vec<&str> = text.split('/').collect();
        let well_formed = |p: &str| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')
        };
        if !(2..=3).contains(&parts.len()) || !parts.iter().all(|p| well_formed(p)) {
            return Err(invalid());
        }
        Ok(Self::new(parts[0], parts[1], parts.get(2).copied()))
    }

    /// A platform from its parts, normalised.
    pub fn new(os: &str, architecture: &str, variant: Option<&str>) -> Self {
        let os = os.to_ascii_lowercase();
        let (architecture, variant) = match (architecture.to_ascii_lowercase().as_str(), variant) {
            ("x86_64" | "x86-64", v) => ("amd64".to_owned(), v.map(str::to_owned)),
            ("aarch64" | "arm64", Some("8") | Some("v8") | None) => ("arm64".to_owned(), Some("v8".to_owned())),
            ("aarch64", v) => ("arm64".to_owned(), v.map(str::to_owned)),
            ("armhf", _) => ("arm".to_owned(), Some("v7".to_owned())),
            ("armel", _) => ("arm".to_owned(), Some("v6".to_owned())),
            (arch, v) => (arch.to_owned(), v.filter(|v| !v.is_empty()).map(str::to_owned)),
        };
        Platform {
            os,
            architecture,
            variant,
        }
    }

    /// Whether the index entry `descriptor` is for this platform. A requested platform without a
    /// variant matches any variant; `arm64` without a variant means `v8`.
    pub fn matches(&self, descriptor: &Descriptor) -> bool {
        let Some(p) = descriptor.platform() else { return false };
        let theirs = Platform::new(
            &p.os().to_string(),
            &p.architecture().to_string(),
            p.variant().as_deref(),
        );
        theirs.os == self.os
            && theirs.architecture == self.architecture
            && (self.variant.is_none() || theirs.variant == self.variant)
    }

    /// The one entry of `index` for this platform. None, or more than one, is an error that lists
    /// what the index offers.
    pub fn select<'a>(&self, index: &'a ImageIndex) -> Result<&'a Descriptor> {
        let mut matching = index.manifests().iter().filter(|d| self.matches(d));
        match (matching.next(), matching.next()) {
            (Some(one), None) => Ok(one),
            (None, _) => Err(Error::new(
                ErrorCode::NotFound,
                format!(
                    "no manifest for platform {self} in the index; it offers: {}",
                    offered(index)
                ),
            )),
            (Some(_), Some(_)) => Err(Error::new(
                ErrorCode::InvalidManifest,
                format!("the index lists more than one manifest for platform {self}; name one by digest"),
            )),
        }
    }
}

fn offered(index: &ImageIndex) -> String {
    let list: Vec<String> = index
        .manifests()
        .iter()
        .filter_map(|d| d.platform().as_ref())
        .map(|p| {
            Platform::new(
                &p.os().to_string(),
                &p.architecture().to_string(),
                p.variant().as_deref(),
            )
            .to_string()
        })
        .collect();
    if list.is_empty() {
        "no platforms".into()
    } else {
        list.join(", ")
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.os, self.architecture)?;
        if let Some(v) = &self.variant {
            write!(f, "/{v}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const INDEX: &str = r#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[
      {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:1111111111111111111111111111111111111111111111111111111111111111","size":1,"platform":{"os":"linux","architecture":"amd64"}},
      {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:2222222222222222222222222222222222222222222222222222222222222222","size":1,"platform":{"os":"linux","architecture":"arm64","variant":"v8"}},
      {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:3333333333333333333333333333333333333333333333333333333333333333","size":1,"platform":{"os":"linux","architecture":"arm","variant":"v7"}},
      {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:4444444444444444444444444444444444444444444444444444444444444444","size":1,"platform":{"os":"unknown","architecture":"unknown"}}
    ]}"#;

    fn index() -> ImageIndex {
        serde_json::from_str(INDEX).unwrap()
    }

    fn pick(p: &str) -> Result<String> {
        Ok(Platform::parse(p)?.select(&index())?.digest().to_string())
    }

    #[test]
    fn selects_platforms_with_normalisation() {
        assert!(pick("linux/amd64").unwrap().ends_with("1111"));
        assert!(pick("linux/x86_64").unwrap().ends_with("1111"));
        assert!(pick("linux/arm64").unwrap().ends_with("2222"));
        assert!(pick("linux/arm64/v8").unwrap().ends_with("2222"));
        assert!(pick("linux/aarch64").unwrap().ends_with("2222"));
        assert!(pick("linux/arm/v7").unwrap().ends_with("3333"));
        assert!(pick("linux/arm").unwrap().ends_with("3333"));
    }

    #[test]
    fn missing_platform_lists_offers() {
        let err = pick("windows/amd64").unwrap_err();
        assert_eq!(err.code(), ErrorCode::NotFound);
        assert!(
            err.message().contains("linux/amd64, linux/arm64/v8, linux/arm/v7"),
            "{err}"
        );
        assert!(pick("linux/arm/v6").is_err());
    }

    #[test]
    fn rejects_malformed_platforms() {
        for bad in ["", "linux", "linux/", "/amd64", "a/b/c/d", "linux/amd 64"] {
            assert_eq!(
                Platform::parse(bad).unwrap_err().code(),
                ErrorCode::InvalidArgument,
                "{bad}"
            );
        }
    }
}
