//! The notation sample (examples/notation-sample: the sample image signed by the real notation, a
//! JWS and a COSE envelope, RSA-2048) judged in process under its trust policy and trust store,
//! as `ocitrust notation verify` judges each signature: every check, no I/O.

use std::path::Path;
use std::sync::Arc;
use std::time::SystemTime;

use ocitrust_core::notation::{NotationEnvelope, NotationRequirements, NotationSubject, NotationTrust};

/// The sample's envelopes and trust material, read once.
pub struct NotationSample {
    trust: NotationTrust,
    manifest: Vec<u8>,
    digest: String,
    reference: String,
    /// `(media type, envelope)` of each signature.
    envelopes: Vec<(String, Vec<u8>)>,
}

impl NotationSample {
    /// Reads the sample from the repository.
    pub fn new() -> Self {
        let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/notation-sample");
        let config = ocitrust::NotationConfigDir::at(sample.join("notation-config"));
        let trust = NotationTrust {
            policy: Arc::new(config.read_trust_policy().expect("the sample's policy")),
            trust_store: Arc::new(config.read_trust_store().expect("the sample's trust store")),
        };
        let layout = sample.join("layout");
        let blob = |digest: &str| std::fs::read(layout.join("blobs/sha256").join(&digest[7..])).expect("blob");
        let index: serde_json::Value = serde_json::from_slice(&std::fs::read(layout.join("index.json")).unwrap()).unwrap();
        let entries = index["manifests"].as_array().unwrap();
        let digest = entries[0]["digest"].as_str().unwrap().to_owned();
        let envelopes = entries[1..]
            .iter()
            .map(|entry| {
                let manifest: serde_json::Value = serde_json::from_slice(&blob(entry["digest"].as_str().unwrap())).unwrap();
                let layer = &manifest["layers"][0];
                (layer["mediaType"].as_str().unwrap().to_owned(), blob(layer["digest"].as_str().unwrap()))
            })
            .collect();
        NotationSample {
            trust,
            manifest: blob(&digest),
            reference: format!("local/notation-sample@{digest}"),
            digest,
            envelopes,
        }
    }

    /// Judges the envelope of `media_type` (`application/jose+json` or `application/cose`);
    /// whether it verified.
    pub fn verify(&self, media_type: &str) -> bool {
        let (media_type, bytes) = self
            .envelopes
            .iter()
            .find(|(m, _)| m == media_type)
            .expect("the sample has an envelope of that type");
        let subject = NotationSubject {
            reference: &self.reference,
            media_type: "application/vnd.oci.image.manifest.v1+json",
            digest: &self.digest,
            size: self.manifest.len() as u64,
        };
        self.trust
            .judge(
                &subject,
                NotationEnvelope { media_type, bytes },
                &NotationRequirements::default(),
                SystemTime::now(),
                "bench",
            )
            .verified
    }
}

impl Default for NotationSample {
    fn default() -> Self {
        Self::new()
    }
}
