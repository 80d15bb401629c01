package ocitrust

/*
#include <stdlib.h>
#include <string.h>
#include "ocitrust.h"
*/
import "C"

import (
	"context"
	"fmt"
	"runtime"
	"time"
	"unsafe"
)

// Verifier verifies the signatures on images under the authorities it trusts (WithKey), any one of
// which vouching for a signature makes the image trusted, and what a signature must also satisfy.
// It is immutable once made and safe for concurrent use.
type Verifier struct {
	h handle[*C.ocitrust_verifier]
}

// Option sets a requirement or option of a Verifier.
type Option func(*C.ocitrust_verifier) error

// WithAnnotation requires the annotation key=value in the signed payload (cosign verify -a).
func WithAnnotation(key, value string) Option {
	return func(v *C.ocitrust_verifier) error {
		ckey, err := cString(key, "annotation key")
		if err != nil {
			return err
		}
		defer C.free(unsafe.Pointer(ckey))
		cvalue, err := cString(value, "annotation value")
		if err != nil {
			return err
		}
		defer C.free(unsafe.Pointer(cvalue))
		var cerr *C.ocitrust_error
		return takeError(C.ocitrust_verifier_require_annotation(v, ckey, cvalue, &cerr), cerr)
	}
}

// WithPlatform resolves an index to the manifest for platform ("os/arch[/variant]") and verifies
// that manifest's signatures.
func WithPlatform(platform string) Option {
	return func(v *C.ocitrust_verifier) error {
		cplatform, err := cString(platform, "platform")
		if err != nil {
			return err
		}
		defer C.free(unsafe.Pointer(cplatform))
		var cerr *C.ocitrust_error
		return takeError(C.ocitrust_verifier_set_platform(v, cplatform, &cerr), cerr)
	}
}

// WithRequirePlatformSignature makes WithPlatform demand a signature on the platform manifest
// itself. By default a platform manifest is also trusted when the index listing it is signed (most
// publishers sign only the index); Verdict.VerifiedThroughIndex then names the index.
func WithRequirePlatformSignature() Option {
	return func(v *C.ocitrust_verifier) error {
		var cerr *C.ocitrust_error
		return takeError(C.ocitrust_verifier_set_require_platform_signature(v, true, &cerr), cerr)
	}
}

// WithInsecureIgnoreTlog accepts signatures without a transparency-log proof
// (--insecure-ignore-tlog). INSECURE; every verdict records it in Insecure.
func WithInsecureIgnoreTlog() Option {
	return func(v *C.ocitrust_verifier) error {
		var cerr *C.ocitrust_error
		return takeError(C.ocitrust_verifier_set_insecure_ignore_tlog(v, true, &cerr), cerr)
	}
}

// WithVerificationTime judges evidence as of t instead of now. Key-based cosign checks do not
// depend on time; t is recorded in the verdict, and certificate validity is judged at it.
func WithVerificationTime(t time.Time) Option {
	return func(v *C.ocitrust_verifier) error {
		if t.Unix() < 0 {
			return &Error{Code: CodeInvalidArgument, Message: fmt.Sprintf("verification time %v is before 1970", t)}
		}
		var cerr *C.ocitrust_error
		return takeError(C.ocitrust_verifier_set_verification_time(v, C.uint64_t(t.Unix()), &cerr), cerr)
	}
}

// WithReadBudget lets one verification read at most bytes in all from a registry or a layout
// (manifests, payloads, referrers, bundles; default 64 MiB); past it Verify fails with
// ErrLimitExceeded. It bounds the memory a hostile image can make a verification use.
func WithReadBudget(bytes uint64) Option {
	return func(v *C.ocitrust_verifier) error {
		var cerr *C.ocitrust_error
		return takeError(C.ocitrust_verifier_set_read_budget(v, C.uint64_t(bytes), &cerr), cerr)
	}
}

// WithKey trusts signatures made with key (copied; key may be closed afterwards), as one more
// authority (cosign verify --key). Repeatable: any one trusted key vouching is enough.
func WithKey(key *PublicKey) Option {
	return func(v *C.ocitrust_verifier) error {
		return key.h.use(func(k *C.ocitrust_public_key) error {
			var cerr *C.ocitrust_error
			return takeError(C.ocitrust_verifier_add_key(v, k, &cerr), cerr)
		})
	}
}

