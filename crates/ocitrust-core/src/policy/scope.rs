//! Scopes: which images a policy applies to, and which policy wins when several match. Images are
//! named by their normalised repository (`nginx` is `docker.io/library/nginx`), an OCI layout by
//! `oci:PATH`. A pattern is an exact repository (optionally with `:tag` or `@digest`), or a glob
//! where `*` matches within one path segment and `**` across segments; a lone `*` or `**` matches
//! every image. The most specific matching pattern wins, in this order: a digest, a tag, an exact
//! repository, a glob, the catch-all; among globs, the longer literal prefix, then more literal
//! characters, then fewer `**`, then fewer `*`, then the pattern's text. Distinct patterns never
//! tie, so precedence is a total order and the winner never depends on document order. A tag or
//! digest pattern matches the reference as it is named (as containers/image matches its scopes):
//! `app@sha256:…` applies to an image named by that digest, not to a tag that points at it.

use std::cmp::Ordering;

use super::tree::{Position, PositionedError};
use crate::digest::Digest;
use crate::reference::Reference;

/// The prefix that names an OCI layout.
pub const LAYOUT_PREFIX: &str = "oci:";
/// The prefix that names an OCI layout in a tar archive.
pub const ARCHIVE_PREFIX: &str = "oci-archive:";

/// How an image is named for scope matching.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopeName {
    /// `registry/repository`, normalised, or `oci:PATH`.
    pub repository: String,
    /// The tag the image was named by, if any.
    pub tag: Option<String>,
    /// The digest the image was named by, if any.
    pub digest: Option<Digest>,
}

impl ScopeName {
    /// The name of a registry image, as `reference` names it.
    pub fn of_reference(reference: &Reference) -> Self {
        ScopeName {
            repository: format!("{}/{}", reference.registry(), reference.repository()),
            tag: reference.tag().map(str::to_owned),
            digest: reference.digest().cloned(),
        }
    }
}

/// A scope pattern.
#[derive(Debug, Clone)]
pub struct ScopePattern {
    text: String,
    at: Position,
    kind: PatternKind,
}

#[derive(Debug, Clone)]
enum PatternKind {
    Everything,
    Glob(Vec<GlobPart>),
    Repository(String),
    Tag(String, String),
    Digest(String, Digest),
}

/// How specific a pattern is; greater wins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Specificity {
    class: u8,
    literal_prefix: usize,
    literal: usize,
    double_stars: std::cmp::Reverse<usize>,
    stars: std::cmp::Reverse<usize>,
    text: std::cmp::Reverse<String>,
}

impl Ord for Specificity {
    fn cmp(&self, other: &Self) -> Ordering {
        (
            self.class,
            self.literal_prefix,
            self.literal,
            &self.double_stars,
            &self.stars,
            &self.text,
        )
            .cmp(&(
                other.class,
                other.literal_prefix,
                other.literal,
                &other.double_stars,
                &other.stars,
                &other.text,
            ))
    }
}

impl PartialOrd for Specificity {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

fn is_pattern_char(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-' | '/' | ':' | '*')
}

impl ScopePattern {
    /// Reads a pattern written at `at`.
    pub fn parse(text: &str, at: Position) -> Result<Self, PositionedError> {
        let invalid = |why: &str| PositionedError::new(at, format!("invalid scope {text:?}: {why}"));
        let kind = if text == "*" || text == "**" {
            PatternKind::Everything
        } else if let Some(path) = text
            .strip_prefix(LAYOUT_PREFIX)
            .or_else(|| text.strip_prefix(ARCHIVE_PREFIX))
        {
            if path.is_empty() {
                return Err(invalid("oci: and oci-archive: need a path"));
            }
            if path.contains('*') {
                PatternKind::Glob(glob_parts(text).map_err(|why| invalid(&why))?)
            } else {
                PatternKind::Repository(text.trim_end_matches('/').to_owned())
            }
        } else if text.contains('*') {
            // A port may follow the host; a tag or digest may not follow a glob.
            let host_end = text.find('/').unwrap_or(text.len());
            let bad = text
                .char_indices()
                .find(|(i, c)| !is_pattern_char(*c) || (*c == ':' && *i >= host_end));
            if let Some((_, bad)) = bad {
                return Err(invalid(&format!(
                    "{bad:?} is not allowed in a glob (write repositories normalised and lowercase, without tag or digest)"
                )));
            }
            PatternKind::Glob(glob_parts(text).map_err(|why| invalid(&why))?)
        } else {
            let reference = Reference::parse(text).map_err(|e| invalid(e.message()))?;
            let repository = format!("{}/{}", reference.registry(), reference.repository());
            match (reference.digest(), reference.tag()) {
                (Some(digest), _) => PatternKind::Digest(repository, digest.clone()),
                (None, Some(tag)) => PatternKind::Tag(repository, tag.to_owned()),
                (None, None) => PatternKind::Repository(repository),
            }
        };
        let normalised = match &kind {
            PatternKind::Repository(repository) => repository.clone(),
            PatternKind::Tag(repository, tag) => format!("{repository}:{tag}"),
            PatternKind::Digest(repository, digest) => format!("{repository}@{digest}"),
            PatternKind::Everything => "*".to_owned(),
            PatternKind::Glob(_) => text.to_owned(),
        };
        Ok(ScopePattern {
            text: normalised,
            at,
            kind,
        })
    }

