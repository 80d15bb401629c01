//! One transparency-log entry of a bundle, verified against the trusted root: the log named by
//! its id, its signed entry timestamp (the SET: the log's signature over the RFC 8785 canonical
//! JSON of body, integrated time, log id and index, valid at that time), and its inclusion proof
//! up to a checkpoint the log signed. What the entry says is bound to the bundle elsewhere
//! ([`super::rekor_body`]).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;

use super::bundle::TlogEntry;
use super::checkpoint::verify_checkpoint;
use super::merkle::{leaf_hash, verify_inclusion};
use super::trusted_root::{TransparencyLog, TrustedRoot};
use crate::error::{Error, ErrorCode, Result};
use crate::hex::encode as hex;

/// A verified entry.
#[derive(Debug, Clone, Copy)]
pub struct VerifiedEntry<'a> {
    /// The log that holds it.
    pub log: &'a TransparencyLog,
    /// The integrated time, when a verified SET vouches for it.
    pub integrated_time: Option<SystemTime>,
    /// Whether an inclusion proof and its checkpoint verified.
    pub proved: bool,
}

fn failed(message: String) -> Error {
    Error::new(ErrorCode::NoMatchingSignatures, message)
}

/// The bytes a SET signs: `{"body":…,"integratedTime":…,"logID":…,"logIndex":…}`, keys sorted and
/// no whitespace (RFC 8785; every value here is ASCII or an integer, which serde_json writes as
/// RFC 8785 does).
fn set_payload(entry: &TlogEntry) -> Vec<u8> {
    let body = base64::engine::general_purpose::STANDARD.encode(&entry.body);
    format!(
        "{{\"body\":{},\"integratedTime\":{},\"logID\":\"{}\",\"logIndex\":{}}}",
        serde_json::Value::String(body),
        entry.integrated_time,
        hex(&entry.log_id),
        entry.log_index
    )
    .into_bytes()
}

/// Verifies `entry` against the logs of `root`. An entry with neither a SET nor a proof, a log the
/// root does not know, a SET that does not verify, or a proof that does not lead to a checkpoint the
/// log signed, is an error that says which.
pub fn verify_tlog_entry<'a>(entry: &TlogEntry, root: &'a TrustedRoot) -> Result<VerifiedEntry<'a>> {
    let log = root.tlog(&entry.log_id).ok_or_else(|| {
        failed(format!(
            "the transparency-log entry is from a log the trusted root does not list (log id {})",
            hex(&entry.log_id)
        ))
    })?;
    let mut integrated_time = None;
    if let Some(set) = &entry.signed_entry_timestamp {
        let time = UNIX_EPOCH + Duration::from_secs(entry.integrated_time);
        if !log.valid_for.contains(time) {
            return Err(failed(format!(
                "the transparency log {} was not valid at the entry's integrated time {}",
                log.base_url,
                super::format_rfc3339(entry.integrated_time)
            )));
        }
        log.key.verify(&set_payload(entry), set).map_err(|_| {
            failed(format!(
                "the signed entry timestamp does not verify with the key of {}",
                log.base_url
            ))
        })?;
        integrated_time = Some(time);
    }
    let proved = match &entry.inclusion_proof {
        Some(proof) => {
            verify_inclusion(
                proof.log_index,
                proof.tree_size,
                &leaf_hash(&entry.body),
                &proof.hashes,
                &proof.root_hash,
            )?;
            let checkpoint = verify_checkpoint(&proof.checkpoint, log)?;
            if checkpoint.tree_size != proof.tree_size || checkpoint.root_hash != proof.root_hash {
                return Err(failed(format!(
                    "the checkpoint is for a tree of {} with another root than the inclusion proof's ({})",
                    checkpoint.tree_size, proof.tree_size
                )));
            }
            // A log of one tree (Rekor v2: its origin names no shard) proves the entry's own index;
            // a sharded Rekor v1 log numbers entries globally and its proofs per shard.
            if !checkpoint.origin.contains(" - ") && entry.log_index != proof.log_index {
                return Err(failed(format!(
                    "the entry claims log index {}, its inclusion proof is for index {}",
                    entry.log_index, proof.log_index
                )));
            }
            true
        }
        None => false,
    };
    if integrated_time.is_none() && !proved {
        return Err(failed(
            "the transparency-log entry has neither a signed entry timestamp nor an inclusion proof".into(),
        ));
    }
    Ok(VerifiedEntry {
        log,
        integrated_time,
        proved,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> TlogEntry {
        TlogEntry {
            log_index: 25579,
            log_id: vec![0xc0, 0xd2],
            kind: "hashedrekord".into(),
            kind_version: "0.0.1".into(),
            integrated_time: 1_689_177_396,
            signed_entry_timestamp: None,
            inclusion_proof: None,
            body: b"{\"kind\":\"hashedrekord\"}".to_vec(),
        }
    }

    #[test]
    fn the_set_covers_the_canonical_json_of_body_time_log_id_and_index() {
        assert_eq!(
            String::from_utf8(set_payload(&entry())).unwrap(),
            r#"{"body":"eyJraW5kIjoiaGFzaGVkcmVrb3JkIn0=","integratedTime":1689177396,"logID":"c0d2","logIndex":25579}"#
        );
    }

    #[test]
    fn an_entry_with_neither_set_nor_proof_or_from_an_unknown_log_is_refused() {
        let root = TrustedRoot::production().unwrap();
        let unknown = verify_tlog_entry(&entry(), &root).unwrap_err();
        assert!(unknown.message().contains("does not list"), "{unknown}");
        let mut bare = entry();
        bare.log_id = root.tlogs[0].log_id.clone();
        let err = verify_tlog_entry(&bare, &root).unwrap_err();
        assert!(
            err.message()
                .contains("neither a signed entry timestamp nor an inclusion proof"),
            "{err}"
        );
        let mut forged = bare.clone();
        forged.signed_entry_timestamp = Some(vec![0x30, 0x00]);
        let err = verify_tlog_entry(&forged, &root).unwrap_err();
        assert!(err.message().contains("does not verify"), "{err}");
    }
}