// NewVerifier makes a verifier with opts applied in order; at least one must add an authority
// (WithKey), or Verify fails with ErrInvalidArgument. Defaults are strict: a transparency-log proof
// is required.
func NewVerifier(opts ...Option) (*Verifier, error) {
	var ptr *C.ocitrust_verifier
	var cerr *C.ocitrust_error
	if err := takeError(C.ocitrust_verifier_new(&ptr, &cerr), cerr); err != nil {
		return nil, err
	}
	for _, opt := range opts {
		if err := opt(ptr); err != nil {
			C.ocitrust_verifier_free(&ptr)
			return nil, err
		}
	}
	v := &Verifier{}
	v.h.ptr = ptr
	runtime.SetFinalizer(v, (*Verifier).Close)
	return v, nil
}

// Verify verifies the image reference names: registry/repository[:tag|@digest] in an OCI registry,
// or oci:PATH[:TAG|@DIGEST] (an OCI image layout, e.g. from cosign save). It returns the verdict — trusted or not; Verdict.RequireTrusted turns an
// untrusted one into ErrNoSignatures or ErrNoMatchingSignatures. An error here means the evidence
// could not be read or is corrupt (ErrNotFound, ErrDigestMismatch, ErrNetwork, ErrUnauthorized, …).
//
// A verification in a registry ends within the registry options' timeout (3 minutes unless set),
// and within ctx's deadline when it has one: the library is given what is left of it. When ctx ends
// first (cancelled, or at its deadline), Verify returns ctx.Err() at once; the C call, which
// cannot be interrupted, then ends by itself at that deadline (Close waits for it).
func (v *Verifier) Verify(ctx context.Context, reference string) (*Verdict, error) {
	return v.verifyReference(ctx, reference, func(ptr *C.ocitrust_verifier, cref *C.char, timeoutMs C.uint64_t, out **C.ocitrust_verdict, cerr **C.ocitrust_error) error {
		return takeError(C.ocitrust_verifier_verify(ptr, cref, timeoutMs, out, cerr), *cerr)
	})
}

// VerifyAttestations verifies the attestations of reference whose predicate type is predicateType
// (cosign's --type: "cyclonedx", "spdxjson", "slsaprovenance1", "custom", … or a URI), as cosign
// verify-attestation does, from the .att tag scheme and Sigstore bundle referrers. The verdict is
// trusted when one passed every check of one authority; Verdict.Attestations holds what each
// verified one states. With WithPlatform, the platform manifest's own attestations are judged,
// never its index's (ErrNoSignatures, naming the index, when the platform has none).
func (v *Verifier) VerifyAttestations(ctx context.Context, reference, predicateType string) (*Verdict, error) {
	return v.verifyReference(ctx, reference, func(ptr *C.ocitrust_verifier, cref *C.char, timeoutMs C.uint64_t, out **C.ocitrust_verdict, cerr **C.ocitrust_error) error {
		// Allocated here, on the goroutine the C call runs on: a cancelled ctx returns early, while
		// the call, which cannot be interrupted, still reads its arguments.
		ctype, err := cString(predicateType, "predicate type")
		if err != nil {
			return err
		}
		defer C.free(unsafe.Pointer(ctype))
		return takeError(C.ocitrust_verifier_verify_attestations(ptr, cref, ctype, timeoutMs, out, cerr), *cerr)
	})
}

// verifyReference runs call (a verify entry point) on reference with what is left of ctx's
// deadline.
func (v *Verifier) verifyReference(ctx context.Context, reference string, call func(*C.ocitrust_verifier, *C.char, C.uint64_t, **C.ocitrust_verdict, **C.ocitrust_error) error) (*Verdict, error) {
	timeoutMs := timeoutMillis(ctx)
	return v.run(ctx, func(ptr *C.ocitrust_verifier, out **C.ocitrust_verdict, cerr **C.ocitrust_error) error {
		cref, err := cString(reference, "reference")
		if err != nil {
			return err
		}
		defer C.free(unsafe.Pointer(cref))
		return call(ptr, cref, C.uint64_t(timeoutMs), out, cerr)
	})
}

