//! RFC 3161 timestamps, as Sigstore bundles carry them (a `TimeStampResp`, or the bare token): a
//! CMS SignedData ([`super::signed_data`]) over a TSTInfo whose message imprint is the hash
//! of the signature being timestamped. Verified against the trusted root's timestamp authorities:
//! the signer is the authority's certificate (or one its CA issued), valid with its chain at the
//! stamped time, allowed to stamp, within the authority's validity; the signed attributes bind the
//! TSTInfo; the signature verifies. Certificates the token embeds never add trust.

use std::time::{Duration, SystemTime};

use cms::content_info::ContentInfo;
use cms::signed_data::{SignerIdentifier, SignerInfo};
use der::asn1::{ObjectIdentifier, OctetString};
use der::{Decode, Encode};
use x509_tsp::TimeStampResp;

use super::signed_data::read_signed_data;
use super::trusted_root::{CertificateAuthority, TrustedRoot};
use crate::crypto::{hash_parts, SignatureAlgorithm};
use crate::digest::Algorithm;
use crate::error::{Error, ErrorCode, Result};
use crate::x509::{Certificate, EKU_TIME_STAMPING};

/// Largest timestamp read.
pub const TIMESTAMP_SIZE_MAX: usize = 64 * 1024;
const ID_SIGNED_DATA: &str = "1.2.840.113549.1.7.2";
const ID_CT_TST_INFO: &str = "1.2.840.113549.1.9.16.1.4";
const ID_CONTENT_TYPE: &str = "1.2.840.113549.1.9.3";
const ID_MESSAGE_DIGEST: &str = "1.2.840.113549.1.9.4";
const RSA_ENCRYPTION: &str = "1.2.840.113549.1.1.1";
const SUBJECT_KEY_IDENTIFIER: &str = "2.5.29.14";

fn failed(message: String) -> Error {
    Error::new(
        ErrorCode::NoMatchingSignatures,
        format!("RFC 3161 timestamp: {message}"),
    )
}

fn malformed(what: &str) -> impl Fn(der::Error) -> Error + '_ {
    move |e| failed(format!("malformed {what}: {e}"))
}

fn hash_algorithm(oid: &ObjectIdentifier) -> Result<Algorithm> {
    match oid.to_string().as_str() {
        "2.16.840.1.101.3.4.2.1" => Ok(Algorithm::Sha256),
        "2.16.840.1.101.3.4.2.2" => Ok(Algorithm::Sha384),
        "2.16.840.1.101.3.4.2.3" => Ok(Algorithm::Sha512),
        other => Err(failed(format!("unsupported hash algorithm {other}"))),
    }
}

/// The token's ContentInfo, whether `bytes` is a `TimeStampResp` or the token itself.
fn token(bytes: &[u8]) -> Result<ContentInfo> {
    if let Ok(response) = TimeStampResp::from_der(bytes) {
        if response.status.status as u32 > 1 {
            return Err(failed(format!(
                "the response's status is {:?}, not granted",
                response.status.status
            )));
        }
        return response
            .time_stamp_token
            .ok_or_else(|| failed("the response holds no token".into()));
    }
    ContentInfo::from_der(bytes).map_err(malformed("token"))
}

/// A token whose message imprint is the hash of the signature it stamps, not yet trusted: the
/// stamped time and its accuracy, the signer info, the signed attributes' DER (what its signature
/// covers), and the certificates it embeds.
struct StampedToken {
    time: SystemTime,
    accuracy: Duration,
    signer_info: SignerInfo,
    signed_attributes: Vec<u8>,
    embedded: Vec<Certificate>,
}

