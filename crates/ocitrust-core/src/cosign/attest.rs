//! Key-based attesting of an image digest, as `cosign attest --key --tlog-upload=false` does: the
//! predicate put in an in-toto statement (v0.1, the subject named by the image's repository and
//! digest) as cosign puts it for its type, the statement signed in a DSSE envelope, the envelope
//! appended as a layer of the `.att` manifest with the `predicateType` annotation.

use std::collections::BTreeMap;
use std::time::SystemTime;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;

use super::attestation::{
    predicate_type_uri, ATTESTATION_SIZE_MAX, DSSE_ENVELOPE_MEDIA_TYPE, PREDICATE_TYPE_ANNOTATION,
};
use super::bundle::BUNDLE_V03_MEDIA_TYPE;
use super::signature_manifest::{append_layer, NewLayer, NewSignatureManifest, SIGNATURE_ANNOTATION};
use crate::crypto::SigningKey;
use crate::digest::Digest;
use crate::error::{Error, ErrorCode, Result};
use crate::oci::{media_types, Manifest};
use crate::sigstore::{format_rfc3339, pae, unix_seconds, DsseEnvelope, IN_TOTO_PAYLOAD_TYPE};

/// The statement type cosign v2 writes.
const STATEMENT_TYPE_V01: &str = "https://in-toto.io/Statement/v0.1";

/// What to attest.
#[derive(Debug, Clone, Copy)]
pub struct AttestRequest<'a> {
    /// cosign's `--type`: an alias (`cyclonedx`, `spdxjson`, `custom`, …) or a URI.
    pub predicate_type: &'a str,
    /// The predicate file's bytes (`--predicate`).
    pub predicate: &'a [u8],
    /// Replace the attestations of the same predicate type instead of adding one (`--replace`).
    pub replace: bool,
    /// When it is attested (a `custom` predicate records it).
    pub time: SystemTime,
}

/// A statement about an image, signed: what both forms of attestation carry.
struct SignedStatement {
    predicate_type: String,
    statement: String,
    signature: Vec<u8>,
}

/// The statement cosign makes for `request` about `subject` (named `docker_reference`), signed
/// with `key` over PAE(in-toto payload type, statement).
fn signed_statement(
    key: &SigningKey,
    subject: &Digest,
    docker_reference: &str,
    request: &AttestRequest<'_>,
) -> Result<SignedStatement> {
    let predicate_type = predicate_type_uri(request.predicate_type)?;
    let predicate = predicate_json(request, &predicate_type)?;
    let statement = format!(
        r#"{{"_type":{},"predicateType":{},"subject":[{{"name":{},"digest":{{{}:{}}}}}],"predicate":{predicate}}}"#,
        json_string(STATEMENT_TYPE_V01),
        json_string(&predicate_type),
        json_string(docker_reference),
        json_string(subject.algorithm().name()),
        json_string(subject.hex()),
    );
    let signature = key.sign(&pae(IN_TOTO_PAYLOAD_TYPE, statement.as_bytes()))?;
    Ok(SignedStatement {
        predicate_type,
        statement,
        signature,
    })
}

/// An attestation of `size` bytes must fit the limit verifiers read.
fn check_size(size: usize) -> Result<()> {
    if size > ATTESTATION_SIZE_MAX {
        return Err(Error::new(
            ErrorCode::LimitExceeded,
            format!("the predicate makes a {size} byte attestation, limit is {ATTESTATION_SIZE_MAX}"),
        ));
    }
    Ok(())
}

