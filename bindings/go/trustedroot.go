package ocitrust

/*
#include <stdlib.h>
#include "ocitrust.h"
*/
import "C"

import (
	"encoding/json"
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

// TrustedRootFromTUF is the trusted_root.json target of the TUF repository at mirror ("" for
// Sigstore's public-good https://tuf-repo-cdn.sigstore.dev), cached under cacheDir ("" for
// $XDG_CACHE_HOME/ocitrust/tuf): the cache's while it verifies and has not expired, else updated
// from the mirror, a first update starting from initialRoot (a TUF root.json; nil for the
// public-good root embedded in the library). Every TUF rule is checked; an expired cache that
// cannot be refreshed is an error (ErrInvalidCertificate, or ErrNetwork when the mirror is down).
func TrustedRootFromTUF(mirror string, initialRoot []byte, cacheDir string) (*TrustedRoot, error) {
	var cmirror, ccache *C.char
	var err error
	if mirror != "" {
		if cmirror, err = cString(mirror, "mirror"); err != nil {
			return nil, err
		}
		defer C.free(unsafe.Pointer(cmirror))
	}
	if cacheDir != "" {
		if ccache, err = cString(cacheDir, "cacheDir"); err != nil {
			return nil, err
		}
		defer C.free(unsafe.Pointer(ccache))
	}
	var root *C.uint8_t
	var rootLen C.size_t
	if initialRoot != nil {
		root, rootLen = cBytes(initialRoot)
		defer C.free(unsafe.Pointer(root))
	}
	var ptr *C.ocitrust_trusted_root
	var cerr *C.ocitrust_error
	if err := takeError(C.ocitrust_trusted_root_from_tuf(cmirror, root, rootLen, ccache, &ptr, &cerr), cerr); err != nil {
		return nil, err
	}
	return newTrustedRoot(ptr), nil
}

// DefaultTrustedRoot is the root keyless verification uses by default, as the CLI chooses it: the
// TUF cache of the mirror `ocitrust initialize` set up (refreshed once expired), else the embedded
// public-good root; offline, always the embedded root.
func DefaultTrustedRoot(offline bool) (*TrustedRoot, error) {
	var flag C.int
	if offline {
		flag = 1
	}
	var ptr *C.ocitrust_trusted_root
	var cerr *C.ocitrust_error
	if err := takeError(C.ocitrust_trusted_root_default(flag, &ptr, &cerr), cerr); err != nil {
		return nil, err
	}
	return newTrustedRoot(ptr), nil
}

// TrustMaterial says where a trusted root came from.
type TrustMaterial struct {
	// Source is "embedded", "document", "policy-parts" or "tuf".
	Source string `json:"source"`
	// Location is the file's path or the TUF mirror's URL.
	Location string `json:"location,omitempty"`
	// TUF holds the versions of the TUF metadata that vouched for it.
	TUF *TUFVersions `json:"tuf,omitempty"`
	// SHA256 is the digest of the trusted_root.json bytes.
	SHA256 string `json:"sha256"`
}

// TUFVersions are the versions of a TUF repository's top-level metadata.
type TUFVersions struct {
	Root      uint64 `json:"root"`
	Timestamp uint64 `json:"timestamp"`
	Snapshot  uint64 `json:"snapshot"`
	Targets   uint64 `json:"targets"`
}

// Material says where r came from.
func (r *TrustedRoot) Material() (TrustMaterial, error) {
	var material TrustMaterial
	err := r.h.use(func(root *C.ocitrust_trusted_root) error {
		text, err := readString(func(buf *C.char, n C.size_t, out *C.size_t) C.ocitrust_result {
			return C.ocitrust_trusted_root_material(root, buf, n, out)
		})
		if err != nil {
			return err
		}
		return json.Unmarshal([]byte(text), &material)
	})
	return material, err
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
