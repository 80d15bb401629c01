//! Content digests (`sha256:…`, `sha384:…`, `sha512:…`): parse, compute, stream, verify.
//!
//! Raw bytes are hashed exactly as received; nothing is re-serialized before hashing.

use std::fmt;
use std::str::FromStr;

use crate::crypto;
use crate::error::{Error, ErrorCode, Result};

/// A digest algorithm accepted in OCI descriptors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Algorithm {
    /// SHA-256, the registry default.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl Algorithm {
    /// The name used in digest strings (`sha256`).
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Sha256 => "sha256",
            Algorithm::Sha384 => "sha384",
            Algorithm::Sha512 => "sha512",
        }
    }

    /// Output length in bytes.
    pub fn output_len(self) -> usize {
        match self {
            Algorithm::Sha256 => 32,
            Algorithm::Sha384 => 48,
            Algorithm::Sha512 => 64,
        }
    }

    fn from_name(name: &str) -> Option<Self> {
        match name {
            "sha256" => Some(Algorithm::Sha256),
            "sha384" => Some(Algorithm::Sha384),
            "sha512" => Some(Algorithm::Sha512),
            _ => None,
        }
    }
}

/// A validated digest: a supported algorithm and its lowercase hex encoding of the exact length.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Digest {
    algorithm: Algorithm,
    /// The canonical string `algorithm:hex`.
    text: String,
}

impl Digest {
    /// Parses `algorithm:hex`, rejecting unknown algorithms, uppercase hex and wrong lengths.
    pub fn parse(text: &str) -> Result<Self> {
        let invalid = |why: &str| Error::new(ErrorCode::InvalidDigest, format!("invalid digest {text:?}: {why}"));
        let (name, hex) = text.split_once(':').ok_or_else(|| invalid("expected algorithm:hex"))?;
        let algorithm = Algorithm::from_name(name)
            .ok_or_else(|| invalid("unsupported algorithm (expected sha256, sha384 or sha512)"))?;
        if hex.len() != algorithm.output_len() * 2 {
            return Err(invalid(&format!(
                "{} hex digits for {}, expected {}",
                hex.len(),
                name,
                algorithm.output_len() * 2
            )));
        }
        if !hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
            return Err(invalid("the hex part must be lowercase hexadecimal"));
        }
        Ok(Digest {
            algorithm,
            text: text.to_owned(),
        })
    }

    /// The digest of `bytes` under `algorithm`.
    pub fn compute(algorithm: Algorithm, bytes: &[u8]) -> Self {
        let mut hasher = Hasher::new(algorithm);
        hasher.update(bytes);
        hasher.finish()
    }

    /// The SHA-256 digest of `bytes`.
    pub fn sha256(bytes: &[u8]) -> Self {
        Self::compute(Algorithm::Sha256, bytes)
    }

    fn from_raw(algorithm: Algorithm, raw: &[u8]) -> Self {
        let mut text = String::with_capacity(algorithm.name().len() + 1 + raw.len() * 2);
        text.push_str(algorithm.name());
        text.push(':');
        for byte in raw {
            text.push(char::from(HEX[usize::from(byte >> 4)]));
            text.push(char::from(HEX[usize::from(byte & 0x0f)]));
        }
        Digest { algorithm, text }
    }

    /// The algorithm.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The lowercase hex part.
    pub fn hex(&self) -> &str {
        &self.text[self.algorithm.name().len() + 1..]
    }

    /// The whole digest string `algorithm:hex`.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Checks that `bytes` hash to this digest; the error names both digests.
    pub fn verify(&self, bytes: &[u8]) -> Result<()> {
        let actual = Digest::compute(self.algorithm(), bytes);
        if &actual == self {
            Ok(())
        } else {
            Err(Error::new(
                ErrorCode::DigestMismatch,
                format!("digest mismatch: expected {self}, content hashes to {actual}"),
            ))
        }
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Digest({})", self.text)
    }
}

impl FromStr for Digest {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Digest::parse(s)
    }
}

impl serde::Serialize for Digest {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

impl<'de> serde::Deserialize<'de> for Digest {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Digest::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// A streaming hasher: feed bytes as they arrive, then [`Hasher::finish`].
pub struct Hasher {
    algorithm: Algorithm,
    context: crypto::DigestContext,
    len: u64,
}

impl Hasher {
    /// A hasher for `algorithm`.
    pub fn new(algorithm: Algorithm) -> Self {
        Hasher {
            algorithm,
            context: crypto::DigestContext::new(algorithm),
            len: 0,
        }
    }

    /// Feeds `bytes`.
    pub fn update(&mut self, bytes: &[u8]) {
        self.context.update(bytes);
        self.len = self.len.saturating_add(bytes.len() as u64);
    }

    /// How many bytes were fed so far.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether nothing was fed yet.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The digest of everything fed.
    pub fn finish(self) -> Digest {
        Digest::from_raw(self.algorithm, &self.context.finish())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EMPTY_SHA256: &str = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    #[test]
    fn computes_known_sha256() {
        assert_eq!(Digest::sha256(b"").as_str(), EMPTY_SHA256);
    }

    #[test]
    fn computes_sha384_and_sha512_lengths() {
        assert_eq!(Digest::compute(Algorithm::Sha384, b"x").hex().len(), 96);
        assert_eq!(Digest::compute(Algorithm::Sha512, b"x").hex().len(), 128);
        let d = Digest::compute(Algorithm::Sha512, b"abc");
        assert_eq!(Digest::parse(d.as_str()).unwrap(), d);
    }

    #[test]
    fn streaming_equals_one_shot() {
        let mut h = Hasher::new(Algorithm::Sha256);
        h.update(b"hello ");
        h.update(b"world");
        assert_eq!(h.len(), 11);
        assert_eq!(h.finish(), Digest::sha256(b"hello world"));
    }

    #[test]
    fn parses_valid_and_round_trips() {
        let d = Digest::parse(EMPTY_SHA256).unwrap();
        assert_eq!(d.algorithm(), Algorithm::Sha256);
        assert_eq!(d.to_string(), EMPTY_SHA256);
    }

    #[test]
    fn rejects_malformed_digests() {
        for bad in [
            "",
            "sha256",
            "sha256:",
            "md5:d41d8cd98f00b204e9800998ecf8427e",
            "SHA256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85",
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b8555",
            "sha256:g3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "sha384:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        ] {
            let err = Digest::parse(bad).unwrap_err();
            assert_eq!(err.code(), ErrorCode::InvalidDigest, "{bad}");
        }
    }

    #[test]
    fn verify_reports_both_digests() {
        let d = Digest::sha256(b"a");
        assert!(d.verify(b"a").is_ok());
        let err = d.verify(b"b").unwrap_err();
        assert_eq!(err.code(), ErrorCode::DigestMismatch);
        assert!(err.message().contains(d.as_str()));
        assert!(err.message().contains(Digest::sha256(b"b").as_str()));
    }
}
