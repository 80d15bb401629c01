package ocitrust

/*
#include "ocitrust.h"
*/
import "C"

import (
	"encoding/json"
	"time"
	"unsafe"
)

// Verdict is the result of one verification: the subject, whether it is trusted, and every
// signature examined with each of its checks.
type Verdict struct {
	Subject    Subject           `json:"subject"`
	Trusted    bool              `json:"trusted"`
	Signatures []SignatureReport `json:"signatures"`
	// Insecure lists the insecure options in force, e.g. "insecure-ignore-tlog".
	Insecure []string `json:"insecure"`
	// VerificationTime is the instant the verdict speaks for.
	VerificationTime time.Time `json:"-"`
	// JSON is the verdict as the library serialises it (the CLI's --output verdict).
	JSON []byte `json:"-"`

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
	// Kind is the kind of signature, e.g. "cosign-signature".
	Kind string `json:"kind"`
	// Location says where it was found (artifact and layer).
	Location string `json:"location"`
	// Signer is set once the signature verified.
	Signer *Signer `json:"signer,omitempty"`
	// Checks lists every check in the order performed.
	Checks []Check `json:"checks"`
	// Verified is whether every check passed (or was skipped by an insecure option).
	Verified bool `json:"verified"`
	// Payload is the signed payload (simple-signing JSON), set only when Verified.
	Payload []byte `json:"-"`
}

// Signer is who signed, as far as the trust material tells.
type Signer struct {
	// KeyID is the hex SHA-256 of the key's DER SubjectPublicKeyInfo.
	KeyID string `json:"key_id"`
	// KeyType is e.g. "ECDSA P-256".
	KeyType string `json:"key_type"`
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
)

// Check outcomes.
const (
	OutcomePassed          = "passed"
	OutcomeFailed          = "failed"
	OutcomeSkippedInsecure = "skipped-insecure"
	OutcomeNotReached      = "not-reached"
)

// RequireTrusted returns nil when the verdict is trusted, and otherwise the error cosign reports:
// ErrNoSignatures (none found) or ErrNoMatchingSignatures, whose message says why each failed.
func (v *Verdict) RequireTrusted() error {
	return v.trustErr
}

// verdictFromC copies everything out of a C verdict into Go values.
func verdictFromC(c *C.ocitrust_verdict) (*Verdict, error) {
	text, err := readBytes(func(buf *C.uint8_t, n C.size_t, out *C.size_t) C.ocitrust_result {
		return C.ocitrust_verdict_json(c, (*C.char)(unsafe.Pointer(buf)), n, out)
	})
	if err != nil {
		return nil, err
	}
	v := &Verdict{JSON: text}
	if err := json.Unmarshal(text, v); err != nil {
		return nil, &Error{Code: CodeInternal, Message: "decoding the verdict: " + err.Error()}
	}
	v.VerificationTime = time.Unix(int64(C.ocitrust_verdict_verification_time(c)), 0).UTC()
	for i := range v.Signatures {
		if !v.Signatures[i].Verified {
			continue
		}
		index := C.size_t(i)
		v.Signatures[i].Payload, err = readBytes(func(buf *C.uint8_t, n C.size_t, out *C.size_t) C.ocitrust_result {
			return C.ocitrust_verdict_signature_payload(c, index, buf, n, out)
		})
		if err != nil {
			return nil, err
		}
	}
	var cerr *C.ocitrust_error
	v.trustErr = takeError(C.ocitrust_verdict_require_trusted(c, &cerr), cerr)
	return v, nil
}