/// Attests `subject` under the name `docker_reference` with `key`, appending the attestation to
/// `existing` (the current `.att` manifest, if any). The new layer's blob is the DSSE envelope.
pub fn attest_image(
    key: &SigningKey,
    subject: &Digest,
    docker_reference: &str,
    request: &AttestRequest<'_>,
    existing: Option<&Manifest>,
) -> Result<NewSignatureManifest> {
    let SignedStatement {
        predicate_type,
        statement,
        signature,
    } = signed_statement(key, subject, docker_reference, request)?;
    let envelope = format!(
        r#"{{"payloadType":{},"payload":"{}","signatures":[{{"keyid":"","sig":"{}"}}]}}"#,
        json_string(IN_TOTO_PAYLOAD_TYPE),
        BASE64.encode(&statement),
        BASE64.encode(signature),
    );
    check_size(envelope.len())?;
    let layer = NewLayer {
        media_type: DSSE_ENVELOPE_MEDIA_TYPE,
        blob: envelope.as_bytes(),
        annotations: BTreeMap::from([
            (SIGNATURE_ANNOTATION.to_owned(), String::new()),
            (PREDICATE_TYPE_ANNOTATION.to_owned(), predicate_type.clone()),
        ]),
    };
    let same_type = |layer: &serde_json::Value| {
        request.replace
            && layer.pointer(&format!("/annotations/{PREDICATE_TYPE_ANNOTATION}"))
                == Some(&serde_json::Value::String(predicate_type.clone()))
    };
    append_layer(existing, layer, same_type)
}

/// A Sigstore bundle referrer ready to store (cosign v3's `attest --key`, no log): the bundle, the
/// referrer manifest naming the subject, and the empty config blob it points to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewBundleReferrer {
    /// The bundle JSON (v0.3, a DSSE envelope, the key's hint, no log entry).
    pub bundle: Vec<u8>,
    /// The referrer manifest JSON.
    pub manifest: Vec<u8>,
    /// The empty config blob (`{}`).
    pub config: Vec<u8>,
}

/// The subject a referrer points to: its media type, digest and size.
#[derive(Debug, Clone, Copy)]
pub struct ReferrerSubject<'a> {
    /// The subject manifest's media type.
    pub media_type: &'a str,
    /// Its digest.
    pub digest: &'a Digest,
    /// Its size in bytes.
    pub size: u64,
}

/// Attests `subject` as cosign v3 does with a key and no services (`attest --key
/// --new-bundle-format`, a signing config without a log): a bundle v0.3 holding the DSSE envelope
/// and the key's hint, attached as a referrer manifest of artifact type bundle v0.3.
pub fn attest_image_bundle(
    key: &SigningKey,
    subject: ReferrerSubject<'_>,
    docker_reference: &str,
    request: &AttestRequest<'_>,
) -> Result<NewBundleReferrer> {
    let SignedStatement {
        predicate_type,
        statement,
        signature,
    } = signed_statement(key, subject.digest, docker_reference, request)?;
    let hint = crate::hex::decode(&key.public_key().key_id()).unwrap_or_default();
    let envelope = DsseEnvelope {
        payload: statement.into_bytes(),
        payload_type: IN_TOTO_PAYLOAD_TYPE.to_owned(),
        signatures: vec![signature],
    };
    let bundle = serde_json::json!({
        "mediaType": BUNDLE_V03_MEDIA_TYPE,
        "verificationMaterial": {"publicKey": {"hint": BASE64.encode(hint)}},
        "dsseEnvelope": envelope.to_bundle_json(),
    })
    .to_string()
    .into_bytes();
    check_size(bundle.len())?;
    let config = b"{}".to_vec();
    let manifest = crate::go_json::to_go_json(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": media_types::OCI_MANIFEST,
        "config": {
            "mediaType": media_types::OCI_EMPTY,
            "size": config.len(),
            "digest": Digest::sha256(&config).to_string(),
        },
        "layers": [{
            "mediaType": BUNDLE_V03_MEDIA_TYPE,
            "size": bundle.len(),
            "digest": Digest::sha256(&bundle).to_string(),
        }],
        "annotations": {
            "dev.sigstore.bundle.content": "dsse-envelope",
            "dev.sigstore.bundle.predicateType": predicate_type,
            "org.opencontainers.image.created": format_rfc3339(unix_seconds(request.time)),
        },
        "subject": {
            "mediaType": subject.media_type,
            "size": subject.size,
            "digest": subject.digest.to_string(),
        },
        "artifactType": BUNDLE_V03_MEDIA_TYPE,
    }))?
    .into_bytes();
    Ok(NewBundleReferrer {
        bundle,
        manifest,
        config,
    })
}

