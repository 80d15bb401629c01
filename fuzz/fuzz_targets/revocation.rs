//! OCSP responses and CRLs from arbitrary bytes, as a revocation source might hand them over for a
//! certificate that names both (the test PKI's with-ocsp leaf): read, verified against the issuer,
//! judged; never a panic.
#![no_main]
use std::sync::OnceLock;
use std::time::SystemTime;

use libfuzzer_sys::fuzz_target;
use ocitrust_core::x509::revocation::{chain_revocation, revocation_outcome, RevocationSource};
use ocitrust_core::x509::{certificates_from_pem, Certificate};
use ocitrust_core::Result;

struct Bytes<'a>(&'a [u8]);

impl RevocationSource for Bytes<'_> {
    fn ocsp(&self, _: &str, _: &[u8]) -> Result<Vec<u8>> {
        Ok(self.0.to_vec())
    }
    fn crl(&self, _: &str, _: &Certificate) -> Result<Vec<u8>> {
        Ok(self.0.to_vec())
    }
}

fn chain() -> &'static [Certificate] {
    static CHAIN: OnceLock<Vec<Certificate>> = OnceLock::new();
    CHAIN.get_or_init(|| {
        let pem = |bytes: &[u8]| certificates_from_pem(bytes).expect("fixture").remove(0);
        vec![
            pem(include_bytes!("../../tests/fixtures/notation/with-ocsp.pem")),
            pem(include_bytes!("../../tests/fixtures/notation/intermediate.pem")),
            pem(include_bytes!("../../tests/fixtures/notation/root.pem")),
        ]
    })
}

fuzz_target!(|data: &[u8]| {
    let statuses = chain_revocation(chain(), &Bytes(data), SystemTime::now(), Some(SystemTime::UNIX_EPOCH));
    let _ = revocation_outcome(chain(), &statuses, "signing");
});
