package ocitrust

/*
#include "ocitrust.h"
*/
import "C"

import (
	"encoding/json"
	"errors"
	"strings"
	"time"
)

// Verdict is the result of one verification: the subject, whether it is trusted, and every
// signature examined with each of its checks. Its JSON encoding has the field names of the
// library's verdict JSON (the CLI's --output verdict).
type Verdict struct {
	Subject Subject `json:"subject"`
	Trusted bool    `json:"trusted"`
	// VerifiedThroughIndex is set when the subject is a platform manifest trusted because the
	// index listing it is signed, not by a signature of its own: the index's digest.
	VerifiedThroughIndex string            `json:"verified_through_index,omitempty"`
	Signatures           []SignatureReport `json:"signatures"`
	// Insecure lists the insecure options in force, e.g. "insecure-ignore-tlog".
	Insecure []string `json:"insecure"`
	// TrustMaterial lists the Sigstore trusted roots signatures were judged under, each with
	// where it came from (the embedded root, a file, a TUF repository and its versions).
	TrustMaterial []TrustMaterial `json:"trust_material,omitempty"`
	// SkippedByPolicy is set when a trust policy's level is skip for the subject (notation): it
	// is trusted without any signature being looked at, and this says which statement decided.
	SkippedByPolicy string `json:"skipped_by_policy,omitempty"`
	// NotationScope is the trust policy scope notation signatures were judged under (when a
	// notation policy is trusted): the repository, the scope given for a layout, or "*" for a
	// layout verified without one (only the policy's "*" statement applied).
	NotationScope string `json:"notation_scope,omitempty"`
	// Attestations holds what each verified attestation states (VerifyAttestations only).
	Attestations []Attestation `json:"-"`
	// VerificationTime is the instant the verdict speaks for.
	VerificationTime time.Time `json:"-"`

	trustErr error
}

// Subject is what was verified.
type Subject struct {
	// Reference is the reference as given.
	Reference string `json:"reference"`
	// Digest is the digest of the manifest whose signatures were checked.
	Digest string `json:"digest"`
	// Platform is the platform selected from an index, if any.
	Platform string `json:"platform,omitempty"`
	// IndexDigest is the digest of the index the platform manifest was selected from, if any.
	IndexDigest string `json:"index_digest,omitempty"`
}

// SignatureReport is everything about one signature examined.
type SignatureReport struct {
	// Kind is the kind of signature: "cosign-signature" (tag scheme), "cosign-attestation" (.att
	// tag scheme), "sigstore-bundle" (cosign v3 referrer) or "notation-signature" (a JWS or COSE
	// envelope referrer).
	Kind string `json:"kind"`
	// Location says where it was found (artifact and layer).
	Location string `json:"location"`
	// Signer is set once the signature verified.
	Signer *Signer `json:"signer,omitempty"`
	// Checks lists every check in the order performed.
	Checks []Check `json:"checks"`
	// Verified is whether no check failed: each passed, was skipped (by an insecure option or the
	// trust policy), or failed where the trust policy only logs failures (OutcomeFailedLogged).
	Verified bool `json:"verified"`
	// Payload is what was signed (a simple-signing payload, an in-toto statement, a blob), set only
	// when Verified and known (a blob verified by its digest has none).
	Payload []byte `json:"-"`
	// PredicateType is the in-toto predicate type of a verified Sigstore bundle's statement:
	// "https://sigstore.dev/cosign/sign/v1" for a cosign v3 signature, the attested type for an
	// attestation (which Verify accepts as a signature, as cosign verify does).
	PredicateType string `json:"predicate_type,omitempty"`
}

// Attestation is what a verified attestation states.
type Attestation struct {
	// Location says where it was found (as the SignatureReport of the same index says).
	Location string
	// PredicateType is the statement's predicate type, e.g. "https://cyclonedx.org/bom".
	PredicateType string
	// Predicate is the statement's predicate (the SBOM, the provenance), its JSON bytes as they
	// stand in the signed statement.
	Predicate []byte
	// Envelope is the DSSE envelope as cosign verify-attestation prints it.
	Envelope []byte
}

