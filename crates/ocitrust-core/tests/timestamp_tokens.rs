//! RFC 3161 tokens made by OpenSSL (`openssl ts -reply`, tests/fixtures/timestamps/regenerate.sh),
//! through both verifications that read them: notation's (under `tsa` trust store roots) and
//! Sigstore's (under a trusted root's timestamp authorities). What no signature covers may vary as
//! Go's parser lets it (a certificate given twice, certificates out of DER order, repeated unsigned
//! attributes); what a signature covers stays strict DER, and each case says why.

use std::path::PathBuf;

use ocitrust_core::sigstore::{verify_timestamp, verify_timestamp_under_roots, TrustedRoot};
use ocitrust_core::x509::{certificates_from_pem, Certificate};

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn token(name: &str) -> Vec<u8> {
    fixture(&format!("timestamps/{name}.der"))
}

fn stamped() -> Vec<u8> {
    fixture("timestamps/signature.bin")
}

fn certificates(name: &str) -> Vec<Certificate> {
    certificates_from_pem(&fixture(&format!("notation/{name}.pem"))).unwrap()
}

fn tsa_roots() -> Vec<Certificate> {
    certificates("tsa-root")
}

/// A Sigstore trusted root whose one timestamp authority is the test TSA (its chain: signer, root).
fn sigstore_root() -> TrustedRoot {
    use base64::Engine;
    let der = |c: &Certificate| base64::engine::general_purpose::STANDARD.encode(c.der());
    let chain: Vec<_> = certificates("tsa")
        .iter()
        .chain(&tsa_roots())
        .map(|c| serde_json::json!({ "rawBytes": der(c) }))
        .collect();
    let root = serde_json::json!({
        "mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
        "timestampAuthorities": [{
            "uri": "http://127.0.0.1/openssl-ts",
            "certChain": { "certificates": chain },
            "validFor": { "start": "2020-01-01T00:00:00Z" },
        }],
    });
    TrustedRoot::from_json(root.to_string().as_bytes()).unwrap()
}

fn refusal(name: &str) -> String {
    let notation = verify_timestamp_under_roots(&token(name), &stamped(), &tsa_roots())
        .unwrap_err()
        .message()
        .to_owned();
    let sigstore = verify_timestamp(&token(name), &stamped(), &sigstore_root())
        .unwrap_err()
        .message()
        .to_owned();
    assert_eq!(
        notation, sigstore,
        "{name}: both readings refuse it for the same reason"
    );
    notation
}

#[test]
fn an_openssl_token_with_its_signer_in_the_chain_verifies_both_ways() {
    // The signer's certificate is in the token twice, and the certificates are not in DER order.
    let stamp = verify_timestamp_under_roots(&token("openssl-signer-in-chain"), &stamped(), &tsa_roots()).unwrap();
    let subjects: Vec<String> = stamp.chain.iter().map(Certificate::subject_text).collect();
    assert_eq!(
        subjects,
        [
            "CN=tsa,O=ocitrust tests,ST=WA,C=US",
            "CN=ocitrust test TSA root,O=ocitrust tests,ST=WA,C=US"
        ]
    );
    let time = verify_timestamp(&token("openssl-signer-in-chain"), &stamped(), &sigstore_root()).unwrap();
    assert_eq!(time, stamp.time);
}

#[test]
fn what_no_signature_covers_may_vary_as_go_lets_it() {
    // Unsigned attributes, even one repeated: nothing is signed over them and nothing reads them.
    verify_timestamp_under_roots(&token("repeated-unsigned-attribute"), &stamped(), &tsa_roots()).unwrap();
    verify_timestamp(&token("repeated-unsigned-attribute"), &stamped(), &sigstore_root()).unwrap();
    // No certificates at all: the trusted root names the signer for the Sigstore reading; notation
    // finds the signer among its tsa roots only when it is one, so here it cannot.
    verify_timestamp(&token("no-certificates"), &stamped(), &sigstore_root()).unwrap();
    let refused = verify_timestamp_under_roots(&token("no-certificates"), &stamped(), &tsa_roots()).unwrap_err();
    assert!(
        refused.message().contains("embeds no certificate of its signer"),
        "{}",
        refused.message()
    );
}

#[test]
fn what_a_signature_covers_stays_strict() {
    // A second message-digest attribute leaves what was signed ambiguous (RFC 5652 11.2); Go reads
    // the first. Refused.
    assert!(refusal("duplicate-message-digest").contains("appears more than once"));
    // The same signed attribute twice, byte for byte: a SET whose members repeat has no DER
    // encoding to check a signature over. Refused, as the `der` crate reads it.
    assert!(refusal("repeated-signed-attribute").contains("SET OF contains duplicate"));
}

#[test]
fn a_valid_token_is_still_refused_for_anything_else_it_is_wrong_about() {
    // Over other bytes.
    let other =
        verify_timestamp_under_roots(&token("openssl-signer-in-chain"), b"other bytes", &tsa_roots()).unwrap_err();
    assert!(
        other.message().contains("message imprint is not the hash"),
        "{}",
        other.message()
    );
    // Under roots that are not the TSA's.
    let elsewhere =
        verify_timestamp_under_roots(&token("openssl-signer-in-chain"), &stamped(), &certificates("root")).unwrap_err();
    assert!(
        elsewhere
            .message()
            .contains("does not chain to a trusted timestamp authority root"),
        "{}",
        elsewhere.message()
    );
    // A signature byte changed.
    let mut forged = token("openssl-signer-in-chain");
    let last = forged.len() - 1;
    forged[last] ^= 1;
    let refused = verify_timestamp_under_roots(&forged, &stamped(), &tsa_roots()).unwrap_err();
    assert!(refused.message().contains("does not verify"), "{}", refused.message());
    assert!(verify_timestamp(&forged, &stamped(), &sigstore_root()).is_err());
    // Cut short, or with bytes after it.
    let whole = token("openssl-signer-in-chain");
    assert!(verify_timestamp_under_roots(&whole[..whole.len() - 10], &stamped(), &tsa_roots()).is_err());
    let mut trailing = whole.clone();
    trailing.push(0);
    assert!(verify_timestamp_under_roots(&trailing, &stamped(), &tsa_roots()).is_err());
}
