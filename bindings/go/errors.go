package ocitrust

/*
#include "ocitrust.h"
*/
import "C"

import (
	"errors"
	"fmt"
)

// Code is a stable ocitrust result code (the C ABI's ocitrust_result). Values are grouped by
// hundreds (1xx bad input, 2xx integrity, 3xx verification, 4xx private keys, 5xx environment,
// 9xx bugs) and never reused.
type Code uint32

// The codes, equal to the C header's OCITRUST_ERR_* values.
const (
	CodeInvalidDigest            Code = C.OCITRUST_ERR_INVALID_DIGEST
	CodeInvalidReference         Code = C.OCITRUST_ERR_INVALID_REFERENCE
	CodeInvalidManifest          Code = C.OCITRUST_ERR_INVALID_MANIFEST
	CodeInvalidPayload           Code = C.OCITRUST_ERR_INVALID_PAYLOAD
	CodeInvalidKey               Code = C.OCITRUST_ERR_INVALID_KEY
	CodeInvalidSignatureEncoding Code = C.OCITRUST_ERR_INVALID_SIGNATURE_ENCODING
	CodeInvalidArgument          Code = C.OCITRUST_ERR_INVALID_ARGUMENT
	CodeLimitExceeded            Code = C.OCITRUST_ERR_LIMIT_EXCEEDED
	CodeUnsupported              Code = C.OCITRUST_ERR_UNSUPPORTED
	CodeNotFound                 Code = C.OCITRUST_ERR_NOT_FOUND
	CodeNullArgument             Code = C.OCITRUST_ERR_NULL_ARGUMENT
	CodeBufferTooSmall           Code = C.OCITRUST_ERR_BUFFER_TOO_SMALL
	CodeInvalidCertificate       Code = C.OCITRUST_ERR_INVALID_CERTIFICATE
	CodeInvalidPolicy            Code = C.OCITRUST_ERR_INVALID_POLICY
	CodeDigestMismatch           Code = C.OCITRUST_ERR_DIGEST_MISMATCH
	CodeNoSignatures             Code = C.OCITRUST_ERR_NO_SIGNATURES
	CodeNoMatchingSignatures     Code = C.OCITRUST_ERR_NO_MATCHING_SIGNATURES
	CodeKeyDecryption            Code = C.OCITRUST_ERR_KEY_DECRYPTION
	CodeIO                       Code = C.OCITRUST_ERR_IO
	CodeNetwork                  Code = C.OCITRUST_ERR_NETWORK
	CodeUnauthorized             Code = C.OCITRUST_ERR_UNAUTHORIZED
	CodeTimeout                  Code = C.OCITRUST_ERR_TIMEOUT
	CodeInternal                 Code = C.OCITRUST_ERR_INTERNAL
	CodePanic                    Code = C.OCITRUST_ERR_PANIC
)

// String is the code's stable name, e.g. "no_signatures".
func (c Code) String() string {
	return C.GoString(C.ocitrust_result_name(C.ocitrust_result(c)))
}

// Error is a failure reported by the library: its code and the full message.
// Match it with errors.Is against the Err* sentinels, or errors.As to read the message.
type Error struct {
	Code    Code
	Message string
}

func (e *Error) Error() string {
	if e.Message == "" {
		return "ocitrust: " + e.Code.String()
	}
	return fmt.Sprintf("ocitrust: %s (%s)", e.Message, e.Code)
}

// Is reports whether target is the sentinel for e's code.
func (e *Error) Is(target error) bool {
	var t *Error
	return errors.As(target, &t) && t.Message == "" && t.Code == e.Code
}

// Sentinels for errors.Is, one per code.
var (
	ErrInvalidDigest            = &Error{Code: CodeInvalidDigest}
	ErrInvalidReference         = &Error{Code: CodeInvalidReference}
	ErrInvalidManifest          = &Error{Code: CodeInvalidManifest}
	ErrInvalidPayload           = &Error{Code: CodeInvalidPayload}
	ErrInvalidKey               = &Error{Code: CodeInvalidKey}
	ErrInvalidSignatureEncoding = &Error{Code: CodeInvalidSignatureEncoding}
	ErrInvalidArgument          = &Error{Code: CodeInvalidArgument}
	ErrLimitExceeded            = &Error{Code: CodeLimitExceeded}
	ErrUnsupported              = &Error{Code: CodeUnsupported}
	ErrNotFound                 = &Error{Code: CodeNotFound}
	ErrNullArgument             = &Error{Code: CodeNullArgument}
	ErrBufferTooSmall           = &Error{Code: CodeBufferTooSmall}
	ErrInvalidCertificate       = &Error{Code: CodeInvalidCertificate}
	ErrInvalidPolicy            = &Error{Code: CodeInvalidPolicy}
	ErrDigestMismatch           = &Error{Code: CodeDigestMismatch}
	ErrNoSignatures             = &Error{Code: CodeNoSignatures}
	ErrNoMatchingSignatures     = &Error{Code: CodeNoMatchingSignatures}
	ErrKeyDecryption            = &Error{Code: CodeKeyDecryption}
	ErrIO                       = &Error{Code: CodeIO}
	ErrNetwork                  = &Error{Code: CodeNetwork}
	ErrUnauthorized             = &Error{Code: CodeUnauthorized}
	ErrTimeout                  = &Error{Code: CodeTimeout}
	ErrInternal                 = &Error{Code: CodeInternal}
	ErrPanic                    = &Error{Code: CodePanic}
)

// ErrClosed is returned when a PublicKey, Verifier or SigningKey is used after Close.
var ErrClosed = errors.New("ocitrust: use of a closed handle")

// takeError turns a C result and its optional error handle into a Go error, freeing the handle.
func takeError(result C.ocitrust_result, handle *C.ocitrust_error) error {
	if result == C.OCITRUST_OK {
		return nil
	}
	err := &Error{Code: Code(result)}
	if handle != nil {
		if message, mErr := readString(func(buf *C.char, n C.size_t, out *C.size_t) C.ocitrust_result {
			return C.ocitrust_error_message(handle, buf, n, out)
		}); mErr == nil {
			err.Message = message
		}
		C.ocitrust_error_free(&handle)
	}
	return err
}
