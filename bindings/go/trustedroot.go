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

// TrustedRoot is Sigstore trust material (a trusted_root.json: Fulcio CAs, Rekor logs, CT logs,
// timestamp authorities). Identities and verifiers keep their own reference, so it may be closed
// once they are made.
type TrustedRoot struct {
	h handle[*C.ocitrust_trusted_root]
}

func newTrustedRoot(ptr *C.ocitrust_trusted_root) *TrustedRoot {
	r := &TrustedRoot{}
	r.h.ptr = ptr
	runtime.SetFinalizer(r, (*TrustedRoot).Close)
	return r
}

// ProductionTrustedRoot is the public-good Sigstore root embedded in the library (the default).
func ProductionTrustedRoot() (*TrustedRoot, error) {
	var ptr *C.ocitrust_trusted_root
	var cerr *C.ocitrust_error
	if err := takeError(C.ocitrust_trusted_root_production(&ptr, &cerr), cerr); err != nil {
		return nil, err
	}
	return newTrustedRoot(ptr), nil
}

// LoadTrustedRoot parses a trusted_root.json document (a private Sigstore deployment's).
func LoadTrustedRoot(json []byte) (*TrustedRoot, error) {
	data, n := cBytes(json)
	defer C.free(unsafe.Pointer(data))
	var ptr *C.ocitrust_trusted_root
	var cerr *C.ocitrust_error
	if err := takeError(C.ocitrust_trusted_root_from_json(data, n, &ptr, &cerr), cerr); err != nil {
		return nil, err
	}
	return newTrustedRoot(ptr), nil
}

// LoadTrustedRootFile reads a trusted_root.json from path (--trusted-root).
func LoadTrustedRootFile(path string) (*TrustedRoot, error) {
	cpath, err := cString(path, "path")
	if err != nil {
		return nil, err
	}
	defer C.free(unsafe.Pointer(cpath))
	var ptr *C.ocitrust_trusted_root
	var cerr *C.ocitrust_error
	if err := takeError(C.ocitrust_trusted_root_from_file(cpath, &ptr, &cerr), cerr); err != nil {
		return nil, err
	}
	return newTrustedRoot(ptr), nil
}

// WithCertificateChain is a copy of r whose Fulcio certificate authorities are replaced by the CA
// chain in chainPEM (the CA that issues signing certificates first, the root last; cosign's
// --certificate-chain). Its logs and timestamp authorities are kept.
func (r *TrustedRoot) WithCertificateChain(chainPEM []byte) (*TrustedRoot, error) {
	data, n := cBytes(chainPEM)
	defer C.free(unsafe.Pointer(data))
	var ptr *C.ocitrust_trusted_root
	err := r.h.use(func(root *C.ocitrust_trusted_root) error {
		var cerr *C.ocitrust_error
		return takeError(C.ocitrust_trusted_root_with_certificate_chain(root, data, n, &ptr, &cerr), cerr)
	})
	if err != nil {
		return nil, err
	}
	return newTrustedRoot(ptr), nil
}

// Close frees the root. Idempotent; safe to call concurrently.
func (r *TrustedRoot) Close() {
	r.h.close(func(p **C.ocitrust_trusted_root) { C.ocitrust_trusted_root_free(p) })
}
