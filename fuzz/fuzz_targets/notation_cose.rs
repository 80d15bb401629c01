//! notation's COSE envelope reader (COSE_Sign1, x5chain, notation's protected header labels and
//! CBOR tag 1 times), from arbitrary bytes, and the judgement of whatever it accepts: never a panic.
#![no_main]
use std::sync::{Arc, OnceLock};
use std::time::SystemTime;

use libfuzzer_sys::fuzz_target;
use ocitrust_core::notation::{
    verify_cose, NotationEnvelope, NotationRequirements, NotationSubject, NotationTrust, TrustPolicyDocument,
    TrustStore,
};

fn trust() -> &'static NotationTrust {
    static TRUST: OnceLock<NotationTrust> = OnceLock::new();
    TRUST.get_or_init(|| {
        let policy = br#"{"version":"1.0","trustPolicies":[{"name":"p","registryScopes":["*"],"signatureVerification":{"level":"permissive"},"trustStores":["ca:t"],"trustedIdentities":["*"]}]}"#;
        NotationTrust {
            policy: Arc::new(TrustPolicyDocument::from_json(policy).expect("policy")),
            trust_store: Arc::new(TrustStore::new()),
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let _ = verify_cose(data);
    let subject = NotationSubject {
        reference: "r.example/app@sha256:0000000000000000000000000000000000000000000000000000000000000000",
        media_type: "application/vnd.oci.image.manifest.v1+json",
        digest: "sha256:0000000000000000000000000000000000000000000000000000000000000000",
        size: 1,
    };
    let _ = trust().judge(
        &subject,
        NotationEnvelope { media_type: "application/cose", bytes: data },
        &NotationRequirements::default(),
        SystemTime::now(),
        "fuzz",
    );
});