// Signer is who signed, as far as the trust material tells.
type Signer struct {
	// Authority names the verifier's authority that vouched for the signature, e.g.
	// "cosign key 1f3a…".
	Authority string `json:"authority"`
	// KeyID is the hex SHA-256 of the key's DER SubjectPublicKeyInfo.
	KeyID string `json:"key_id"`
	// KeyType is e.g. "ECDSA P-256".
	KeyType string `json:"key_type"`
	// Certificate is what the signing certificate says, for keyless signatures.
	Certificate *CertificateSummary `json:"certificate,omitempty"`
	// X509Subject is the signing certificate's subject (RFC 4514), for notation signatures.
	X509Subject string `json:"x509_subject,omitempty"`
}

// CertificateSummary is what a Fulcio certificate says about its holder.
type CertificateSummary struct {
	// Subject lists the subject alternative names (email, URI, username).
	Subject []string `json:"subject"`
	// Issuer is the OIDC issuer.
	Issuer string `json:"issuer"`
	// Claims holds every Fulcio claim present by name (issuer, github-workflow-repository,
	// source-repository-ref, …).
	Claims map[string]string `json:"claims"`
}

// Check is one check on one signature.
type Check struct {
	// Name is one of the Check* names.
	Name string `json:"name"`
	// Outcome is one of the Outcome* values.
	Outcome string `json:"outcome"`
	// Detail says why it failed or was skipped.
	Detail string `json:"detail,omitempty"`
}

// Check names.
const (
	CheckIntegrity   = "integrity"
	CheckSignature   = "signature"
	CheckClaims      = "claims"
	CheckAnnotations = "annotations"
	CheckTlog        = "tlog"
	CheckTimestamp   = "timestamp"
	CheckCertificate = "certificate"
	CheckSct         = "sct"
	CheckIdentity    = "identity"
	// Notation's validations.
	CheckAuthenticity       = "authenticity"
	CheckExpiry             = "expiry"
	CheckAuthenticTimestamp = "authentic-timestamp"
	CheckRevocation         = "revocation"
	CheckPlugin             = "plugin"
)

// Check outcomes.
const (
	OutcomePassed          = "passed"
	OutcomeFailed          = "failed"
	OutcomeSkippedInsecure = "skipped-insecure"
	OutcomeNotReached      = "not-reached"
	// OutcomeFailedLogged: the check failed, and the trust policy only logs its failures.
	OutcomeFailedLogged = "failed-logged"
	// OutcomeSkippedByPolicy: the trust policy skips the check.
	OutcomeSkippedByPolicy = "skipped-by-policy"
)

// RequireTrusted returns nil when the verdict is trusted, and otherwise the error cosign reports:
// ErrNoSignatures (none found) or ErrNoMatchingSignatures, whose message says why each failed.
func (v *Verdict) RequireTrusted() error {
	return v.trustErr
}

// verdictText reads one text field of a C verdict; NOT_FOUND (a field without a value) gives "".
func verdictText(get func(buf *C.char, n C.size_t, out *C.size_t) C.ocitrust_result) (string, error) {
	text, err := readString(get)
	if err != nil && errors.Is(err, ErrNotFound) {
		return "", nil
	}
	return text, err
}