/// Reads `bytes` (a `TimeStampResp` or the token) as a timestamp over `signature`.
fn read_stamped_token(bytes: &[u8], signature: &[u8]) -> Result<StampedToken> {
    if bytes.len() > TIMESTAMP_SIZE_MAX {
        return Err(Error::new(
            ErrorCode::LimitExceeded,
            format!("timestamp is {} bytes, limit is {TIMESTAMP_SIZE_MAX}", bytes.len()),
        ));
    }
    let token = token(bytes)?;
    if token.content_type.to_string() != ID_SIGNED_DATA {
        return Err(failed("the token is not CMS SignedData".into()));
    }
    let content = token.content.to_der().map_err(malformed("SignedData"))?;
    let signed = read_signed_data(&content).map_err(malformed("SignedData"))?;
    if signed.content_type.to_string() != ID_CT_TST_INFO {
        return Err(failed("the token does not hold a TSTInfo".into()));
    }
    let tst_der = signed
        .content
        .ok_or_else(|| failed("the token's TSTInfo is missing".into()))?;
    let tst = read_tst_info(&tst_der)?;
    if tst.imprint != hash_parts(tst.imprint_algorithm, &[signature]) {
        return Err(failed("its message imprint is not the hash of this signature".into()));
    }
    let signer_info = match signed.signer_infos.as_slice() {
        [only] => only.clone(),
        other => return Err(failed(format!("{} signer infos, expected one", other.len()))),
    };
    let signed_attributes = check_signed_attributes(&signer_info, &tst_der)?;
    let embedded: Vec<Certificate> = signed
        .certificates
        .iter()
        .filter_map(|der| Certificate::from_der(der).ok())
        .collect();
    Ok(StampedToken {
        time: tst.gen_time,
        accuracy: tst.accuracy,
        signer_info,
        signed_attributes,
        embedded,
    })
}

/// Verifies `bytes` as a timestamp over `signature` under `root`'s timestamp authorities; returns
/// the stamped time.
pub fn verify_timestamp(bytes: &[u8], signature: &[u8], root: &TrustedRoot) -> Result<SystemTime> {
    let token = read_stamped_token(bytes, signature)?;
    let time = token.time;
    let mut last = failed("the trusted root lists no timestamp authority".into());
    for authority in &root.timestamp_authorities {
        match verify_with_authority(
            authority,
            &token.signer_info,
            &token.signed_attributes,
            &token.embedded,
            time,
        ) {
            Ok(()) => return Ok(time),
            Err(e) => last = e,
        }
    }
    Err(last)
}

/// A timestamp verified under trusted root certificates: the stamped time, its accuracy, and the
/// chain from the signing certificate to the trusted root.
#[derive(Debug, Clone)]
pub struct RootedTimestamp {
    /// The stamped time.
    pub time: SystemTime,
    /// How far the actual time may be from `time`, either way.
    pub accuracy: Duration,
    /// The signing certificate first, the trusted root last.
    pub chain: Vec<Certificate>,
}

impl RootedTimestamp {
    /// Whether the stamped time is certainly after `instant` (its earliest bound is).
    pub fn bounded_after(&self, instant: SystemTime) -> bool {
        self.time
            .checked_sub(self.accuracy)
            .is_some_and(|earliest| earliest > instant)
    }

    /// Whether the stamped time is certainly before `instant` (its latest bound is).
    pub fn bounded_before(&self, instant: SystemTime) -> bool {
        self.time
            .checked_add(self.accuracy)
            .is_some_and(|latest| latest < instant)
    }
}

/// Most certificates between a timestamp's signer and its root.
const TIMESTAMP_CHAIN_MAX: usize = 8;

/// Verifies `bytes` as a timestamp over `signature` made by a certificate that chains, through
/// the certificates the token embeds, to one of `roots` (notation's `tsa` trust store), every
/// certificate valid at the stamped time.
pub fn verify_timestamp_under_roots(bytes: &[u8], signature: &[u8], roots: &[Certificate]) -> Result<RootedTimestamp> {
    let token = read_stamped_token(bytes, signature)?;
    let signer = token
        .embedded
        .iter()
        .chain(roots)
        .find(|c| identifies(&token.signer_info.sid, c))
        .ok_or_else(|| failed("the token embeds no certificate of its signer".into()))?
        .clone();
    signer
        .public_key()
        .verify_with(
            signature_algorithm(&token.signer_info)?,
            &token.signed_attributes,
            token.signer_info.signature.as_bytes(),
        )
        .map_err(|_| failed("its signature does not verify".into()))?;
    let mut chain = vec![signer];
    loop {
        let last = chain.last().ok_or_else(|| failed("empty chain".into()))?;
        if roots.iter().any(|r| r.der() == last.der()) {
            break;
        }
        if chain.len() > TIMESTAMP_CHAIN_MAX {
            return Err(failed("the signer's chain is too long".into()));
        }
        let issuer = roots
            .iter()
            .chain(&token.embedded)
            .find(|candidate| candidate.der() != last.der() && last.verify_issued_by(candidate).is_ok())
            .ok_or_else(|| {
                failed(format!(
                    "certificate {:?} does not chain to a trusted timestamp authority root",
                    last.subject_text()
                ))
            })?
            .clone();
        chain.push(issuer);
    }
    if let Some(invalid) = chain.iter().find(|c| !c.is_valid_at(token.time)) {
        return Err(failed(format!(
            "certificate {:?} is not valid at the stamped time {}",
            invalid.subject_text(),
            super::format_time(token.time)
        )));
    }
    Ok(RootedTimestamp {
        time: token.time,
        accuracy: token.accuracy,
        chain,
    })
}

