//! How strictly the SET OFs in a certificate's names are read (certificates of
//! tests/fixtures/names, made by OpenSSL). A relative distinguished name is a SET OF attributes:
//! one whose members are in another order is read (and compared in DER order), one holding the
//! same member twice is refused, where Go's crypto/x509 reads it. That one stays strict: names
//! are compared with trust stores and matched against notation's trusted identities, and a SET
//! with a repeated member has no DER encoding to compare. No CA issues one.
//!
//! The other SET OFs read: a timestamp token's (tests/timestamp_tokens.rs). A CRL's entries and
//! an OCSP response's answers are SEQUENCE OFs: a serial listed twice is read twice.

use std::path::PathBuf;

use ocitrust_core::x509::certificates_from_pem;

fn pem(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/names")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn a_multi_valued_name_is_read_with_every_member() {
    let certificates = certificates_from_pem(&pem("multivalued-rdn.pem")).unwrap();
    let subject = certificates[0].subject_text();
    assert!(subject.contains("OU=a") && subject.contains("OU=b"), "{subject}");
    assert!(subject.starts_with("CN=two members"), "{subject}");
}

#[test]
fn a_name_holding_the_same_member_twice_in_one_set_is_refused() {
    let refused = certificates_from_pem(&pem("repeated-rdn-member.pem")).unwrap_err();
    assert!(
        refused.message().contains("SET OF contains duplicate"),
        "{}",
        refused.message()
    );
}