// verdictFromC copies everything out of a C verdict into Go values, field by field through the
// accessors (a few dozen cheap calls; decoding the JSON form costs several times more).
func verdictFromC(c *C.ocitrust_verdict) (*Verdict, error) {
	v := &Verdict{
		Trusted:          bool(C.ocitrust_verdict_trusted(c)),
		VerificationTime: time.Unix(int64(C.ocitrust_verdict_verification_time(c)), 0).UTC(),
	}
	var err error
	text := func(dst *string, get func(buf *C.char, n C.size_t, out *C.size_t) C.ocitrust_result) {
		if err == nil {
			*dst, err = verdictText(get)
		}
	}
	text(&v.Subject.Reference, func(b *C.char, n C.size_t, l *C.size_t) C.ocitrust_result {
		return C.ocitrust_verdict_reference(c, b, n, l)
	})
	text(&v.Subject.Digest, func(b *C.char, n C.size_t, l *C.size_t) C.ocitrust_result {
		return C.ocitrust_verdict_digest(c, b, n, l)
	})
	text(&v.Subject.Platform, func(b *C.char, n C.size_t, l *C.size_t) C.ocitrust_result {
		return C.ocitrust_verdict_platform(c, b, n, l)
	})
	text(&v.Subject.IndexDigest, func(b *C.char, n C.size_t, l *C.size_t) C.ocitrust_result {
		return C.ocitrust_verdict_index_digest(c, b, n, l)
	})
	text(&v.VerifiedThroughIndex, func(b *C.char, n C.size_t, l *C.size_t) C.ocitrust_result {
		return C.ocitrust_verdict_verified_through_index(c, b, n, l)
	})
	text(&v.SkippedByPolicy, func(b *C.char, n C.size_t, l *C.size_t) C.ocitrust_result {
		return C.ocitrust_verdict_skipped_by_policy(c, b, n, l)
	})
	text(&v.NotationScope, func(b *C.char, n C.size_t, l *C.size_t) C.ocitrust_result {
		return C.ocitrust_verdict_notation_scope(c, b, n, l)
	})
	v.Insecure = make([]string, int(C.ocitrust_verdict_insecure_count(c)))
	for i := range v.Insecure {
		index := C.size_t(i)
		text(&v.Insecure[i], func(b *C.char, n C.size_t, l *C.size_t) C.ocitrust_result {
			return C.ocitrust_verdict_insecure_option(c, index, b, n, l)
		})
	}
	if err == nil {
		// Where the trusted roots came from: read from the verdict's JSON (no accessor of its own).
		var whole string
		whole, err = verdictText(func(b *C.char, n C.size_t, l *C.size_t) C.ocitrust_result {
			return C.ocitrust_verdict_json(c, b, n, l)
		})
		var material struct {
			TrustMaterial []TrustMaterial `json:"trust_material"`
		}
		if err == nil {
			err = json.Unmarshal([]byte(whole), &material)
		}
		v.TrustMaterial = material.TrustMaterial
	}
	v.Signatures = make([]SignatureReport, int(C.ocitrust_verdict_signature_count(c)))
	for i := range v.Signatures {
		if err == nil {
			err = signatureFromC(c, C.size_t(i), &v.Signatures[i])
		}
		if err == nil && v.Signatures[i].Verified {
			var attestation *Attestation
			attestation, err = attestationFromC(c, C.size_t(i))
			if attestation != nil {
				attestation.Location = v.Signatures[i].Location
				v.Attestations = append(v.Attestations, *attestation)
			}
		}
	}
	if err != nil {
		return nil, err
	}
	var cerr *C.ocitrust_error
	v.trustErr = takeError(C.ocitrust_verdict_require_trusted(c, &cerr), cerr)
	return v, nil
}

// attestationFromC reads what verified signature index states, if it is an attestation (nil
// otherwise).
func attestationFromC(c *C.ocitrust_verdict, index C.size_t) (*Attestation, error) {
	field := func(f C.ocitrust_attestation_field) ([]byte, error) {
		return readBytes(func(buf *C.uint8_t, n C.size_t, out *C.size_t) C.ocitrust_result {
			return C.ocitrust_verdict_signature_attestation(c, index, f, buf, n, out)
		})
	}
	predicateType, err := field(C.OCITRUST_ATTESTATION_PREDICATE_TYPE)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	a := &Attestation{PredicateType: string(predicateType)}
	if a.Predicate, err = field(C.OCITRUST_ATTESTATION_PREDICATE); err != nil {
		return nil, err
	}
	if a.Envelope, err = field(C.OCITRUST_ATTESTATION_ENVELOPE); err != nil {
		return nil, err
	}
	return a, nil
}

var checkNames = map[C.ocitrust_check_name]string{
	C.OCITRUST_CHECK_INTEGRITY: CheckIntegrity, C.OCITRUST_CHECK_SIGNATURE: CheckSignature,
	C.OCITRUST_CHECK_CLAIMS: CheckClaims, C.OCITRUST_CHECK_ANNOTATIONS: CheckAnnotations, C.OCITRUST_CHECK_TLOG: CheckTlog,
	C.OCITRUST_CHECK_TIMESTAMP: CheckTimestamp, C.OCITRUST_CHECK_CERTIFICATE: CheckCertificate,
	C.OCITRUST_CHECK_SCT: CheckSct, C.OCITRUST_CHECK_IDENTITY: CheckIdentity,
	C.OCITRUST_CHECK_AUTHENTICITY: CheckAuthenticity, C.OCITRUST_CHECK_EXPIRY: CheckExpiry,
	C.OCITRUST_CHECK_AUTHENTIC_TIMESTAMP: CheckAuthenticTimestamp, C.OCITRUST_CHECK_REVOCATION: CheckRevocation,
	C.OCITRUST_CHECK_PLUGIN: CheckPlugin,
}