/// A DER `TimeStampReq` for the hash (`algorithm`) of `signature`, with a random nonce and asking
/// for the authority's certificates (RFC 3161 2.4.1).
pub fn timestamp_request(algorithm: Algorithm, signature: &[u8]) -> Result<Vec<u8>> {
    let internal = |e: der::Error| Error::new(ErrorCode::Internal, format!("encoding the timestamp request: {e}"));
    let oid = match algorithm {
        Algorithm::Sha256 => "2.16.840.1.101.3.4.2.1",
        Algorithm::Sha384 => "2.16.840.1.101.3.4.2.2",
        Algorithm::Sha512 => "2.16.840.1.101.3.4.2.3",
    };
    let mut nonce = [0u8; 8];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut nonce)
        .map_err(|_| Error::new(ErrorCode::Internal, "no randomness for the timestamp nonce"))?;
    nonce[0] = (nonce[0] & 0x7f) | 0x01;
    let request = x509_tsp::TimeStampReq {
        version: x509_tsp::TspVersion::V1,
        message_imprint: x509_tsp::MessageImprint {
            hash_algorithm: spki::AlgorithmIdentifier {
                oid: ObjectIdentifier::new(oid).map_err(|e| Error::new(ErrorCode::Internal, e.to_string()))?,
                parameters: Some(der::Any::null()),
            },
            hashed_message: OctetString::new(hash_parts(algorithm, &[signature])).map_err(internal)?,
        },
        req_policy: None,
        nonce: Some(der::asn1::Int::new(&nonce).map_err(internal)?),
        cert_req: true,
        extensions: None,
    };
    request.to_der().map_err(internal)
}

/// The token (a CMS `ContentInfo`, DER) of a timestamp authority's `TimeStampResp`, refused
/// unless the authority granted the request.
pub fn timestamp_token(response: &[u8]) -> Result<Vec<u8>> {
    if response.len() > TIMESTAMP_SIZE_MAX {
        return Err(Error::new(
            ErrorCode::LimitExceeded,
            format!(
                "timestamp response is {} bytes, limit is {TIMESTAMP_SIZE_MAX}",
                response.len()
            ),
        ));
    }
    token(response)?.to_der().map_err(malformed("token"))
}

/// What verification needs of a TSTInfo.
struct TstFields {
    imprint_algorithm: Algorithm,
    imprint: Vec<u8>,
    gen_time: SystemTime,
    accuracy: Duration,
}

