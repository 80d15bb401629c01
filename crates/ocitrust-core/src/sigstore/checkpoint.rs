//! Signed checkpoints (the signed-note format of transparency logs): an origin line, the tree size,
//! the base64 root hash, optional extension lines, a blank line, then signature lines
//! `— <name> <base64(key hint ‖ signature)>`. A checkpoint vouches for a tree when a signature
//! line whose key hint (the first four bytes of the log id) and name are the log's verifies over
//! the note text with the log's key. Lines from other signers (witnesses) are ignored; reading
//! the note by hand is the format itself (a few lines of text), no crate implements it here.

use super::base64_field::decode_base64;
use super::trusted_root::TransparencyLog;
use crate::crypto::{KeyType, SignatureAlgorithm};
use crate::error::{Error, ErrorCode, Result};

/// Largest checkpoint read.
const CHECKPOINT_SIZE_MAX: usize = 64 * 1024;

/// The note of a checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log's origin line.
    pub origin: String,
    /// The tree size.
    pub tree_size: u64,
    /// The root hash.
    pub root_hash: Vec<u8>,
}

fn invalid(message: String) -> Error {
    Error::new(
        ErrorCode::NoMatchingSignatures,
        format!("invalid checkpoint: {message}"),
    )
}

/// Parses `text` and verifies it is signed by `log`; returns the note.
pub fn verify_checkpoint(text: &str, log: &TransparencyLog) -> Result<Checkpoint> {
    if text.len() > CHECKPOINT_SIZE_MAX {
        return Err(Error::new(
            ErrorCode::LimitExceeded,
            format!("checkpoint is {} bytes, limit is {CHECKPOINT_SIZE_MAX}", text.len()),
        ));
    }
    let split = text
        .find("\n\n")
        .ok_or_else(|| invalid("no blank line between the note and its signatures".into()))?;
    let (note, signatures) = (&text[..split + 1], &text[split + 2..]);
    let mut lines = note.lines();
    let origin = lines
        .next()
        .filter(|l| !l.is_empty())
        .ok_or_else(|| invalid("no origin".into()))?;
    let tree_size = lines
        .next()
        .and_then(|l| l.parse::<u64>().ok())
        .ok_or_else(|| invalid("no tree size".into()))?;
    let root_hash = lines
        .next()
        .and_then(|l| decode_base64(l).ok())
        .filter(|h| h.len() == 32)
        .ok_or_else(|| invalid("no root hash".into()))?;
    if log.log_id.len() < 4 {
        return Err(invalid("the log id is shorter than a key hint".into()));
    }
    let algorithm = match log.key.key_type() {
        KeyType::Ed25519 => SignatureAlgorithm::Ed25519,
        KeyType::EcdsaP384 => SignatureAlgorithm::EcdsaSha384,
        KeyType::Rsa { .. } => SignatureAlgorithm::RsaPkcs1Sha256,
        _ => SignatureAlgorithm::EcdsaSha256,
    };
    if signatures.is_empty() {
        return Err(invalid("it carries no signature".into()));
    }
    if !signatures.ends_with('\n') {
        return Err(invalid("the signature lines do not end with a newline".into()));
    }
    let mut saw_log_hint = false;
    for line in signatures.lines() {
        let (name, signature) = line
            .strip_prefix("\u{2014} ")
            .and_then(|rest| rest.split_once(' '))
            .ok_or_else(|| invalid(format!("malformed signature line {line:?}")))?;
        let Ok(signature) = decode_base64(signature) else {
            return Err(invalid(format!("signature line of {name:?} is not base64")));
        };
        if signature.len() < 5 || signature[..4] != log.log_id[..4] {
            continue;
        }
        saw_log_hint = true;
        if !names_the_origin(name, origin) {
            continue;
        }
        if log.key.verify_with(algorithm, note.as_bytes(), &signature[4..]).is_ok() {
            return Ok(Checkpoint {
                origin: origin.to_owned(),
                tree_size,
                root_hash,
            });
        }
    }
    Err(invalid(if saw_log_hint {
        format!(
            "no signature of the log {} over origin {origin:?} verifies",
            log.base_url
        )
    } else {
        format!("no signature line has the key hint of the log {}", log.base_url)
    }))
}

/// A signer name speaks for an origin when it is the origin, or (Rekor v1 shards, whose origin is
/// `<name> - <tree id>`) the origin's name part.
fn names_the_origin(name: &str, origin: &str) -> bool {
    origin == name || origin.strip_prefix(name).is_some_and(|rest| rest.starts_with(" - "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::SigningKey;
    use crate::sigstore::{TransparencyLog, ValidityPeriod};

    fn log(key: &SigningKey) -> TransparencyLog {
        TransparencyLog {
            base_url: "https://log.example".into(),
            log_id: crate::crypto::sha256(key.public_key().spki_der()),
            key: key.public_key().clone(),
            key_details: "PKIX_ECDSA_P256_SHA_256".into(),
            valid_for: ValidityPeriod {
                start: std::time::UNIX_EPOCH,
                end: None,
            },
        }
    }

    fn signed(key: &SigningKey, log: &TransparencyLog, origin: &str, name: &str, extra_lines: &str) -> String {
        use base64::Engine;
        let note = format!(
            "{origin}\n42\n{}\n{extra_lines}",
            base64::engine::general_purpose::STANDARD.encode([7u8; 32])
        );
        let mut signature = log.log_id[..4].to_vec();
        signature.extend(key.sign(note.as_bytes()).unwrap());
        format!(
            "{note}\n\u{2014} {name} {}\n",
            base64::engine::general_purpose::STANDARD.encode(signature)
        )
    }

    #[test]
    fn a_note_signed_by_the_log_for_its_origin_verifies() {
        let key = SigningKey::generate_ecdsa_p256().unwrap();
        let log = log(&key);
        let checkpoint = verify_checkpoint(&signed(&key, &log, "log.example - 123", "log.example", ""), &log).unwrap();
        assert_eq!((checkpoint.tree_size, checkpoint.root_hash.len()), (42, 32));
        // Extension lines are part of what is signed.
        assert!(verify_checkpoint(
            &signed(&key, &log, "log.example", "log.example", "Timestamp: 1\n"),
            &log
        )
        .is_ok());
    }

    #[test]
    fn another_key_another_origin_or_an_altered_note_fails() {
        let key = SigningKey::generate_ecdsa_p256().unwrap();
        let other = SigningKey::generate_ecdsa_p256().unwrap();
        let log = log(&key);
        // Signed by another key with the log's key hint.
        let forged = signed(&other, &log, "log.example", "log.example", "");
        assert!(verify_checkpoint(&forged, &log)
            .unwrap_err()
            .message()
            .contains("verifies"));
        // The log's signature under a name that is not the origin's.
        let renamed = signed(&key, &log, "log.example", "other.example", "");
        assert!(verify_checkpoint(&renamed, &log).is_err());
        // One changed byte of the tree size.
        let text = signed(&key, &log, "log.example", "log.example", "").replacen("\n42\n", "\n43\n", 1);
        assert!(verify_checkpoint(&text, &log).is_err());
        // No blank line, no signatures, a malformed signature line.
        assert!(verify_checkpoint("log.example\n42\n", &log).is_err());
        assert!(verify_checkpoint(
            "log.example\n42\nBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=\n\n",
            &log
        )
        .unwrap_err()
        .message()
        .contains("no signature"));
        assert!(verify_checkpoint(
            "log.example\n42\nBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=\n\nnot a signature\n",
            &log
        )
        .is_err());
    }
}
