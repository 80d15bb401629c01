//! Image references in the docker grammar: `[registry[:port]/]path[:tag][@digest]`.
//!
//! Normalisation follows the docker CLI: no registry means `docker.io`, and a single-component path on
//! `docker.io` gets `library/` in front (`alpine` → `docker.io/library/alpine`). Written by hand: the
//! grammar is small, and the crates that implement it pull a regex engine into the sans-IO core.

use std::fmt;
use std::str::FromStr;

use crate::digest::Digest;
use crate::error::{Error, ErrorCode, Result};

/// The registry assumed when a reference names none.
pub const DEFAULT_REGISTRY: &str = "docker.io";
/// How go-containerregistry, and so cosign, spells Docker Hub in names.
const GO_CONTAINERREGISTRY_DEFAULT_REGISTRY: &str = "index.docker.io";
/// The tag assumed when a reference names neither tag nor digest.
pub const DEFAULT_TAG: &str = "latest";
const NAME_TOTAL_LENGTH_MAX: usize = 255;
const TAG_LENGTH_MAX: usize = 128;

/// A parsed, normalised image reference.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Reference {
    registry: String,
    repository: String,
    tag: Option<String>,
    digest: Option<Digest>,
}

impl Reference {
    /// Parses and normalises `text`.
    pub fn parse(text: &str) -> Result<Self> {
        let invalid = |why: String| {
            Error::new(
                ErrorCode::InvalidReference,
                format!("invalid reference {text:?}: {why}"),
            )
        };
        if text.is_empty() {
            return Err(invalid("empty reference".into()));
        }
        let (name_and_tag, digest) = match text.split_once('@') {
            Some((rest, digest)) => (
                rest,
                Some(Digest::parse(digest).map_err(|e| invalid(e.message().to_owned()))?),
            ),
            None => (text, None),
        };
        let last_slash = name_and_tag.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match name_and_tag[last_slash..].rfind(':') {
            Some(i) => (
                &name_and_tag[..last_slash + i],
                Some(&name_and_tag[last_slash + i + 1..]),
            ),
            None => (name_and_tag, None),
        };
        if let Some(tag) = tag {
            check_tag(tag).map_err(invalid)?;
        }
        let (registry, path) = split_registry(name);
        check_registry(registry).map_err(invalid)?;
        if path.chars().any(|c| c.is_ascii_uppercase()) {
            return Err(invalid("repository name must be lowercase".into()));
        }
        check_path(path).map_err(invalid)?;
        let registry = if registry == "index.docker.io" {
            DEFAULT_REGISTRY
        } else {
            registry
        };
        let repository = if registry == DEFAULT_REGISTRY && !path.contains('/') {
            format!("library/{path}")
        } else {
            path.to_owned()
        };
        if registry.len() + 1 + repository.len() > NAME_TOTAL_LENGTH_MAX {
            return Err(invalid(format!(
                "repository name is longer than {NAME_TOTAL_LENGTH_MAX} characters"
            )));
        }
        Ok(Reference {
            registry: registry.to_owned(),
            repository,
            tag: tag.map(str::to_owned),
            digest,
        })
    }

    /// The registry host (and port), e.g. `docker.io`, `localhost:5000`.
    pub fn registry(&self) -> &str {
        &self.registry
    }

    /// The repository path inside the registry, e.g. `library/alpine`.
    pub fn repository(&self) -> &str {
        &self.repository
    }

    /// The tag, if one was given.
    pub fn tag(&self) -> Option<&str> {
        self.tag.as_deref()
    }

    /// The digest, if one was given.
    pub fn digest(&self) -> Option<&Digest> {
        self.digest.as_ref()
    }

    /// `registry/repository`, the name without tag or digest, spelled as cosign (go-containerregistry)
    /// spells it in `docker-reference` and signature tags: Docker Hub is `index.docker.io`.
    pub fn name(&self) -> String {
        let registry = if self.registry == DEFAULT_REGISTRY {
            GO_CONTAINERREGISTRY_DEFAULT_REGISTRY
        } else {
            &self.registry
        };
        format!("{registry}/{}", self.repository)
    }

