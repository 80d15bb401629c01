package ocitrust

/*
#include <stdlib.h>
#include "ocitrust.h"
*/
import "C"

import (
	"runtime"
	"unsafe"
)

// NotationPolicy is a notation trust policy with the trust store it names: one authority of a
// Verifier (notation verify). Verifiers keep their own copy, so it may be closed once added.
type NotationPolicy struct {
	h handle[*C.ocitrust_notation_policy]
}

func newNotationPolicy(ptr *C.ocitrust_notation_policy) *NotationPolicy {
	p := &NotationPolicy{}
	p.h.ptr = ptr
	runtime.SetFinalizer(p, (*NotationPolicy).Close)
	return p
}

// LoadNotationConfig reads the trust policy (trustpolicy.oci.json, else trustpolicy.json) and the
// trust store (truststore/x509/...) of notation's configuration directory configDir, or when it is
// "" of the one notation uses ($NOTATION_CONFIG, $XDG_CONFIG_HOME/notation, ~/.config/notation).
func LoadNotationConfig(configDir string) (*NotationPolicy, error) {
	var dir *C.char
	if configDir != "" {
		var err error
		if dir, err = cString(configDir, "configDir"); err != nil {
			return nil, err
		}
		defer C.free(unsafe.Pointer(dir))
	}
	var ptr *C.ocitrust_notation_policy
	var cerr *C.ocitrust_error
	if err := takeError(C.ocitrust_notation_policy_from_config(dir, &ptr, &cerr), cerr); err != nil {
		return nil, err
	}
	return newNotationPolicy(ptr), nil
}

// LoadNotationPolicyFiles reads the trust policy file and the trust store directory (holding
// x509/<type>/<name>/) named explicitly.
func LoadNotationPolicyFiles(trustPolicyPath, trustStoreDir string) (*NotationPolicy, error) {
	policy, err := cString(trustPolicyPath, "trustPolicyPath")
	if err != nil {
		return nil, err
	}
	defer C.free(unsafe.Pointer(policy))
	store, err := cString(trustStoreDir, "trustStoreDir")
	if err != nil {
		return nil, err
	}
	defer C.free(unsafe.Pointer(store))
	var ptr *C.ocitrust_notation_policy
	var cerr *C.ocitrust_error
	if err := takeError(C.ocitrust_notation_policy_from_files(policy, store, &ptr, &cerr), cerr); err != nil {
		return nil, err
	}
	return newNotationPolicy(ptr), nil
}

// NewNotationPolicy parses a trust policy document (JSON) with an empty trust store; add
// certificates with AddCertificates.
func NewNotationPolicy(policyJSON []byte) (*NotationPolicy, error) {
	data, n := cBytes(policyJSON)
	defer C.free(unsafe.Pointer(data))
	var ptr *C.ocitrust_notation_policy
	var cerr *C.ocitrust_error
	if err := takeError(C.ocitrust_notation_policy_from_json(data, n, &ptr, &cerr), cerr); err != nil {
		return nil, err
	}
	return newNotationPolicy(ptr), nil
}

// AddCertificates adds the certificates of one file's bytes (PEM or DER) to the trust store
// storeName of type storeType ("ca", "signingAuthority" or "tsa"), as a file in
// truststore/x509/<type>/<name>/ would.
func (p *NotationPolicy) AddCertificates(storeType, storeName string, certificates []byte) error {
	kind, err := cString(storeType, "storeType")
	if err != nil {
		return err
	}
	defer C.free(unsafe.Pointer(kind))
	name, err := cString(storeName, "storeName")
	if err != nil {
		return err
	}
	defer C.free(unsafe.Pointer(name))
	data, n := cBytes(certificates)
	defer C.free(unsafe.Pointer(data))
	return p.h.use(func(policy *C.ocitrust_notation_policy) error {
		var cerr *C.ocitrust_error
		return takeError(C.ocitrust_notation_policy_add_certificates(policy, kind, name, data, n, &cerr), cerr)
	})
}

// Close frees the policy. Idempotent; safe to call concurrently.
func (p *NotationPolicy) Close() {
	p.h.close(func(ptr **C.ocitrust_notation_policy) { C.ocitrust_notation_policy_free(ptr) })
}

// WithNotationPolicy trusts notation signatures under policy, as one more authority (combinable
// with WithKey and WithIdentity). A statement of level skip trusts an image without looking at its
// signatures; Verdict.SkippedByPolicy then says which.
func WithNotationPolicy(policy *NotationPolicy) Option {
	return func(v *C.ocitrust_verifier) error {
		return policy.h.use(func(p *C.ocitrust_notation_policy) error {
			var cerr *C.ocitrust_error
			return takeError(C.ocitrust_verifier_add_notation_policy(v, p, &cerr), cerr)
		})
	}
}

// WithNotationScope is the trust policy scope (e.g. "local/app") notation signatures in an OCI
// layout are judged under (notation verify --oci-layout --scope).
func WithNotationScope(scope string) Option {
	return func(v *C.ocitrust_verifier) error {
		cscope, err := cString(scope, "scope")
		if err != nil {
			return err
		}
		defer C.free(unsafe.Pointer(cscope))
		var cerr *C.ocitrust_error
		return takeError(C.ocitrust_verifier_set_notation_scope(v, cscope, &cerr), cerr)
	}
}

// WithNotationMetadata requires the user metadata key=value in a notation signature (notation
// verify -m).
func WithNotationMetadata(key, value string) Option {
	return func(v *C.ocitrust_verifier) error {
		ckey, err := cString(key, "metadata key")
		if err != nil {
			return err
		}
		defer C.free(unsafe.Pointer(ckey))
		cvalue, err := cString(value, "metadata value")
		if err != nil {
			return err
		}
		defer C.free(unsafe.Pointer(cvalue))
		var cerr *C.ocitrust_error
		return takeError(C.ocitrust_verifier_require_notation_metadata(v, ckey, cvalue, &cerr), cerr)
	}
}
