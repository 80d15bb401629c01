package ocitrust

/*
#include <stdlib.h>
#include "ocitrust.h"
*/
import "C"

import (
	"context"
	"encoding/json"
	"runtime"
	"unsafe"
)

// Policy is a trust policy document (apiVersion ocitrust.dev/v1alpha1, kind TrustPolicy) with the
// trust material it names, and the options (registry, platform, verification time) its
// verifications run with. Safe for concurrent use.
type Policy struct {
	h       handle[*C.ocitrust_policy]
	options *Verifier
}

// Decision is whether an image may run under a Policy, and why.
type Decision struct {
	// Reference is the image as given.
	Reference string `json:"reference"`
	// Digest is the manifest judged (the platform manifest's when one was chosen).
	Digest string `json:"digest"`
	// Allowed: the policy held, or its mode only reports (warn, audit).
	Allowed bool `json:"allowed"`
	// Satisfied: the policy's requirements held.
	Satisfied bool `json:"satisfied"`
	// Mode of the policy that applied: "enforce", "warn" or "audit".
	Mode string `json:"mode"`
	// Policy is the name of the policy that applied; "" when no scope matched.
	Policy string `json:"policy"`
	// Scope is the pattern that selected it.
	Scope string `json:"scope"`
	// Explanation is the tree: policy, requirement, authority, signature, check.
	Explanation Explanation `json:"explanation"`
	// Insecure lists the insecure options in force (e.g. insecure-ignore-tlog).
	Insecure []string `json:"insecure"`
	// Time is the instant decided for, in seconds since the Unix epoch.
	Time int64 `json:"time"`
	// Summary says why the policy did not hold, in one line ("" when it held).
	Summary string `json:"-"`
	// JSON is the decision as the library wrote it (ocitrust policy eval -o json).
	JSON []byte `json:"-"`
}

// Explanation is one node of a decision's explanation tree.
type Explanation struct {
	// Kind is "policy", "requirement", "authority", "signature" or "check".
	Kind     string        `json:"kind"`
	Subject  string        `json:"subject"`
	Passed   bool          `json:"passed"`
	Reason   string        `json:"reason"`
	Children []Explanation `json:"children"`
}

// LoadPolicy reads the trust policy document at path (YAML or JSON) and the files it names,
// relative to its folder; opts are the options its verifications run with (WithRegistryOptions,
// WithPlatform, …; authorities given there are not used). An invalid document is ErrInvalidPolicy
// whose message starts PATH:LINE:COLUMN:.
func LoadPolicy(path string, opts ...Option) (*Policy, error) {
	cpath, err := cString(path, "path")
	if err != nil {
		return nil, err
	}
	defer C.free(unsafe.Pointer(cpath))
	return newPolicy(opts, func(out **C.ocitrust_policy, cerr **C.ocitrust_error) C.ocitrust_result {
		return C.ocitrust_policy_from_file(cpath, out, cerr)
	})
}

// LoadPolicyBytes reads a trust policy document from memory; the files it names are read relative
// to baseDir ("" for the current directory).
func LoadPolicyBytes(document []byte, baseDir string, opts ...Option) (*Policy, error) {
	data, n := cBytes(document)
	defer C.free(unsafe.Pointer(data))
	var base *C.char
	if baseDir != "" {
		var err error
		if base, err = cString(baseDir, "baseDir"); err != nil {
			return nil, err
		}
		defer C.free(unsafe.Pointer(base))
	}
	return newPolicy(opts, func(out **C.ocitrust_policy, cerr **C.ocitrust_error) C.ocitrust_result {
		return C.ocitrust_policy_from_bytes(data, n, base, out, cerr)
	})
}

func newPolicy(opts []Option, load func(**C.ocitrust_policy, **C.ocitrust_error) C.ocitrust_result) (*Policy, error) {
	options, err := NewVerifier(opts...)
	if err != nil {
		return nil, err
	}
	var ptr *C.ocitrust_policy
	var cerr *C.ocitrust_error
	if err := takeError(load(&ptr, &cerr), cerr); err != nil {
		options.Close()
		return nil, err
	}
	p := &Policy{options: options}
	p.h.ptr = ptr
	runtime.SetFinalizer(p, (*Policy).Close)
	return p, nil
}

// Evaluate decides whether reference (registry/repository[:tag|@digest] or oci:PATH[:TAG|@DIGEST])
// may run: it is resolved to its digest once, and what the applicable policy needs is verified.
// A denial is a Decision with Allowed false, not an error; an error means no decision could be
// made (ErrInvalidReference, ErrNotFound, ErrNetwork, …, or ctx.Err() when ctx ended first).
func (p *Policy) Evaluate(ctx context.Context, reference string) (*Decision, error) {
	return p.EvaluateScope(ctx, reference, "")
}

