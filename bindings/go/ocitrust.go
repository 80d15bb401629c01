// Package ocitrust verifies (and signs) cosign signatures on OCI images from Go, through the
// ocitrust C ABI (include/ocitrust.h), linked statically.
//
// Build: install the C library once, then point pkg-config at it:
//
//	make install PREFIX=$HOME/.local                       # at the ocitrust repository root
//	export PKG_CONFIG_PATH=$HOME/.local/lib/pkgconfig
//	go build ./...                                         # links libocitrust.a via pkg-config ocitrust-static
//
// Use:
//
//	key, err := ocitrust.LoadPublicKeyFile("cosign.pub")
//	if err != nil { ... }
//	defer key.Close()
//	verifier, err := ocitrust.NewVerifier(ocitrust.WithKey(key), ocitrust.WithAnnotation("org", "acme"))
//	if err != nil { ... }
//	defer verifier.Close()
//	verdict, err := verifier.Verify(ctx, "oci:/path/to/layout")
//	if err != nil { ... }                                  // evidence unreadable or corrupt
//	if err := verdict.RequireTrusted(); err != nil { ... } // errors.Is(err, ocitrust.ErrNoSignatures)
//
// Memory: every value the C library returns is copied into Go values before the call returns;
// no Go pointer is kept by C. PublicKey, Verifier and SigningKey own C handles: call Close when
// done (it is idempotent and safe to call concurrently); a finalizer frees a forgotten handle.
//
// Concurrency: a Verifier is immutable once made and may be used from many goroutines at once.
package ocitrust

/*
#cgo pkg-config: ocitrust-static
#include <stdlib.h>
#include "ocitrust.h"
*/
import "C"

// Version is the version of the linked ocitrust library ("MAJOR.MINOR.PATCH").
func Version() string {
	return C.GoString(C.ocitrust_version())
}

// HeaderVersion is the version of the header this package was compiled against. It equals
// Version unless the library was swapped underneath.
func HeaderVersion() (major, minor, patch int) {
	return C.OCITRUST_VERSION_MAJOR, C.OCITRUST_VERSION_MINOR, C.OCITRUST_VERSION_PATCH
}
