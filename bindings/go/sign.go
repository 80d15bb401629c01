package ocitrust

/*
#include <stdlib.h>
#include <string.h>
#include "ocitrust.h"
*/
import "C"

import (
	"runtime"
	"sort"
	"unsafe"
)

// KeyPair is a generated ECDSA P-256 key pair encoded as cosign writes cosign.key and cosign.pub.
type KeyPair struct {
	// PrivateKeyPEM is the encrypted private key (cosign.key).
	PrivateKeyPEM []byte
	// PublicKeyPEM is the public key (cosign.pub).
	PublicKeyPEM []byte
}

// GenerateKeyPair generates a key pair; the private key is encrypted with password (may be empty)
// exactly as cosign generate-key-pair does.
func GenerateKeyPair(password []byte) (*KeyPair, error) {
	pw, pwLen := cBytes(password)
	defer C.free(unsafe.Pointer(pw))
	var pair *C.ocitrust_key_pair
	var cerr *C.ocitrust_error
	if err := takeError(C.ocitrust_key_pair_generate(pw, pwLen, &pair, &cerr), cerr); err != nil {
		return nil, err
	}
	defer C.ocitrust_key_pair_free(&pair)
	private, err := readString(func(buf *C.char, n C.size_t, out *C.size_t) C.ocitrust_result {
		return C.ocitrust_key_pair_private_key_pem(pair, buf, n, out)
	})
	if err != nil {
		return nil, err
	}
	public, err := readString(func(buf *C.char, n C.size_t, out *C.size_t) C.ocitrust_result {
		return C.ocitrust_key_pair_public_key_pem(pair, buf, n, out)
	})
	if err != nil {
		return nil, err
	}
	return &KeyPair{PrivateKeyPEM: []byte(private), PublicKeyPEM: []byte(public)}, nil
}

// SigningKey is a private key that signs images. Close wipes and frees it.
type SigningKey struct {
	h handle[*C.ocitrust_signing_key]
}

// LoadSigningKey loads an encrypted cosign key (decrypted with password) or an unencrypted PEM key.
// A wrong password gives ErrKeyDecryption.
func LoadSigningKey(pem, password []byte) (*SigningKey, error) {
	data, n := cBytes(pem)
	defer C.free(unsafe.Pointer(data))
	pw, pwLen := cBytes(password)
	defer func() {
		if pw != nil {
			C.memset(unsafe.Pointer(pw), 0, pwLen) // the password copy is wiped before it is freed
			C.free(unsafe.Pointer(pw))
		}
	}()
	var ptr *C.ocitrust_signing_key
	var cerr *C.ocitrust_error
	if err := takeError(C.ocitrust_signing_key_from_pem(data, n, pw, pwLen, &ptr, &cerr), cerr); err != nil {
		return nil, err
	}
	k := &SigningKey{}
	k.h.ptr = ptr
	runtime.SetFinalizer(k, (*SigningKey).Close)
	return k, nil
}

// Close wipes and frees the key. Idempotent; safe to call concurrently.
func (k *SigningKey) Close() {
	k.h.close(func(p **C.ocitrust_signing_key) { C.ocitrust_signing_key_free(p) })
}

// SignOptions says what goes into the signed payload, and how to reach the registry.
type SignOptions struct {
	// Annotations go into the payload's "optional" section (cosign sign -a key=value).
	Annotations map[string]string
	// Identity is the payload's docker-reference; empty means the layout path or the repository.
	Identity string
	// Registry says how to reach the registry when signing an image in one.
	Registry RegistryOptions
}

// SignOutcome says what Sign wrote.
type SignOutcome struct {
	// SubjectDigest is the digest that was signed.
	SubjectDigest string
	// SignatureDigest is the digest of the new signature manifest.
	SignatureDigest string
	// Location is where the signature is stored.
	Location string
}