// EvaluateScope is Evaluate with scope naming an OCI layout for scope matching ("" for oci:PATH).
func (p *Policy) EvaluateScope(ctx context.Context, reference, scope string) (*Decision, error) {
	timeoutMs := timeoutMillis(ctx)
	return withContext(ctx, func() (*Decision, error) {
		var decision *Decision
		err := p.h.use(func(ptr *C.ocitrust_policy) error {
			return p.options.h.use(func(verifier *C.ocitrust_verifier) error {
				cref, err := cString(reference, "reference")
				if err != nil {
					return err
				}
				defer C.free(unsafe.Pointer(cref))
				var cscope *C.char
				if scope != "" {
					if cscope, err = cString(scope, "scope"); err != nil {
						return err
					}
					defer C.free(unsafe.Pointer(cscope))
				}
				var out *C.ocitrust_decision
				var cerr *C.ocitrust_error
				if err := takeError(C.ocitrust_policy_evaluate(ptr, verifier, cref, cscope, C.uint64_t(timeoutMs), &out, &cerr), cerr); err != nil {
					return err
				}
				defer C.ocitrust_decision_free(&out)
				decision, err = decisionFromC(out)
				return err
			})
		})
		return decision, err
	})
}

func decisionFromC(d *C.ocitrust_decision) (*Decision, error) {
	text, err := readBytes(func(buf *C.uint8_t, n C.size_t, out *C.size_t) C.ocitrust_result {
		return C.ocitrust_decision_json(d, (*C.char)(unsafe.Pointer(buf)), n, out)
	})
	if err != nil {
		return nil, err
	}
	decision := &Decision{JSON: text}
	if err := json.Unmarshal(text, decision); err != nil {
		return nil, err
	}
	decision.Summary, err = readString(func(buf *C.char, n C.size_t, out *C.size_t) C.ocitrust_result {
		return C.ocitrust_decision_summary(d, buf, n, out)
	})
	return decision, err
}

// Close frees the policy, after any evaluation in flight. Idempotent; safe to call concurrently.
func (p *Policy) Close() {
	p.h.close(func(ptr **C.ocitrust_policy) {
		// Freed through a copy: the handle lives in a struct that holds Go pointers, which cgo
		// may not be handed.
		c := *ptr
		C.ocitrust_policy_free(&c)
		*ptr = c
	})
	p.options.Close()
}

// EvaluateAll decides for many references at once: up to jobs at a time (one connection pool and
// token cache), a reference named twice evaluated once, all within ctx's deadline. For each
// reference i, exactly one of decisions[i] and errs[i] is set; err reports a call that could not
// start (ErrClosed, ctx.Err()).
func (p *Policy) EvaluateAll(ctx context.Context, references []string, jobs int) (decisions []*Decision, errs []error, err error) {
	timeoutMs := timeoutMillis(ctx)
	type results struct {
		decisions []*Decision
		errs      []error
	}
	r, err := withContext(ctx, func() (results, error) {
		out := results{decisions: make([]*Decision, len(references)), errs: make([]error, len(references))}
		err := p.h.use(func(ptr *C.ocitrust_policy) error {
			return p.options.h.use(func(verifier *C.ocitrust_verifier) error {
				n := len(references)
				if n == 0 {
					return nil
				}
				size := C.size_t(unsafe.Sizeof(uintptr(0)))
				refs := (**C.char)(C.malloc(C.size_t(n) * size))
				defer C.free(unsafe.Pointer(refs))
				refSlots := unsafe.Slice(refs, n)
				for i, reference := range references {
					cref, err := cString(reference, "reference")
					if err != nil {
						return err
					}
					defer C.free(unsafe.Pointer(cref))
					refSlots[i] = cref
				}
				cdecisions := (**C.ocitrust_decision)(C.malloc(C.size_t(n) * size))
				defer C.free(unsafe.Pointer(cdecisions))
				cerrors := (**C.ocitrust_error)(C.malloc(C.size_t(n) * size))
				defer C.free(unsafe.Pointer(cerrors))
				var cerr *C.ocitrust_error
				if err := takeError(C.ocitrust_policy_evaluate_all(ptr, verifier, refs, C.size_t(n), nil, C.size_t(max(jobs, 1)),
					C.uint64_t(timeoutMs), cdecisions, cerrors, &cerr), cerr); err != nil {
					return err
				}
				decisionSlots := unsafe.Slice(cdecisions, n)
				errorSlots := unsafe.Slice(cerrors, n)
				for i := range references {
					if decisionSlots[i] != nil {
						out.decisions[i], out.errs[i] = decisionFromC(decisionSlots[i])
						C.ocitrust_decision_free(&decisionSlots[i])
					} else {
						out.errs[i] = takeError(C.ocitrust_error_code(errorSlots[i]), errorSlots[i])
					}
				}
				return nil
			})
		})
		return out, err
	})
	return r.decisions, r.errs, err
}
