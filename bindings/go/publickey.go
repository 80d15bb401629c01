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

// PublicKey is a public key trusted to sign images (ECDSA P-256/P-384, RSA, Ed25519).
// Verifiers copy it, so it may be closed once they are made.
type PublicKey struct {
	h handle[*C.ocitrust_public_key]
}

func newPublicKey(ptr *C.ocitrust_public_key) *PublicKey {
	k := &PublicKey{}
	k.h.ptr = ptr
	runtime.SetFinalizer(k, (*PublicKey).Close)
	return k
}

// LoadPublicKey parses a PEM public key (cosign.pub) or DER SubjectPublicKeyInfo.
func LoadPublicKey(pem []byte) (*PublicKey, error) {
	data, n := cBytes(pem)
	defer C.free(unsafe.Pointer(data))
	var ptr *C.ocitrust_public_key
	var cerr *C.ocitrust_error
	if err := takeError(C.ocitrust_public_key_from_pem(data, n, &ptr, &cerr), cerr); err != nil {
		return nil, err
	}
	return newPublicKey(ptr), nil
}

// LoadPublicKeyFile reads a public key from a file, as cosign verify --key PATH.
func LoadPublicKeyFile(path string) (*PublicKey, error) {
	cpath, err := cString(path, "path")
	if err != nil {
		return nil, err
	}
	defer C.free(unsafe.Pointer(cpath))
	var ptr *C.ocitrust_public_key
	var cerr *C.ocitrust_error
	if err := takeError(C.ocitrust_public_key_from_file(cpath, &ptr, &cerr), cerr); err != nil {
		return nil, err
	}
	return newPublicKey(ptr), nil
}

// LoadPublicKeyURL fetches a public key from an https:// URL (as vendors publish keys): over TLS
// verified against the system's roots (or SSL_CERT_FILE), at most 16 KiB, within 30 s. Plain
// http:// is refused with ErrInvalidArgument.
func LoadPublicKeyURL(url string) (*PublicKey, error) {
	curl, err := cString(url, "url")
	if err != nil {
		return nil, err
	}
	defer C.free(unsafe.Pointer(curl))
	var ptr *C.ocitrust_public_key
	var cerr *C.ocitrust_error
	if err := takeError(C.ocitrust_public_key_from_url(curl, &ptr, &cerr), cerr); err != nil {
		return nil, err
	}
	return newPublicKey(ptr), nil
}

// ID is the key id verdicts name signers by: hex SHA-256 of the DER SubjectPublicKeyInfo.
func (k *PublicKey) ID() (string, error) {
	var id string
	err := k.h.use(func(ptr *C.ocitrust_public_key) (err error) {
		id, err = readString(func(buf *C.char, n C.size_t, out *C.size_t) C.ocitrust_result {
			return C.ocitrust_public_key_id(ptr, buf, n, out)
		})
		return err
	})
	return id, err
}

// Close frees the key. It is idempotent and safe to call concurrently.
func (k *PublicKey) Close() {
	k.h.close(func(p **C.ocitrust_public_key) { C.ocitrust_public_key_free(p) })
}
