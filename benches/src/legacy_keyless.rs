//! One legacy keyless cosign `.sig` layer verification — the classic keyless signature: a Fulcio
//! certificate with an SCT and a Rekor bundle (SET over a hashedrekord entry) — by ocitrust and by
//! sigstore-verify 0.15.1, on the same signature: the keyless sample's `layout-rekor` (made by the
//! real cosign v2 against the loopback Sigstore), under its trusted root.
//!
//! ocitrust verifies the signature manifest as it stands in the layout: the manifest parsed, the
//! payload's digest checked, the layer read as a bundle, then the SET, the entry's body bound to
//! the signature, the chain at the integrated time, the SCT, the identity, the signature and the
//! payload's image claim. sigstore-verify has no reader for cosign layers: it is given the same
//! evidence as the v0.1 bundle it amounts to (certificate, SET-only entry, message signature over
//! the payload), built once before, and parses that bundle's JSON per verification.
//!
//! sigstore-rs 0.15 is not measured here: its layer checks (chain, SET) run in crate-private
//! constructors reached only through its registry client, and its public `CertificateVerifier`
//! requires the certificate to be valid now, which refuses every 10-minute Fulcio certificate once
//! it has expired (this one included).

use std::path::PathBuf;
use std::sync::Arc;

use base64::Engine;
use ocitrust_core::authority::KeylessIdentity;
use ocitrust_core::cosign::{verify_signature_manifest, CosignRequirements, PayloadBlobs};
use ocitrust_core::oci::Manifest;
use ocitrust_core::sigstore::{CertificateIdentity, TrustedRoot};
use ocitrust_core::{Authority, Digest};

const IDENTITY: &str = "ci@example.com";

fn sample(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../examples/keyless-sample")
        .join(path)
}

fn blob(layout: &std::path::Path, digest: &str) -> Vec<u8> {
    let hex = digest.strip_prefix("sha256:").unwrap();
    std::fs::read(layout.join("blobs/sha256").join(hex)).unwrap()
}

/// Both verifiers, ready; each `run_*` verifies the layer once and says whether it passed.
pub struct LegacyKeyless {
    subject: Digest,
    manifest: Vec<u8>,
    blobs: PayloadBlobs,
    ours: [Authority; 1],
    requirements: CosignRequirements,
    payload: Vec<u8>,
    bundle_v01: String,
    sigstore_verify: sigstore_verify::Verifier,
    sigstore_verify_policy: sigstore_verify::VerificationPolicy,
}

impl LegacyKeyless {
    /// Reads the sample and builds the verifiers.
    pub fn new() -> Self {
        let layout = sample("layout-rekor");
        let index: serde_json::Value =
            serde_json::from_slice(&std::fs::read(layout.join("index.json")).unwrap()).unwrap();
        let entry = |kind: &str| {
            index["manifests"]
                .as_array()
                .unwrap()
                .iter()
                .find(|m| m["annotations"]["kind"] == kind)
                .unwrap()["digest"]
                .as_str()
                .unwrap()
                .to_owned()
        };
        let subject: Digest = entry("dev.cosignproject.cosign/image").parse().unwrap();
        let manifest = blob(&layout, &entry("dev.cosignproject.cosign/sigs"));
        let parsed: serde_json::Value = serde_json::from_slice(&manifest).unwrap();
        let layer = &parsed["layers"][0];
        let payload_digest: Digest = layer["digest"].as_str().unwrap().parse().unwrap();
        let payload = blob(&layout, payload_digest.as_str());
        let mut blobs = PayloadBlobs::default();
        blobs.insert(payload_digest, payload.clone());

        let root_json = std::fs::read_to_string(sample("trusted_root.json")).unwrap();
        let issuer = std::fs::read_to_string(sample("issuer")).unwrap().trim().to_owned();
        let their_root = sigstore_verify::trust_root::TrustedRoot::from_json(&root_json).unwrap();
        LegacyKeyless {
            subject,
            manifest,
            blobs,
            ours: [Authority::Keyless(KeylessIdentity::new(
                CertificateIdentity::exact(IDENTITY, issuer.clone()),
                Arc::new(TrustedRoot::from_json(root_json.as_bytes()).unwrap()),
            ))],
            requirements: CosignRequirements::default(),
            bundle_v01: as_v01_bundle(&layer["annotations"], &payload),
            payload,
            sigstore_verify: sigstore_verify::Verifier::new(&their_root).unwrap(),
            sigstore_verify_policy: sigstore_verify::VerificationPolicy::new(IDENTITY, &issuer),
        }
    }

    /// ocitrust, from the signature manifest's bytes.
    pub fn run_ocitrust(&self) -> bool {
        let manifest = Manifest::from_bytes(self.manifest.clone(), None).unwrap();
        let reports = verify_signature_manifest(
            &self.subject,
            &manifest,
            &self.blobs,
            &self.ours,
            &self.requirements,
            "bench",
        )
        .unwrap();
        reports[0].verified
    }

    /// sigstore-verify, from the equivalent v0.1 bundle's JSON.
    pub fn run_sigstore_verify(&self) -> bool {
        let parsed = sigstore_verify::types::Bundle::from_json(&self.bundle_v01).unwrap();
        self.sigstore_verify
            .verify(&self.payload, &parsed, &self.sigstore_verify_policy)
            .map_err(|e| eprintln!("sigstore-verify: {e:?}"))
            .is_ok()
    }
}

impl Default for LegacyKeyless {
    fn default() -> Self {
        Self::new()
    }
}

/// The layer's evidence as the v0.1 bundle it amounts to.
fn as_v01_bundle(annotations: &serde_json::Value, payload: &[u8]) -> String {
    let b64 = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
    let certificate = ocitrust_core::x509::certificates_from_pem(
        annotations["dev.sigstore.cosign/certificate"]
            .as_str()
            .unwrap()
            .as_bytes(),
    )
    .unwrap()
    .remove(0);
    let rekor: serde_json::Value =
        serde_json::from_str(annotations["dev.sigstore.cosign/bundle"].as_str().unwrap()).unwrap();
    let log_id = ocitrust_core::hex::decode(rekor["Payload"]["logID"].as_str().unwrap()).unwrap();
    let digest = ocitrust_core::crypto::sha256(payload);
    serde_json::json!({
        "mediaType": "application/vnd.dev.sigstore.bundle+json;version=0.1",
        "verificationMaterial": {
            "x509CertificateChain": {"certificates": [{"rawBytes": b64(certificate.der())}]},
            "tlogEntries": [{
                "logIndex": rekor["Payload"]["logIndex"].to_string(),
                "logId": {"keyId": b64(&log_id)},
                "kindVersion": {"kind": "hashedrekord", "version": "0.0.1"},
                "integratedTime": rekor["Payload"]["integratedTime"].to_string(),
                "inclusionPromise": {"signedEntryTimestamp": rekor["SignedEntryTimestamp"]},
                "canonicalizedBody": rekor["Payload"]["body"],
            }],
        },
        "messageSignature": {
            "messageDigest": {"algorithm": "SHA2_256", "digest": b64(&digest)},
            "signature": annotations["dev.cosignproject.cosign/signature"],
        },
    })
    .to_string()
}
