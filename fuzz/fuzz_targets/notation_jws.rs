//! notation's JWS envelope reader, from arbitrary bytes (the envelope as found) and from envelopes
//! whose protected header and payload are arbitrary but really signed (with the test PKI's P-256
//! signer), so the signed-attribute rules, the payload and the judgement after the signature are
//! reached too: never a panic.
#![no_main]
use std::sync::{Arc, OnceLock};
use std::time::SystemTime;

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use libfuzzer_sys::fuzz_target;
use ocitrust_core::crypto::{SignatureAlgorithm, SigningKey};
use ocitrust_core::notation::{
    verify_jws, NotationEnvelope, NotationRequirements, NotationSubject, NotationTrust, TrustPolicyDocument,
    TrustStore, TrustStoreType,
};
use ocitrust_core::x509::{certificates_from_pem, Certificate};

struct Material {
    key: SigningKey,
    chain: Vec<Certificate>,
    trust: NotationTrust,
}

fn material() -> &'static Material {
    static MATERIAL: OnceLock<Material> = OnceLock::new();
    MATERIAL.get_or_init(|| {
        let pem = |bytes: &[u8]| certificates_from_pem(bytes).expect("fixture").remove(0);
        let root = include_bytes!("../../tests/fixtures/notation/root.pem");
        let chain = vec![
            pem(include_bytes!("../../tests/fixtures/notation/signer-p256.pem")),
            pem(include_bytes!("../../tests/fixtures/notation/intermediate.pem")),
            pem(root),
        ];
        let mut store = TrustStore::new();
        store.add_certificate_file(TrustStoreType::Ca, "t", "root.pem", root);
        let policy = br#"{"version":"1.0","trustPolicies":[{"name":"p","registryScopes":["*"],"signatureVerification":{"level":"audit"},"trustStores":["ca:t"],"trustedIdentities":["x509.subject:C=US,ST=WA,O=ocitrust tests"]}]}"#;
        Material {
            key: SigningKey::from_pem(include_bytes!("../../tests/fixtures/notation/signer-p256.key.pem")).expect("key"),
            chain,
            trust: NotationTrust {
                policy: Arc::new(TrustPolicyDocument::from_json(policy).expect("policy")),
                trust_store: Arc::new(store),
            },
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let _ = verify_jws(data);
    // The first line is the protected header, the rest the payload; both signed for real.
    let split = data.iter().position(|&b| b == b'\n').unwrap_or(data.len());
    let (header, payload) = (&data[..split], data.get(split + 1..).unwrap_or_default());
    let m = material();
    let protected = URL_SAFE_NO_PAD.encode(header);
    let payload = URL_SAFE_NO_PAD.encode(payload);
    let Ok(signature) = m.key.sign_jose(SignatureAlgorithm::EcdsaSha256, format!("{protected}.{payload}").as_bytes()) else {
        return;
    };
    let x5c: Vec<String> = m.chain.iter().map(|c| STANDARD.encode(c.der())).collect();
    let envelope = serde_json::json!({
        "protected": protected, "payload": payload,
        "signature": URL_SAFE_NO_PAD.encode(signature), "header": {"x5c": x5c},
    })
    .to_string();
    let subject = NotationSubject {
        reference: "r.example/app@sha256:0000000000000000000000000000000000000000000000000000000000000000",
        media_type: "application/vnd.oci.image.manifest.v1+json",
        digest: "sha256:0000000000000000000000000000000000000000000000000000000000000000",
        size: 1,
    };
    let _ = m.trust.judge(
        &subject,
        NotationEnvelope { media_type: "application/jose+json", bytes: envelope.as_bytes() },
        &NotationRequirements { user_metadata: [("k".to_owned(), "v".to_owned())].into(), ..Default::default() },
        SystemTime::now(),
        "fuzz",
    );
});