    /// The name with its digest, or else its tag (`latest` when none), as cosign prints a reference
    /// (go-containerregistry's `Name()`: a digest wins over a tag given with it).
    pub fn full_name(&self) -> String {
        match (&self.digest, &self.tag) {
            (Some(digest), _) => format!("{}@{digest}", self.name()),
            (None, tag) => format!("{}:{}", self.name(), tag.as_deref().unwrap_or(DEFAULT_TAG)),
        }
    }

    /// The same repository pinned to `digest` (the tag is dropped).
    pub fn with_digest(&self, digest: Digest) -> Self {
        Reference {
            digest: Some(digest),
            tag: None,
            ..self.clone()
        }
    }

    /// The same repository at `tag` (the digest is dropped).
    pub fn with_tag(&self, tag: &str) -> Result<Self> {
        check_tag(tag).map_err(|why| Error::new(ErrorCode::InvalidReference, why))?;
        Ok(Reference {
            tag: Some(tag.to_owned()),
            digest: None,
            ..self.clone()
        })
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.registry, self.repository)?;
        match (&self.tag, &self.digest) {
            (Some(tag), Some(digest)) => write!(f, ":{tag}@{digest}"),
            (Some(tag), None) => write!(f, ":{tag}"),
            (None, Some(digest)) => write!(f, "@{digest}"),
            (None, None) => write!(f, ":{DEFAULT_TAG}"),
        }
    }
}

impl FromStr for Reference {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Reference::parse(s)
    }
}

/// Splits off the registry as docker does: the first component is a registry when it contains `.` or
/// `:`, or is `localhost`, or has uppercase letters (which a repository cannot).
fn split_registry(name: &str) -> (&str, &str) {
    match name.split_once('/') {
        Some((first, rest))
            if first.contains(['.', ':']) || first == "localhost" || first.chars().any(|c| c.is_ascii_uppercase()) =>
        {
            (first, rest)
        }
        _ => (DEFAULT_REGISTRY, name),
    }
}

/// Checks a tag: `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`.
pub fn check_tag(tag: &str) -> std::result::Result<(), String> {
    let mut chars = tag.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
    if !first_ok
        || tag.len() > TAG_LENGTH_MAX
        || !chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
    {
        return Err(format!(
            "invalid tag {tag:?}: expected [A-Za-z0-9_][A-Za-z0-9_.-]{{0,127}}"
        ));
    }
    Ok(())
}

fn check_registry(registry: &str) -> std::result::Result<(), String> {
    let bad = || format!("invalid registry {registry:?}");
    let (host, port) = if let Some(rest) = registry.strip_prefix('[') {
        // [IPv6]:port
        let (addr, after) = rest.split_once(']').ok_or_else(bad)?;
        if addr.is_empty() || !addr.chars().all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.') {
            return Err(bad());
        }
        match after {
            "" => (None, None),
            _ => (None, Some(after.strip_prefix(':').ok_or_else(bad)?)),
        }
    } else {
        match registry.rsplit_once(':') {
            Some((host, port)) => (Some(host), Some(port)),
            None => (Some(registry), None),
        }
    };
    if let Some(host) = host {
        let component_ok = |c: &str| {
            !c.is_empty()
                && !c.starts_with('-')
                && !c.ends_with('-')
                && c.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '-')
        };
        if !host.split('.').all(component_ok) {
            return Err(bad());
        }
    }
    if let Some(port) = port {
        if port.is_empty() || port.len() > 5 || !port.chars().all(|c| c.is_ascii_digit()) {
            return Err(bad());
        }
    }
    Ok(())
}

/// Path components: `[a-z0-9]+(([_.]|__|-+)[a-z0-9]+)*`, joined by `/`.
fn check_path(path: &str) -> std::result::Result<(), String> {
    for component in path.split('/') {
        if !path_component_ok(component) {
            return Err(format!("invalid repository path component {component:?}"));
        }
    }
    Ok(())
}

