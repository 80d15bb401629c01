//! One keyless Sigstore bundle verification by ocitrust, sigstore-verify 0.15.1 and sigstore-rs
//! 0.15, on the same inputs: the conformance suite's happy-path v0.2 bundle (a Fulcio certificate
//! with an SCT, a Rekor v1 hashedrekord entry with SET, inclusion proof and checkpoint) for its
//! artifact, under the production trusted root. Each parses the bundle JSON per verification; each
//! verifier (trust material parsed and indexed) is built once, before.
//!
//! What each checks differs: ocitrust and sigstore-verify check the SET, the inclusion proof and
//! checkpoint, the SCT, the chain at the integrated time, the body, the signature and the identity;
//! sigstore-rs 0.15 checks the chain, the SCT, the signature and the identity, and no SET, proof
//! or checkpoint offline.

use std::path::PathBuf;
use std::sync::Arc;

use ocitrust_core::authority::KeylessIdentity;
use ocitrust_core::blob::verify_blob_bundle;
use ocitrust_core::cosign::CosignRequirements;
use ocitrust_core::sigstore::{Artifact, CertificateIdentity, TrustedRoot};
use ocitrust_core::Authority;

const IDENTITY: &str = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
const ISSUER: &str = "https://token.actions.githubusercontent.com";

fn shared(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/data")
        .join(path)
}

/// The three verifiers, ready; each `run_*` verifies the bundle once and says whether it passed.
pub struct Keyless {
    bundle: String,
    artifact: Vec<u8>,
    ours: [Authority; 1],
    requirements: CosignRequirements,
    sigstore_verify: sigstore_verify::Verifier,
    sigstore_verify_policy: sigstore_verify::VerificationPolicy,
    sigstore_rs: sigstore::bundle::verify::blocking::Verifier,
    sigstore_rs_policy: sigstore::bundle::verify::policy::Identity,
}

impl Keyless {
    /// Reads the inputs and builds the verifiers.
    pub fn new() -> Self {
        let bundle =
            std::fs::read_to_string(shared("sigstore-conformance/happy-path-v0.2/bundle.sigstore.json")).unwrap();
        let artifact = std::fs::read(shared("sigstore-conformance/a.txt")).unwrap();
        let root_json = std::fs::read_to_string(shared("sigstore-trusted-root/production.trusted_root.json")).unwrap();
        let their_root = sigstore_verify::trust_root::TrustedRoot::from_json(&root_json).unwrap();
        Keyless {
            ours: [Authority::Keyless(KeylessIdentity::new(
                CertificateIdentity::exact(IDENTITY, ISSUER),
                Arc::new(TrustedRoot::from_json(root_json.as_bytes()).unwrap()),
            ))],
            requirements: CosignRequirements::default(),
            sigstore_verify: sigstore_verify::Verifier::new(&their_root).unwrap(),
            sigstore_verify_policy: sigstore_verify::VerificationPolicy::new(IDENTITY, ISSUER),
            sigstore_rs: sigstore_rs_verifier(&root_json),
            sigstore_rs_policy: sigstore::bundle::verify::policy::Identity::new(IDENTITY, ISSUER),
            bundle,
            artifact,
        }
    }

    /// ocitrust.
    pub fn run_ocitrust(&self) -> bool {
        verify_blob_bundle(
            self.bundle.as_bytes(),
            Artifact::Bytes(&self.artifact),
            &self.ours,
            &self.requirements,
            "bench",
        )
        .unwrap()
        .verified
    }

    /// sigstore-verify.
    pub fn run_sigstore_verify(&self) -> bool {
        let parsed = sigstore_verify::types::Bundle::from_json(&self.bundle).unwrap();
        self.sigstore_verify
            .verify(&self.artifact, &parsed, &self.sigstore_verify_policy)
            .is_ok()
    }

    /// sigstore-rs.
    pub fn run_sigstore_rs(&self) -> bool {
        let parsed: sigstore::bundle::Bundle = serde_json::from_str(&self.bundle).unwrap();
        self.sigstore_rs
            .verify(
                std::io::Cursor::new(&self.artifact),
                parsed,
                &self.sigstore_rs_policy,
                true,
            )
            .map_err(|e| eprintln!("sigstore-rs: {e:?}"))
            .is_ok()
    }
}

impl Default for Keyless {
    fn default() -> Self {
        Self::new()
    }
}

/// sigstore-rs's blocking bundle verifier over the production root's Fulcio certificates and keys.
fn sigstore_rs_verifier(root_json: &str) -> sigstore::bundle::verify::blocking::Verifier {
    use base64::Engine;
    let root: serde_json::Value = serde_json::from_str(root_json).unwrap();
    let b64 = |v: &serde_json::Value| {
        base64::engine::general_purpose::STANDARD
            .decode(v.as_str().unwrap())
            .unwrap()
    };
    let mut trust = sigstore::trust::ManualTrustRoot::default();
    for ca in root["certificateAuthorities"].as_array().unwrap() {
        for cert in ca["certChain"]["certificates"].as_array().unwrap() {
            trust.fulcio_certs.push(b64(&cert["rawBytes"]).into());
        }
    }
    for (i, log) in root["ctlogs"].as_array().unwrap().iter().enumerate() {
        trust
            .ctfe_keys
            .insert(format!("ct{i}"), b64(&log["publicKey"]["rawBytes"]));
    }
    for (i, log) in root["tlogs"].as_array().unwrap().iter().enumerate() {
        trust
            .rekor_keys
            .insert(format!("rekor{i}"), b64(&log["publicKey"]["rawBytes"]));
    }
    sigstore::bundle::verify::blocking::Verifier::new(Default::default(), trust).unwrap()
}
