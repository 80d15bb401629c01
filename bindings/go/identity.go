package ocitrust

/*
#include <stdlib.h>
#include "ocitrust.h"
*/
import "C"

import (
	"context"
	"sort"
	"unsafe"
)

// Identity is who must have signed a keyless signature, as its Fulcio certificate says: the
// subject (a SAN: email, URI) and the OIDC issuer, each exact or an RE2 regular expression matched
// anywhere unless anchored (cosign's --certificate-identity[-regexp], --certificate-oidc-issuer[-regexp]),
// and GitHub workflow claims that must equal (--certificate-github-workflow-*).
type Identity struct {
	Subject       string
	SubjectRegexp bool
	Issuer        string
	IssuerRegexp  bool
	// GitHubClaims maps claim names (github-workflow-trigger, -sha, -name, -repository, -ref) to
	// the values required.
	GitHubClaims map[string]string
	// Certificate, when set, is the signing certificate given out of band (PEM, the first
	// certificate is taken, or DER; cosign's --certificate): signatures must be made with it, and one
	// that carries another certificate is refused. It is verified like an attached one.
	Certificate []byte
}

// WithIdentity trusts keyless signatures by identity under root, as one more authority.
// Repeatable, and combinable with WithKey: any one authority vouching is enough.
func WithIdentity(identity Identity, root *TrustedRoot) Option {
	return func(v *C.ocitrust_verifier) error {
		subject, err := cString(identity.Subject, "subject")
		if err != nil {
			return err
		}
		defer C.free(unsafe.Pointer(subject))
		issuer, err := cString(identity.Issuer, "issuer")
		if err != nil {
			return err
		}
		defer C.free(unsafe.Pointer(issuer))
		var id *C.ocitrust_identity
		var cerr *C.ocitrust_error
		if err := takeError(C.ocitrust_identity_new(subject, C.bool(identity.SubjectRegexp), issuer,
			C.bool(identity.IssuerRegexp), &id, &cerr), cerr); err != nil {
			return err
		}
		defer C.ocitrust_identity_free(&id)
		names := make([]string, 0, len(identity.GitHubClaims))
		for name := range identity.GitHubClaims {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			if err := requireClaim(id, name, identity.GitHubClaims[name]); err != nil {
				return err
			}
		}
		if identity.Certificate != nil {
			data, n := cBytes(identity.Certificate)
			defer C.free(unsafe.Pointer(data))
			var cerr *C.ocitrust_error
			if err := takeError(C.ocitrust_identity_set_certificate(id, data, n, &cerr), cerr); err != nil {
				return err
			}
		}
		return root.h.use(func(r *C.ocitrust_trusted_root) error {
			var cerr *C.ocitrust_error
			return takeError(C.ocitrust_verifier_add_identity(v, id, r, &cerr), cerr)
		})
	}
}

func requireClaim(id *C.ocitrust_identity, name, value string) error {
	cname, err := cString(name, "claim name")
	if err != nil {
		return err
	}
	defer C.free(unsafe.Pointer(cname))
	cvalue, err := cString(value, "claim value")
	if err != nil {
		return err
	}
	defer C.free(unsafe.Pointer(cvalue))
	var cerr *C.ocitrust_error
	return takeError(C.ocitrust_identity_require_claim(id, cname, cvalue, &cerr), cerr)
}

// WithTrustedRoot checks the transparency-log entries of key-signed signatures against root's logs
// instead of the embedded production root's (--trusted-root). Identities carry their own root.
func WithTrustedRoot(root *TrustedRoot) Option {
	return func(v *C.ocitrust_verifier) error {
		return root.h.use(func(r *C.ocitrust_trusted_root) error {
			var cerr *C.ocitrust_error
			return takeError(C.ocitrust_verifier_set_trusted_root(v, r, &cerr), cerr)
		})
	}
}

// WithInsecureIgnoreSCT accepts Fulcio certificates without a verified signed certificate
// timestamp (--insecure-ignore-sct). Insecure; recorded in the verdict.
func WithInsecureIgnoreSCT() Option {
	return func(v *C.ocitrust_verifier) error {
		var cerr *C.ocitrust_error
		return takeError(C.ocitrust_verifier_set_insecure_ignore_sct(v, true, &cerr), cerr)
	}
}

// VerifyBlob verifies artifact with its Sigstore bundle (cosign verify-blob --bundle), offline;
// label names it in the verdict. A bundle that does not parse is an error (ErrInvalidPayload);
// otherwise the verdict says whether it is trusted and why not.
func (v *Verifier) VerifyBlob(ctx context.Context, bundle, artifact []byte, label string) (*Verdict, error) {
	return v.verifyBlob(ctx, bundle, artifact, "", label)
}

// VerifyBlobDigest is VerifyBlob for an artifact known only by its digest ("sha256:<hex>", or
// "sha512:<hex>" for a DSSE subject).
func (v *Verifier) VerifyBlobDigest(ctx context.Context, bundle []byte, digest, label string) (*Verdict, error) {
	return v.verifyBlob(ctx, bundle, nil, digest, label)
}

func (v *Verifier) verifyBlob(ctx context.Context, bundle, artifact []byte, digest, label string) (*Verdict, error) {
	return v.run(ctx, func(ptr *C.ocitrust_verifier, out **C.ocitrust_verdict, cerr **C.ocitrust_error) error {
		clabel, err := cString(label, "label")
		if err != nil {
			return err
		}
		defer C.free(unsafe.Pointer(clabel))
		cbundle, bundleLen := cBytes(bundle)
		defer C.free(unsafe.Pointer(cbundle))
		var cartifact *C.uint8_t
		var artifactLen C.size_t
		var cdigest *C.char
		if artifact != nil {
			cartifact, artifactLen = cBytes(artifact)
			if cartifact == nil { // an empty artifact is still an artifact, not "use the digest"
				cartifact = (*C.uint8_t)(C.malloc(1))
			}
			defer C.free(unsafe.Pointer(cartifact))
		} else {
			if cdigest, err = cString(digest, "digest"); err != nil {
				return err
			}
			defer C.free(unsafe.Pointer(cdigest))
		}
		return takeError(C.ocitrust_verifier_verify_blob(ptr, cbundle, bundleLen, cartifact, artifactLen, cdigest,
			clabel, out, cerr), *cerr)
	})
}