fn path_component_ok(component: &str) -> bool {
    let bytes = component.as_bytes();
    let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    if bytes.is_empty() || !alnum(bytes[0]) || !alnum(bytes[bytes.len() - 1]) {
        return false;
    }
    let mut i = 0;
    while i < bytes.len() {
        if alnum(bytes[i]) {
            i += 1;
            continue;
        }
        // A separator run: `.`, `_`, `__`, or one or more `-`.
        let start = i;
        while i < bytes.len() && !alnum(bytes[i]) {
            i += 1;
        }
        let sep = &component[start..i];
        let ok = matches!(sep, "." | "_" | "__") || sep.bytes().all(|b| b == b'-');
        if !ok {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: &str = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    fn norm(s: &str) -> String {
        Reference::parse(s).unwrap().to_string()
    }

    #[test]
    fn normalises_docker_hub_names() {
        assert_eq!(norm("alpine"), "docker.io/library/alpine:latest");
        assert_eq!(norm("alpine:3.20"), "docker.io/library/alpine:3.20");
        assert_eq!(norm("user/app"), "docker.io/user/app:latest");
        assert_eq!(
            norm("index.docker.io/library/alpine"),
            "docker.io/library/alpine:latest"
        );
        assert_eq!(norm("docker.io/alpine"), "docker.io/library/alpine:latest");
    }

    #[test]
    fn keeps_registries_ports_and_digests() {
        assert_eq!(norm("localhost:5000/app:v1"), "localhost:5000/app:v1");
        assert_eq!(norm("localhost/app"), "localhost/app:latest");
        assert_eq!(norm("127.0.0.1:5000/a/b/c"), "127.0.0.1:5000/a/b/c:latest");
        assert_eq!(norm(&format!("ghcr.io/org/app@{D}")), format!("ghcr.io/org/app@{D}"));
        assert_eq!(
            norm(&format!("ghcr.io/org/app:1.2@{D}")),
            format!("ghcr.io/org/app:1.2@{D}")
        );
        assert_eq!(norm("[::1]:5000/app"), "[::1]:5000/app:latest");
        let r = Reference::parse("public.ecr.aws/vendor/agent_x.y__z-w--q:v_1.0-rc").unwrap();
        assert_eq!(r.registry(), "public.ecr.aws");
        assert_eq!(r.repository(), "vendor/agent_x.y__z-w--q");
        assert_eq!(r.tag(), Some("v_1.0-rc"));
        assert_eq!(r.name(), "public.ecr.aws/vendor/agent_x.y__z-w--q");
        assert_eq!(r.full_name(), "public.ecr.aws/vendor/agent_x.y__z-w--q:v_1.0-rc");
    }

    #[test]
    fn names_are_spelled_as_cosign_spells_them() {
        let name = |s: &str| Reference::parse(s).unwrap().full_name();
        assert_eq!(name("alpine"), "index.docker.io/library/alpine:latest");
        assert_eq!(name("docker.io/user/app:1"), "index.docker.io/user/app:1");
        assert_eq!(
            name(&format!("ghcr.io/org/app:1.2@{D}")),
            format!("ghcr.io/org/app@{D}")
        );
        assert_eq!(name("localhost:5000/app"), "localhost:5000/app:latest");
    }

    #[test]
    fn rejects_invalid_references() {
        for bad in [
            "",
            "Alpine",
            "docker.io/Library/alpine",
            "alpine:",
            "alpine:-bad",
            "alpine@sha256:abc",
            "alpine@",
            "/alpine",
            "alpine/",
            "a//b",
            "a..b",
            "a___b",
            "-a",
            "a-",
            "registry:port/app",
            "registry:99999999/app",
            "regi_stry.io/app",
            "[zz]/app",
            "app:tag:again",
            "app with space",
            &format!("alpine:{}", "a".repeat(129)),
            &format!("example.com/{}", "a".repeat(250)),
        ] {
            let err = Reference::parse(bad).unwrap_err();
            assert_eq!(err.code(), ErrorCode::InvalidReference, "{bad:?} should be rejected");
        }
    }

    #[test]
    fn lowercase_error_is_explicit() {
        let err = Reference::parse("example.com/MyApp").unwrap_err();
        assert!(err.message().contains("must be lowercase"), "{err}");
    }

    #[test]
    fn with_digest_drops_tag() {
        let r = Reference::parse("example.com/app:v1").unwrap();
        let pinned = r.with_digest(Digest::parse(D).unwrap());
        assert_eq!(pinned.to_string(), format!("example.com/app@{D}"));
        assert_eq!(pinned.with_tag("v2").unwrap().to_string(), "example.com/app:v2");
        assert!(pinned.with_tag("bad tag").is_err());
    }
}
