//! The CMS `SignedData` (RFC 5652 §5) an RFC 3161 timestamp token carries, read by hand where the
//! `cms` crate is stricter than Go's parser (which notation-go and sigstore-go verify with): the
//! `certificates` SET may hold the same certificate twice and need not be in DER order —
//! `openssl ts -reply -chain` with the signer in its chain file writes it twice, and OpenSSL encodes
//! the field as a SEQUENCE, unsorted. The same holds for `digestAlgorithms`, `crls`, `signerInfos`
//! and a signer's unsigned attributes: no signature covers them, and nothing here trusts them.
//!
//! What a signature covers stays strict DER, as `der` reads it: the TSTInfo, each certificate,
//! and the signed attributes — a SET whose members may not repeat, checked for its signature in its
//! DER encoding (members sorted, as Go re-encodes them too), each attribute the checks need present
//! exactly once (RFC 5652 §11.1, §11.2).

use cms::cert::x509::spki::AlgorithmIdentifierOwned;
use cms::content_info::CmsVersion;
use cms::signed_data::{SignatureValue, SignedAttributes, SignerIdentifier, SignerInfo};
use der::asn1::{AnyRef, ContextSpecific, ObjectIdentifier, OctetString};
use der::{Decode, Encode, Reader, SliceReader, Tag, TagNumber, Tagged};

/// What verification needs of a `SignedData`.
#[derive(Debug)]
pub(crate) struct SignedData {
    /// The encapsulated content's type (`eContentType`).
    pub content_type: ObjectIdentifier,
    /// The encapsulated content (`eContent`), when present.
    pub content: Option<Vec<u8>>,
    /// The certificates embedded (DER), each once, in the order first given; other certificate
    /// choices (attribute certificates, …) are left out.
    pub certificates: Vec<Vec<u8>>,
    /// Every signer info, in the order given.
    pub signer_infos: Vec<SignerInfo>,
}

/// `field` is a SET (or, as OpenSSL writes `certificates`, any constructed encoding): its members'
/// encodings, in order, repeats and all.
fn members(field: AnyRef<'_>) -> der::Result<Vec<AnyRef<'_>>> {
    let mut reader = SliceReader::new(field.value())?;
    let mut members = Vec::new();
    while !reader.is_finished() {
        members.push(AnyRef::decode(&mut reader)?);
    }
    Ok(members)
}

fn context(number: TagNumber) -> Tag {
    Tag::ContextSpecific {
        constructed: true,
        number,
    }
}

fn expect_tag(field: &AnyRef<'_>, tag: Tag) -> der::Result<()> {
    if field.tag() == tag {
        Ok(())
    } else {
        Err(field.tag().unexpected_error(Some(tag)))
    }
}

/// Reads the DER `SignedData` SEQUENCE `bytes` (a `ContentInfo`'s content).
pub(crate) fn read_signed_data(bytes: &[u8]) -> der::Result<SignedData> {
    let mut reader = SliceReader::new(bytes)?;
    let signed = reader.sequence(|seq| {
        let _version = CmsVersion::decode(seq)?;
        expect_tag(&AnyRef::decode(seq)?, Tag::Set)?; // digestAlgorithms: the signer info names its own
        let encapsulated = cms::signed_data::EncapsulatedContentInfo::decode(seq)?;
        let content = encapsulated
            .econtent
            .as_ref()
            .map(|content| content.decode_as::<OctetString>().map(OctetString::into_bytes))
            .transpose()?;
        let mut certificates: Vec<Vec<u8>> = Vec::new();
        if seq.peek_tag()? == context(TagNumber::N0) {
            for member in members(AnyRef::decode(seq)?)? {
                if member.tag() != Tag::Sequence {
                    continue; // another CertificateChoices: nothing here reads them
                }
                let der = member.to_der()?;
                if !certificates.contains(&der) {
                    certificates.push(der);
                }
            }
        }
        if seq.peek_tag()? == context(TagNumber::N1) {
            let _crls = AnyRef::decode(seq)?; // revocation is not judged from what the token brings
        }
        let infos = AnyRef::decode(seq)?;
        expect_tag(&infos, Tag::Set)?;
        let signer_infos = members(infos)?
            .iter()
            .map(|member| read_signer_info(&member.to_der()?))
            .collect::<der::Result<Vec<_>>>()?;
        Ok(SignedData {
            content_type: encapsulated.econtent_type,
            content,
            certificates,
            signer_infos,
        })
    })?;
    reader.finish(signed)
}

/// One `SignerInfo`; its unsigned attributes (nothing is signed over them) are not read.
fn read_signer_info(bytes: &[u8]) -> der::Result<SignerInfo> {
    let mut reader = SliceReader::new(bytes)?;
    let info = reader.sequence(|seq| {
        let version = CmsVersion::decode(seq)?;
        let sid = SignerIdentifier::decode(seq)?;
        let digest_alg = AlgorithmIdentifierOwned::decode(seq)?;
        let signed_attrs =
            ContextSpecific::<SignedAttributes>::decode_implicit(seq, TagNumber::N0)?.map(|field| field.value);
        let signature_algorithm = AlgorithmIdentifierOwned::decode(seq)?;
        let signature = SignatureValue::decode(seq)?;
        if !seq.is_finished() {
            expect_tag(&AnyRef::decode(seq)?, context(TagNumber::N1))?;
        }
        Ok(SignerInfo {
            version,
            sid,
            digest_alg,
            signed_attrs,
            signature_algorithm,
            signature,
            unsigned_attrs: None,
        })
    })?;
    reader.finish(info)
}