    /// The pattern, normalised (`nginx` reads `docker.io/library/nginx`).
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Where it is written.
    pub fn at(&self) -> Position {
        self.at
    }

    /// Whether the pattern matches `name`.
    pub fn matches(&self, name: &ScopeName) -> bool {
        match &self.kind {
            PatternKind::Everything => true,
            PatternKind::Glob(parts) => glob_matches(parts, name.repository.as_bytes()),
            PatternKind::Repository(repository) => *repository == name.repository,
            PatternKind::Tag(repository, tag) => {
                *repository == name.repository && name.tag.as_deref() == Some(tag.as_str())
            }
            PatternKind::Digest(repository, digest) => {
                *repository == name.repository && name.digest.as_ref() == Some(digest)
            }
        }
    }

    /// How specific the pattern is.
    pub fn specificity(&self) -> Specificity {
        let (class, literal_prefix, literal, double_stars, stars) = match &self.kind {
            PatternKind::Everything => (0, 0, 0, 0, 0),
            PatternKind::Glob(_) => {
                let prefix = self.text.find('*').unwrap_or(self.text.len());
                let double = self.text.matches("**").count();
                let single = self.text.matches('*').count() - 2 * double;
                (
                    1,
                    prefix,
                    self.text.chars().filter(|c| *c != '*').count(),
                    double,
                    single,
                )
            }
            PatternKind::Repository(_) => (2, 0, 0, 0, 0),
            PatternKind::Tag(..) => (3, 0, 0, 0, 0),
            PatternKind::Digest(..) => (4, 0, 0, 0, 0),
        };
        Specificity {
            class,
            literal_prefix,
            literal,
            double_stars: std::cmp::Reverse(double_stars),
            stars: std::cmp::Reverse(stars),
            text: std::cmp::Reverse(self.text.clone()),
        }
    }
}

/// One piece of a glob.
#[derive(Debug, Clone, PartialEq, Eq)]
enum GlobPart {
    /// This byte.
    Byte(u8),
    /// `*`: any run of bytes without `/`.
    Star,
    /// `**`: any run of bytes.
    DoubleStar,
}

fn glob_parts(pattern: &str) -> Result<Vec<GlobPart>, String> {
    if pattern.contains("***") {
        return Err("*** is not a glob: use * within a segment or ** across segments".into());
    }
    let bytes = pattern.as_bytes();
    let mut parts = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match (bytes[i], bytes.get(i + 1)) {
            (b'*', Some(b'*')) => {
                parts.push(GlobPart::DoubleStar);
                i += 2;
            }
            (b'*', _) => {
                parts.push(GlobPart::Star);
                i += 1;
            }
            (byte, _) => {
                parts.push(GlobPart::Byte(byte));
                i += 1;
            }
        }
    }
    Ok(parts)
}