// timeoutMillis is what is left of ctx's deadline for the library (0: none). Rounded up, and a
// millisecond more: the library's deadline falls just after ctx's, so a verification cut short
// reports ctx.Err(), as Go code expects.
func timeoutMillis(ctx context.Context) uint64 {
	deadline, ok := ctx.Deadline()
	if !ok {
		return 0
	}
	return uint64(max((time.Until(deadline)+time.Millisecond-1)/time.Millisecond, 0)) + 1
}

// VerifyBytes verifies evidence the caller fetched itself (sans-IO): the subject manifest, its
// cosign signature manifest (nil when it has none) and the payload blobs that manifest references,
// in any order. Every byte is hashed by the library, so a lying fetcher is caught; reference only
// labels the verdict. A Verifier made WithPlatform is refused: pass the platform manifest.
func (v *Verifier) VerifyBytes(ctx context.Context, reference string, subjectManifest, signatureManifest []byte, payloads [][]byte) (*Verdict, error) {
	return v.run(ctx, func(ptr *C.ocitrust_verifier, out **C.ocitrust_verdict, cerr **C.ocitrust_error) error {
		cref, err := cString(reference, "reference")
		if err != nil {
			return err
		}
		defer C.free(unsafe.Pointer(cref))
		subject, subjectLen := cBytes(subjectManifest)
		defer C.free(unsafe.Pointer(subject))
		signature, signatureLen := cBytes(signatureManifest)
		defer C.free(unsafe.Pointer(signature))
		var blobs *C.ocitrust_bytes
		if len(payloads) > 0 {
			blobs = (*C.ocitrust_bytes)(C.malloc(C.size_t(len(payloads)) * C.size_t(unsafe.Sizeof(C.ocitrust_bytes{}))))
			defer C.free(unsafe.Pointer(blobs))
			slots := unsafe.Slice(blobs, len(payloads))
			for i, payload := range payloads {
				data, n := cBytes(payload)
				defer C.free(unsafe.Pointer(data))
				slots[i] = C.ocitrust_bytes{data: data, len: n}
			}
		}
		return takeError(C.ocitrust_verifier_verify_bytes(ptr, cref, subject, subjectLen, signature, signatureLen,
			blobs, C.size_t(len(payloads)), out, cerr), *cerr)
	})
}

// verifyCall makes one C verification call; it reports failure as a Go error (taking the error handle).
type verifyCall func(*C.ocitrust_verifier, **C.ocitrust_verdict, **C.ocitrust_error) error

// run makes one verification call, converting and freeing the C verdict, honouring ctx.
func (v *Verifier) run(ctx context.Context, call verifyCall) (*Verdict, error) {
	return withContext(ctx, func() (*Verdict, error) { return v.call(call) })
}

// withContext runs a blocking library call, returning at once when ctx ends first (cancelled, or
// at its deadline) with ctx.Err(); the call, which cannot be interrupted, finishes in the
// background and its result is dropped. A call that failed after ctx ended reports ctx.Err(): the
// library stopped at the deadline it was given, the context's.
func withContext[T any](ctx context.Context, call func() (T, error)) (T, error) {
	var zero T
	if err := ctx.Err(); err != nil {
		return zero, err
	}
	if ctx.Done() == nil { // cannot be cancelled: no goroutine needed
		return call()
	}
	type result struct {
		value T
		err   error
	}
	done := make(chan result, 1)
	go func() {
		value, err := call()
		done <- result{value, err}
	}()
	select {
	case r := <-done:
		if r.err != nil && ctx.Err() != nil {
			return zero, ctx.Err()
		}
		return r.value, r.err
	case <-ctx.Done():
		return zero, ctx.Err()
	}
}

func (v *Verifier) call(call verifyCall) (*Verdict, error) {
	var verdict *Verdict
	err := v.h.use(func(ptr *C.ocitrust_verifier) error {
		var out *C.ocitrust_verdict
		var cerr *C.ocitrust_error
		if err := call(ptr, &out, &cerr); err != nil {
			return err
		}
		defer C.ocitrust_verdict_free(&out)
		var err error
		verdict, err = verdictFromC(out)
		return err
	})
	return verdict, err
}

// Close frees the verifier, after any verification in flight. Idempotent; safe to call concurrently.
func (v *Verifier) Close() {
	v.h.close(func(p **C.ocitrust_verifier) { C.ocitrust_verifier_free(p) })
}