/// Reads a TSTInfo (RFC 3161 2.4.2) by hand: `x509-tsp` (through `der`) refuses a genTime with
/// fractional seconds, which timestamp authorities commonly give.
fn read_tst_info(der_bytes: &[u8]) -> Result<TstFields> {
    use der::asn1::{AnyRef, IntRef};
    use der::{Reader, SliceReader, Tag, Tagged};
    let bad = malformed("TSTInfo");
    let mut reader = SliceReader::new(der_bytes).map_err(&bad)?;
    let fields = reader
        .sequence(|seq| {
            let version = u8::decode(seq)?;
            if version != 1 {
                return Err(der::Tag::Integer.value_error());
            }
            let _policy = ObjectIdentifier::decode(seq)?;
            let imprint = x509_tsp::MessageImprint::decode(seq)?;
            let _serial = IntRef::decode(seq)?; // Go and sigstore's test TSAs give negative serials
            let gen_time = AnyRef::decode(seq)?;
            if gen_time.tag() != Tag::GeneralizedTime {
                return Err(gen_time.tag().value_error());
            }
            let mut accuracy = Duration::ZERO;
            // A token may end with genTime (no accuracy, nonce, …: `openssl ts -no_nonce`).
            if !seq.is_finished() && seq.peek_tag()? == Tag::Sequence {
                let value = AnyRef::decode(seq)?;
                accuracy = read_accuracy(value.value())?;
            }
            // ordering, nonce, tsa and extensions follow; nothing here depends on them.
            while !seq.is_finished() {
                let _ = AnyRef::decode(seq)?;
            }
            Ok((imprint, gen_time.value().to_vec(), accuracy))
        })
        .map_err(&bad)?;
    reader.finish(()).map_err(&bad)?;
    let (imprint, time_text, accuracy) = fields;
    Ok(TstFields {
        imprint_algorithm: hash_algorithm(&imprint.hash_algorithm.oid)?,
        imprint: imprint.hashed_message.as_bytes().to_vec(),
        gen_time: generalized_time(&time_text)?,
        accuracy,
    })
}

/// `Accuracy ::= SEQUENCE { seconds INTEGER OPTIONAL, millis [0] INTEGER OPTIONAL, micros [1]
/// INTEGER OPTIONAL }` (the SEQUENCE's contents).
fn read_accuracy(contents: &[u8]) -> der::Result<Duration> {
    use der::asn1::AnyRef;
    use der::{Reader, SliceReader, Tag, Tagged};
    let mut reader = SliceReader::new(contents)?;
    let mut total = Duration::ZERO;
    while !reader.is_finished() {
        let item = AnyRef::decode(&mut reader)?;
        let number = item
            .value()
            .iter()
            .try_fold(0u64, |n, b| n.checked_mul(256).map(|n| n + u64::from(*b)))
            .ok_or_else(|| Tag::Integer.value_error())?;
        total += match item.tag() {
            Tag::Integer => Duration::from_secs(number),
            Tag::ContextSpecific { number: n, .. } if n.value() == 0 => Duration::from_millis(number),
            Tag::ContextSpecific { number: n, .. } if n.value() == 1 => Duration::from_micros(number),
            other => return Err(other.value_error()),
        };
    }
    Ok(total)
}

/// `YYYYMMDDHHMMSS[.fff…]Z`, as RFC 3161 (DER) writes genTime.
fn generalized_time(text: &[u8]) -> Result<SystemTime> {
    let text = std::str::from_utf8(text).map_err(|_| failed("genTime is not text".into()))?;
    let invalid = || failed(format!("genTime {text:?} is not YYYYMMDDHHMMSS[.f]Z"));
    let body = text.strip_suffix('Z').ok_or_else(invalid)?;
    let (whole, fraction) = match body.split_once('.') {
        Some((whole, fraction)) if !fraction.is_empty() && fraction.len() <= 9 && !fraction.ends_with('0') => {
            (whole, fraction)
        }
        Some(_) => return Err(invalid()),
        None => (body, ""),
    };
    if whole.len() != 14 || !whole.bytes().all(|b| b.is_ascii_digit()) || !fraction.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(invalid());
    }
    let rfc3339 = format!(
        "{}-{}-{}T{}:{}:{}{}{}Z",
        &whole[0..4],
        &whole[4..6],
        &whole[6..8],
        &whole[8..10],
        &whole[10..12],
        &whole[12..14],
        if fraction.is_empty() { "" } else { "." },
        fraction
    );
    super::parse_rfc3339(&rfc3339).map_err(|_| invalid())
}