/// Whether the glob matches the whole of `name`: a dynamic programme over (glob, name) prefixes,
/// linear in each (no backtracking, whatever the stars).
fn glob_matches(parts: &[GlobPart], name: &[u8]) -> bool {
    // matched[j]: the parts so far match name[..j]; next: with one part more.
    let mut matched = vec![false; name.len() + 1];
    let mut next = vec![false; name.len() + 1];
    matched[0] = true;
    for part in parts {
        next[0] = matches!(part, GlobPart::Star | GlobPart::DoubleStar) && matched[0];
        for j in 0..name.len() {
            next[j + 1] = match part {
                GlobPart::Byte(byte) => matched[j] && name[j] == *byte,
                GlobPart::Star => matched[j + 1] || (next[j] && name[j] != b'/'),
                GlobPart::DoubleStar => matched[j + 1] || next[j],
            };
        }
        std::mem::swap(&mut matched, &mut next);
    }
    matched[name.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pattern(text: &str) -> ScopePattern {
        ScopePattern::parse(text, Position::default()).unwrap()
    }

    fn name(text: &str) -> ScopeName {
        ScopeName::of_reference(&Reference::parse(text).unwrap())
    }

    #[test]
    fn exact_patterns_are_normalised_like_references() {
        assert_eq!(pattern("nginx").text(), "docker.io/library/nginx");
        assert!(pattern("nginx").matches(&name("index.docker.io/library/nginx:1.25")));
        assert!(pattern("nginx:1.25").matches(&name("nginx:1.25")));
        assert!(!pattern("nginx:1.25").matches(&name("nginx:1.26")));
        assert!(!pattern("nginx").matches(&name("nginx/nginx")));
        // Tags and digests match as the image is named, never what a tag points at.
        let digest = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
        assert!(pattern(&format!("nginx@{digest}")).matches(&name(&format!("nginx@{digest}"))));
        assert!(!pattern(&format!("nginx@{digest}")).matches(&name("nginx:1.25")));
        assert!(!pattern("nginx:1.25").matches(&name(&format!("nginx@{digest}"))));
    }

    #[test]
    fn one_star_stays_in_its_segment_and_two_cross_segments() {
        assert!(pattern("registry.example.com/prod/*").matches(&name("registry.example.com/prod/app")));
        assert!(!pattern("registry.example.com/prod/*").matches(&name("registry.example.com/prod/team/app")));
        assert!(pattern("registry.example.com/prod/**").matches(&name("registry.example.com/prod/team/app")));
        assert!(!pattern("registry.example.com/prod/**").matches(&name("registry.example.com/production/app")));
        assert!(pattern("*.example.com/**").matches(&name("eu.registry.example.com/app")));
        assert!(!pattern("*.example.com/**").matches(&name("example.com.evil.io/app")));
        assert!(pattern("*").matches(&name("anything/at/all")));
        assert!(pattern("localhost:5000/**").matches(&name("localhost:5000/team/app")));
        assert!(pattern("registry.example.com/*/app").matches(&name("registry.example.com/team/app")));
        assert!(!pattern("registry.example.com/*/app").matches(&name("registry.example.com/a/b/app")));
        assert!(pattern("registry.example.com/**/app").matches(&name("registry.example.com/a/b/app")));
        assert!(pattern("**/app").matches(&name("registry.example.com/app")));
        assert!(!pattern("**/app").matches(&name("registry.example.com/apps")));
        assert!(pattern("*.example.com/*").matches(&name("a.b.example.com/app")));
        let stars = "*a".repeat(60) + "/**";
        assert!(!ScopePattern::parse(&stars, Position::default())
            .unwrap()
            .matches(&name(&format!("{}/x", "a".repeat(59)))));
    }

    #[test]
    fn globs_with_tags_capitals_or_three_stars_are_refused() {
        for bad in [
            "registry.example.com/*:latest",
            "Registry.example.com/**",
            "a/***",
            "oci:",
            "a b/**",
        ] {
            assert!(ScopePattern::parse(bad, Position::default()).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_most_specific_pattern_wins() {
        let order = [
            "*",
            "**/app",
            "registry.example.com/**",
            "registry.example.com/prod/**",
            "registry.example.com/prod/*",
            "registry.example.com/prod/app",
            "registry.example.com/prod/app:v1",
            "registry.example.com/prod/app@sha256:0000000000000000000000000000000000000000000000000000000000000000",
        ];
        for pair in order.windows(2) {
            assert!(
                pattern(pair[0]).specificity() < pattern(pair[1]).specificity(),
                "{pair:?}"
            );
        }
    }
}