var outcomeNames = map[C.ocitrust_outcome]string{
	C.OCITRUST_OUTCOME_PASSED: OutcomePassed, C.OCITRUST_OUTCOME_FAILED: OutcomeFailed,
	C.OCITRUST_OUTCOME_SKIPPED_INSECURE: OutcomeSkippedInsecure, C.OCITRUST_OUTCOME_NOT_REACHED: OutcomeNotReached,
	C.OCITRUST_OUTCOME_FAILED_LOGGED: OutcomeFailedLogged, C.OCITRUST_OUTCOME_SKIPPED_BY_POLICY: OutcomeSkippedByPolicy,
}

func signatureFromC(c *C.ocitrust_verdict, index C.size_t, s *SignatureReport) error {
	var verified C.bool
	if err := takeError(C.ocitrust_verdict_signature_verified(c, index, &verified), nil); err != nil {
		return err
	}
	s.Verified = bool(verified)
	var err error
	text := func(dst *string, get func(buf *C.char, n C.size_t, out *C.size_t) C.ocitrust_result) {
		if err == nil {
			*dst, err = verdictText(get)
		}
	}
	text(&s.Kind, func(b *C.char, n C.size_t, l *C.size_t) C.ocitrust_result {
		return C.ocitrust_verdict_signature_kind(c, index, b, n, l)
	})
	text(&s.Location, func(b *C.char, n C.size_t, l *C.size_t) C.ocitrust_result {
		return C.ocitrust_verdict_signature_location(c, index, b, n, l)
	})
	text(&s.PredicateType, func(b *C.char, n C.size_t, l *C.size_t) C.ocitrust_result {
		return C.ocitrust_verdict_signature_predicate_type(c, index, b, n, l)
	})
	var signer Signer
	signerField := func(dst *string, field C.ocitrust_signer_field) {
		text(dst, func(b *C.char, n C.size_t, l *C.size_t) C.ocitrust_result {
			return C.ocitrust_verdict_signature_signer(c, index, field, b, n, l)
		})
	}
	signerField(&signer.Authority, C.OCITRUST_SIGNER_AUTHORITY)
	if signer.Authority != "" {
		signerField(&signer.KeyID, C.OCITRUST_SIGNER_KEY_ID)
		signerField(&signer.KeyType, C.OCITRUST_SIGNER_KEY_TYPE)
		var subject, issuer, claims string
		signerField(&issuer, C.OCITRUST_SIGNER_CERTIFICATE_ISSUER)
		signerField(&subject, C.OCITRUST_SIGNER_CERTIFICATE_SUBJECT)
		signerField(&claims, C.OCITRUST_SIGNER_CERTIFICATE_CLAIMS)
		signerField(&signer.X509Subject, C.OCITRUST_SIGNER_X509_SUBJECT)
		if err == nil && claims != "" {
			certificate := &CertificateSummary{Subject: strings.Split(subject, "\n"), Issuer: issuer}
			err = json.Unmarshal([]byte(claims), &certificate.Claims)
			signer.Certificate = certificate
		}
		s.Signer = &signer
	}
	s.Checks = make([]Check, int(C.ocitrust_verdict_signature_check_count(c, index)))
	for j := range s.Checks {
		var name C.ocitrust_check_name
		var outcome C.ocitrust_outcome
		if err == nil {
			err = takeError(C.ocitrust_verdict_signature_check(c, index, C.size_t(j), &name, &outcome), nil)
		}
		s.Checks[j].Name, s.Checks[j].Outcome = checkNames[name], outcomeNames[outcome]
		check := C.size_t(j)
		text(&s.Checks[j].Detail, func(b *C.char, n C.size_t, l *C.size_t) C.ocitrust_result {
			return C.ocitrust_verdict_signature_check_detail(c, index, check, b, n, l)
		})
	}
	if err == nil && s.Verified {
		s.Payload, err = readBytes(func(buf *C.uint8_t, n C.size_t, out *C.size_t) C.ocitrust_result {
			return C.ocitrust_verdict_signature_payload(c, index, buf, n, out)
		})
		if errors.Is(err, ErrNotFound) { // a blob verified by its digest: nothing more was signed
			err = nil
		}
	}
	return err
}