/// Checks the content-type and message-digest attributes; returns the DER the signature covers.
fn check_signed_attributes(signer_info: &SignerInfo, tst_der: &[u8]) -> Result<Vec<u8>> {
    let attributes = signer_info
        .signed_attrs
        .as_ref()
        .ok_or_else(|| failed("the signer info has no signed attributes".into()))?;
    // Each attribute read here is there once, with one value (RFC 5652 11.1, 11.2): a second one
    // would leave what was signed ambiguous (Go reads the first).
    let single = |oid: &str| -> Result<&der::Any> {
        let mut named = attributes.iter().filter(|a| a.oid.to_string() == oid);
        let attribute = named
            .next()
            .ok_or_else(|| failed(format!("signed attribute {oid} is missing")))?;
        if named.next().is_some() {
            return Err(failed(format!("signed attribute {oid} appears more than once")));
        }
        match attribute.values.as_slice() {
            [only] => Ok(only),
            _ => Err(failed(format!("signed attribute {oid} has other than one value"))),
        }
    };
    let content_type: ObjectIdentifier = single(ID_CONTENT_TYPE)?
        .decode_as()
        .map_err(malformed("content type"))?;
    if content_type.to_string() != ID_CT_TST_INFO {
        return Err(failed("the signed content type is not TSTInfo".into()));
    }
    let digest: OctetString = single(ID_MESSAGE_DIGEST)?
        .decode_as()
        .map_err(malformed("message digest"))?;
    let algorithm = hash_algorithm(&signer_info.digest_alg.oid)?;
    if digest.as_bytes() != hash_parts(algorithm, &[tst_der]) {
        return Err(failed("the signed message digest is not the TSTInfo's".into()));
    }
    attributes.to_der().map_err(malformed("signed attributes"))
}

fn signature_algorithm(signer_info: &SignerInfo) -> Result<SignatureAlgorithm> {
    let oid = &signer_info.signature_algorithm.oid;
    if oid.to_string() == RSA_ENCRYPTION {
        return match hash_algorithm(&signer_info.digest_alg.oid)? {
            Algorithm::Sha256 => Ok(SignatureAlgorithm::RsaPkcs1Sha256),
            Algorithm::Sha384 => Ok(SignatureAlgorithm::RsaPkcs1Sha384),
            Algorithm::Sha512 => Ok(SignatureAlgorithm::RsaPkcs1Sha512),
        };
    }
    SignatureAlgorithm::from_x509_oid(oid).ok_or_else(|| failed(format!("unsupported signature algorithm {oid}")))
}

/// Whether `certificate` is the one `sid` names.
fn identifies(sid: &SignerIdentifier, certificate: &Certificate) -> bool {
    match sid {
        SignerIdentifier::IssuerAndSerialNumber(id) => {
            let tbs = &certificate.decoded().tbs_certificate;
            id.issuer == tbs.issuer && id.serial_number == tbs.serial_number
        }
        SignerIdentifier::SubjectKeyIdentifier(ski) => certificate
            .extension(SUBJECT_KEY_IDENTIFIER)
            .and_then(|value| OctetString::from_der(value).ok())
            .is_some_and(|value| value.as_bytes() == ski.0.as_bytes()),
    }
}

fn verify_with_authority(
    authority: &CertificateAuthority,
    signer_info: &SignerInfo,
    signed_attributes: &[u8],
    embedded: &[Certificate],
    time: SystemTime,
) -> Result<()> {
    if !authority.valid_for.contains(time) {
        return Err(failed(format!(
            "the stamped time is outside the validity of the timestamp authority {}",
            authority.uri
        )));
    }
    let chain = authority.trusted_chain.as_ref().map_err(Clone::clone)?;
    let first = &chain.certificates()[0];
    let signer = std::iter::once(first)
        .chain(embedded)
        .find(|c| identifies(&signer_info.sid, c))
        .ok_or_else(|| {
            failed(format!(
                "not signed by a certificate of the timestamp authority {}",
                authority.uri
            ))
        })?;
    if signer.der() == first.der() {
        if !first
            .extended_key_usage()
            .is_some_and(|u| u.iter().any(|e| e == EKU_TIME_STAMPING))
        {
            return Err(failed("the authority's certificate may not stamp time".into()));
        }
        if let Some(expired) = chain.certificates().iter().find(|c| !c.is_valid_at(time)) {
            return Err(failed(format!(
                "certificate {:?} is not valid at the stamped time",
                expired.subject_text()
            )));
        }
    } else {
        chain
            .verify_leaf(signer, time, EKU_TIME_STAMPING)
            .map_err(|e| failed(e.message().to_owned()))?;
    }
    signer
        .public_key()
        .verify_with(
            signature_algorithm(signer_info)?,
            signed_attributes,
            signer_info.signature.as_bytes(),
        )
        .map_err(|_| failed("its signature does not verify".into()))
}
