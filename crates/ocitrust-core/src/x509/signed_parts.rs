//! The three parts every signed X.509 structure starts with.

/// The raw signed part (exactly as received: the signature is over those bytes), the signature
/// algorithm OID and the signature bits of a `SEQUENCE { tbs, AlgorithmIdentifier, BIT STRING, … }`:
/// a certificate, a CRL, a basic OCSP response (whose certificates follow).
pub(crate) fn signed_parts(der_bytes: &[u8]) -> der::Result<(Vec<u8>, der::asn1::ObjectIdentifier, Vec<u8>)> {
    use der::asn1::{AnyRef, BitStringRef};
    use der::{Decode, Encode, Reader, SliceReader};
    let mut reader = SliceReader::new(der_bytes)?;
    let parts = reader.sequence(|seq| {
        let tbs = AnyRef::decode(seq)?.to_der()?;
        let algorithm = spki::AlgorithmIdentifierRef::decode(seq)?;
        let signature = BitStringRef::decode(seq)?;
        let bits = signature
            .as_bytes()
            .ok_or_else(|| {
                der::Error::from(der::ErrorKind::Length {
                    tag: der::Tag::BitString,
                })
            })?
            .to_vec();
        while !seq.is_finished() {
            let _ = AnyRef::decode(seq)?;
        }
        Ok((tbs, algorithm.oid, bits))
    })?;
    reader.finish(parts)
}