fn json_string(text: &str) -> String {
    serde_json::Value::String(text.to_owned()).to_string()
}

/// The statement's predicate for the predicate file, as cosign makes it: `custom` wraps the file's
/// text with a timestamp (`{"Data": …, "Timestamp": …}`), `spdx` (tag-value SPDX) is the text as a
/// string, and every other type takes the file as JSON (an object for a type given as a URI),
/// embedded as it is written.
fn predicate_json(request: &AttestRequest<'_>, predicate_type: &str) -> Result<String> {
    let text = std::str::from_utf8(request.predicate)
        .map_err(|_| Error::new(ErrorCode::InvalidArgument, "the predicate is not UTF-8 text"))?;
    match request.predicate_type {
        "custom" => Ok(format!(
            r#"{{"Data":{},"Timestamp":{}}}"#,
            json_string(text),
            json_string(&format_rfc3339(unix_seconds(request.time)))
        )),
        "spdx" => Ok(json_string(text)),
        name => {
            let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
                Error::new(
                    ErrorCode::InvalidArgument,
                    format!("invalid JSON payload for predicate type {predicate_type}: {e}"),
                )
            })?;
            let is_alias = super::attestation::PREDICATE_TYPE_ALIASES
                .iter()
                .any(|(alias, _)| *alias == name);
            if !is_alias && !value.is_object() {
                return Err(Error::new(
                    ErrorCode::InvalidArgument,
                    format!("invalid JSON payload for predicate type {predicate_type}: not a JSON object"),
                ));
            }
            Ok(text.trim().to_owned())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cosign::{verify_attestation_manifest, CosignRequirements, PayloadBlobs};
    use crate::verdict::CheckName;
    use crate::Authority;

    struct Attested {
        key: SigningKey,
        subject: Digest,
        manifest: Manifest,
        blobs: PayloadBlobs,
    }

    fn attest(predicate_type: &str, predicate: &[u8], existing: Option<&Attested>, replace: bool) -> Attested {
        let key = existing.map_or_else(
            || SigningKey::generate_ecdsa_p256().unwrap(),
            |a| SigningKey::from_pkcs8_der(a.key.pkcs8_der()).unwrap(),
        );
        let subject = Digest::sha256(b"the image manifest");
        let request = AttestRequest {
            predicate_type,
            predicate,
            replace,
            time: SystemTime::UNIX_EPOCH,
        };
        let new = attest_image(
            &key,
            &subject,
            "example.com/app",
            &request,
            existing.map(|a| &a.manifest),
        )
        .unwrap();
        let mut blobs = existing.map(|a| a.blobs.clone()).unwrap_or_default();
        blobs.insert(Digest::sha256(&new.payload), new.payload);
        Attested {
            key,
            subject,
            manifest: Manifest::from_bytes(new.manifest, None).unwrap(),
            blobs,
        }
    }

    fn verify(a: &Attested, predicate_type: &str) -> Vec<crate::verdict::SignatureReport> {
        let requirements = CosignRequirements {
            insecure_ignore_tlog: true,
            ..Default::default()
        };
        let authorities = [Authority::CosignKey(a.key.public_key().clone())];
        let uri = predicate_type_uri(predicate_type).unwrap();
        verify_attestation_manifest(
            &a.subject,
            &a.manifest,
            &a.blobs,
            &authorities,
            &requirements,
            &uri,
            "test",
        )
        .unwrap()
    }

    #[test]
    fn an_attested_predicate_verifies_and_comes_back_as_written() {
        let sbom = b"{\"bomFormat\": \"CycloneDX\", \"components\": [ ]}\n";
        let attested = attest("cyclonedx", sbom, None, false);
        let reports = verify(&attested, "cyclonedx");
        assert!(reports[0].verified, "{:?}", reports[0].checks);
        let attestation = reports[0].attestation.as_ref().unwrap();
        assert_eq!(
            attestation.predicate,
            b"{\"bomFormat\": \"CycloneDX\", \"components\": [ ]}"
        );
        assert_eq!(attestation.predicate_type, "https://cyclonedx.org/bom");
        // Another type is listed, not matching.
        assert!(!verify(&attested, "spdxjson")[0].verified);
    }

    #[test]
    fn a_bundle_attestation_verifies_as_a_referrer() {
        let key = SigningKey::generate_ecdsa_p256().unwrap();
        let subject = Digest::sha256(b"the image manifest");
        let request = AttestRequest {
            predicate_type: "cyclonedx",
            predicate: b"{\"bomFormat\":\"CycloneDX\"}",
            replace: false,
            time: SystemTime::UNIX_EPOCH,
        };
        let referrer = ReferrerSubject {
            media_type: media_types::OCI_MANIFEST,
            digest: &subject,
            size: 401,
        };
        let new = attest_image_bundle(&key, referrer, "example.com/app", &request).unwrap();
        let manifest = Manifest::from_bytes(new.manifest.clone(), None).unwrap();
        assert_eq!(manifest.subject(), Some(subject.as_str()));
        assert_eq!(manifest.artifact_type().as_deref(), Some(BUNDLE_V03_MEDIA_TYPE));
        let requirements = CosignRequirements {
            insecure_ignore_tlog: true,
            ..Default::default()
        };
        let authorities = [Authority::CosignKey(key.public_key().clone())];
        let report = crate::cosign::verify_attestation_bundle(
            &subject,
            Ok(&new.bundle),
            &authorities,
            &requirements,
            "https://cyclonedx.org/bom",
            "test",
        )
        .unwrap();
        assert!(report.verified, "{:?}", report.checks);
        assert_eq!(report.attestation.unwrap().predicate, b"{\"bomFormat\":\"CycloneDX\"}");
        // Not for another image, nor under another key.
        let other = Digest::sha256(b"another");
        let report = crate::cosign::verify_attestation_bundle(
            &other,
            Ok(&new.bundle),
            &authorities,
            &requirements,
            "https://cyclonedx.org/bom",
            "test",
        )
        .unwrap();
        assert!(!report.verified);
    }

    #[test]
    fn custom_and_spdx_predicates_are_wrapped_as_cosign_wraps_them() {
        let custom = attest("custom", b"any text", None, false);
        let report = &verify(&custom, "custom")[0];
        assert_eq!(
            report.attestation.as_ref().unwrap().predicate,
            br#"{"Data":"any text","Timestamp":"1970-01-01T00:00:00Z"}"#
        );
        let spdx = attest("spdx", b"SPDXVersion: SPDX-2.3\n", None, false);
        assert_eq!(
            verify(&spdx, "spdx")[0].attestation.as_ref().unwrap().predicate,
            br#""SPDXVersion: SPDX-2.3\n""#
        );
    }

    #[test]
    fn attestations_accumulate_unless_replaced_by_type() {
        let first = attest("cyclonedx", b"{\"n\":1}", None, false);
        let second = attest("cyclonedx", b"{\"n\":2}", Some(&first), false);
        let third = attest("spdxjson", b"{\"s\":1}", Some(&second), false);
        assert_eq!(verify(&third, "cyclonedx").len(), 3);
        let replaced = attest("cyclonedx", b"{\"n\":3}", Some(&third), true);
        let reports = verify(&replaced, "cyclonedx");
        assert_eq!(reports.len(), 2, "the spdx one and the new cyclonedx one");
        let verified: Vec<_> = reports.iter().filter_map(|r| r.attestation.as_ref()).collect();
        assert_eq!(verified.len(), 1);
        assert_eq!(verified[0].predicate, b"{\"n\":3}");
    }

    #[test]
    fn predicates_that_cosign_would_refuse_are_refused() {
        let key = SigningKey::generate_ecdsa_p256().unwrap();
        let subject = Digest::sha256(b"x");
        let request = |predicate_type, predicate| AttestRequest {
            predicate_type,
            predicate,
            replace: false,
            time: SystemTime::UNIX_EPOCH,
        };
        for (predicate_type, predicate, message) in [
            (
                "cyclonedx",
                &b"not json"[..],
                "invalid JSON payload for predicate type https://cyclonedx.org/bom",
            ),
            ("https://example.com/p", b"[1]", "not a JSON object"),
            ("sbom", b"{}", "invalid predicate type: sbom"),
            ("cyclonedx", b"\xff\xfe", "not UTF-8"),
        ] {
            let error = attest_image(&key, &subject, "r", &request(predicate_type, predicate), None).unwrap_err();
            assert_eq!(error.code(), ErrorCode::InvalidArgument);
            assert!(error.message().contains(message), "{}", error.message());
        }
        let huge = format!("{{\"a\":\"{}\"}}", "x".repeat(ATTESTATION_SIZE_MAX));
        let error = attest_image(&key, &subject, "r", &request("cyclonedx", huge.as_bytes()), None).unwrap_err();
        assert_eq!(error.code(), ErrorCode::LimitExceeded);
    }

    #[test]
    fn a_statement_that_is_not_in_toto_or_is_about_another_digest_is_refused() {
        // Signed by the key, but not an in-toto statement, or not about this image.
        let key = SigningKey::generate_ecdsa_p256().unwrap();
        let subject = Digest::sha256(b"the image manifest");
        let sign = |statement: &[u8], payload_type: &str| {
            let signature = key.sign(&pae(payload_type, statement)).unwrap();
            format!(
                r#"{{"payloadType":"{payload_type}","payload":"{}","signatures":[{{"keyid":"","sig":"{}"}}]}}"#,
                BASE64.encode(statement),
                BASE64.encode(signature)
            )
        };
        let other = Digest::sha256(b"another image");
        let cases = [
            (sign(br#"{"hello":"world"}"#, IN_TOTO_PAYLOAD_TYPE), "not an in-toto statement"),
            (
                sign(
                    format!(r#"{{"_type":"https://in-toto.io/Statement/v1","subject":[{{"digest":{{"sha256":"{}"}}}}],"predicateType":"https://cyclonedx.org/bom","predicate":{{}}}}"#, other.hex()).as_bytes(),
                    IN_TOTO_PAYLOAD_TYPE,
                ),
                "do not include the artifact",
            ),
            (
                sign(
                    format!(r#"{{"_type":"https://in-toto.io/Statement/v1","subject":[{{"digest":{{"sha256":"{}"}}}}],"predicateType":"https://cyclonedx.org/bom","predicate":{{}}}}"#, subject.hex()).as_bytes(),
                    "application/json",
                ),
                "DSSE payload type",
            ),
        ];
        for (envelope, reason) in cases {
            let layer = NewLayer {
                media_type: DSSE_ENVELOPE_MEDIA_TYPE,
                blob: envelope.as_bytes(),
                annotations: BTreeMap::new(),
            };
            let new = append_layer(None, layer, |_| false).unwrap();
            let mut blobs = PayloadBlobs::default();
            blobs.insert(Digest::sha256(&new.payload), new.payload);
            let attested = Attested {
                key: SigningKey::from_pkcs8_der(key.pkcs8_der()).unwrap(),
                subject: subject.clone(),
                manifest: Manifest::from_bytes(new.manifest, None).unwrap(),
                blobs,
            };
            let report = &verify(&attested, "cyclonedx")[0];
            assert!(!report.verified);
            let failed = report.checks.iter().find(|c| c.name == CheckName::Claims).unwrap();
            assert!(failed.detail.contains(reason), "{reason}: {:?}", report.checks);
        }
    }
}