// Sign signs the image reference names as cosign sign --key does: in a registry
// (registry/repo[:tag|@digest], reached as opts.Registry says) at the sha256-<hex>.sig tag, or in an
// OCI layout (oci:PATH[:TAG|@DIGEST]). The registry or layout changes only when signing succeeds.
func Sign(reference string, key *SigningKey, opts SignOptions) (*SignOutcome, error) {
	cref, err := cString(reference, "reference")
	if err != nil {
		return nil, err
	}
	defer C.free(unsafe.Pointer(cref))
	var identity *C.char
	if opts.Identity != "" {
		if identity, err = cString(opts.Identity, "identity"); err != nil {
			return nil, err
		}
		defer C.free(unsafe.Pointer(identity))
	}
	keys := make([]string, 0, len(opts.Annotations))
	for k := range opts.Annotations {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var annotations *C.ocitrust_annotation
	if len(keys) > 0 {
		annotations = (*C.ocitrust_annotation)(C.malloc(C.size_t(len(keys)) * C.size_t(unsafe.Sizeof(C.ocitrust_annotation{}))))
		defer C.free(unsafe.Pointer(annotations))
		slots := unsafe.Slice(annotations, len(keys))
		for i, k := range keys {
			ckey, err := cString(k, "annotation key")
			if err != nil {
				return nil, err
			}
			defer C.free(unsafe.Pointer(ckey))
			cvalue, err := cString(opts.Annotations[k], "annotation value")
			if err != nil {
				return nil, err
			}
			defer C.free(unsafe.Pointer(cvalue))
			slots[i] = C.ocitrust_annotation{key: ckey, value: cvalue}
		}
	}
	return signWith(key, opts.Registry, func(k *C.ocitrust_signing_key, registry *C.ocitrust_registry_options, out **C.ocitrust_sign_outcome, cerr **C.ocitrust_error) C.ocitrust_result {
		return C.ocitrust_sign(k, cref, annotations, C.size_t(len(keys)), identity, registry, out, cerr)
	})
}

// AttestOptions says what Attest puts in the attestation.
type AttestOptions struct {
	// PredicateType is cosign's --type: "cyclonedx", "spdxjson", "slsaprovenance1", "custom", …
	// or a URI.
	PredicateType string
	// Predicate is the predicate file's bytes (--predicate).
	Predicate []byte
	// Replace drops the image's attestations of the same predicate type first (--replace).
	Replace bool
	// NewBundleFormat writes a Sigstore bundle referrer, as cosign v3 does, instead of a layer of
	// the .att manifest (--new-bundle-format; Replace must then be false).
	NewBundleFormat bool
	// Identity names the statement's subject; empty means the layout path or the repository.
	Identity string
	// Registry says how to reach the registry when attesting an image in one.
	Registry RegistryOptions
}

// Attest attests the image reference names as cosign attest --key --tlog-upload=false does: the
// predicate in an in-toto statement about its digest, signed with key in a DSSE envelope, added to
// its .att manifest (in a registry or an OCI layout). The outcome's SignatureDigest is the new
// attestation manifest's. Nothing changes when attesting fails.
func Attest(reference string, key *SigningKey, opts AttestOptions) (*SignOutcome, error) {
	cref, err := cString(reference, "reference")
	if err != nil {
		return nil, err
	}
	defer C.free(unsafe.Pointer(cref))
	ctype, err := cString(opts.PredicateType, "predicate type")
	if err != nil {
		return nil, err
	}
	defer C.free(unsafe.Pointer(ctype))
	var identity *C.char
	if opts.Identity != "" {
		if identity, err = cString(opts.Identity, "identity"); err != nil {
			return nil, err
		}
		defer C.free(unsafe.Pointer(identity))
	}
	predicate, predicateLen := cBytes(opts.Predicate)
	defer C.free(unsafe.Pointer(predicate))
	return signWith(key, opts.Registry, func(k *C.ocitrust_signing_key, registry *C.ocitrust_registry_options, out **C.ocitrust_sign_outcome, cerr **C.ocitrust_error) C.ocitrust_result {
		return C.ocitrust_attest(k, cref, ctype, predicate, predicateLen, C.bool(opts.Replace), C.bool(opts.NewBundleFormat), identity, registry, out, cerr)
	})
}

// signWith runs call (ocitrust_sign or ocitrust_attest) with key and the registry options, and
// reads what it wrote.
func signWith(key *SigningKey, reg RegistryOptions, call func(*C.ocitrust_signing_key, *C.ocitrust_registry_options, **C.ocitrust_sign_outcome, **C.ocitrust_error) C.ocitrust_result) (*SignOutcome, error) {
	var outcome SignOutcome
	err := key.h.use(func(ptr *C.ocitrust_signing_key) error {
		var out *C.ocitrust_sign_outcome
		var cerr *C.ocitrust_error
		err := reg.withC(func(registry *C.ocitrust_registry_options) error {
			return takeError(call(ptr, registry, &out, &cerr), cerr)
		})
		if err != nil {
			return err
		}
		defer C.ocitrust_sign_outcome_free(&out)
		fields := []struct {
			dst *string
			get func(*C.ocitrust_sign_outcome, *C.char, C.size_t, *C.size_t) C.ocitrust_result
		}{
			{&outcome.SubjectDigest, func(o *C.ocitrust_sign_outcome, b *C.char, n C.size_t, l *C.size_t) C.ocitrust_result {
				return C.ocitrust_sign_outcome_subject_digest(o, b, n, l)
			}},
			{&outcome.SignatureDigest, func(o *C.ocitrust_sign_outcome, b *C.char, n C.size_t, l *C.size_t) C.ocitrust_result {
				return C.ocitrust_sign_outcome_signature_digest(o, b, n, l)
			}},
			{&outcome.Location, func(o *C.ocitrust_sign_outcome, b *C.char, n C.size_t, l *C.size_t) C.ocitrust_result {
				return C.ocitrust_sign_outcome_location(o, b, n, l)
			}},
		}
		for _, f := range fields {
			value, err := readString(func(b *C.char, n C.size_t, l *C.size_t) C.ocitrust_result { return f.get(out, b, n, l) })
			if err != nil {
				return err
			}
			*f.dst = value
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &outcome, nil
}
