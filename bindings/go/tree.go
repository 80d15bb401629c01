package ocitrust

/*
#include <stdlib.h>
#include "ocitrust.h"
*/
import "C"

import (
	"context"
	"encoding/json"
	"unsafe"
)

// Attached is what is attached to an image in a registry: cosign's tag-scheme artifacts and the
// image's OCI 1.1 referrers.
type Attached struct {
	// Subject is the image's digest.
	Subject string `json:"subject"`
	// TagScheme lists the sha256-<hex>.sig / .att / .sbom artifacts present.
	TagScheme []TagArtifact `json:"tag_scheme"`
	// Referrers lists the image's referrers.
	Referrers []Referrer `json:"referrers"`
	// ReferrersSource is "api", or "tag-schema" when the registry has no referrers API.
	ReferrersSource string `json:"referrers_source"`
}

// TagArtifact is one tag-scheme artifact.
type TagArtifact struct {
	// Kind is "signatures", "attestations" or "sboms".
	Kind string `json:"kind"`
	// Reference is where it is, registry/repo:sha256-<hex>.<suffix>.
	Reference string `json:"reference"`
	// Layers are the digests of its layers, one per signature, attestation or SBOM.
	Layers []string `json:"layers"`
}

// Referrer is one manifest that refers to the image.
type Referrer struct {
	Digest       string `json:"digest"`
	MediaType    string `json:"media_type"`
	ArtifactType string `json:"artifact_type,omitempty"`
	Size         uint64 `json:"size"`
}

// Tree lists what is attached to the image reference names in its registry, reached with this
// verifier's registry options.
func (v *Verifier) Tree(ctx context.Context, reference string) (*Attached, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	cref, err := cString(reference, "reference")
	if err != nil {
		return nil, err
	}
	defer C.free(unsafe.Pointer(cref))
	var attached Attached
	err = v.h.use(func(ptr *C.ocitrust_verifier) error {
		var out *C.ocitrust_attached
		var cerr *C.ocitrust_error
		if err := takeError(C.ocitrust_verifier_tree(ptr, cref, &out, &cerr), cerr); err != nil {
			return err
		}
		defer C.ocitrust_attached_free(&out)
		text, err := readBytes(func(buf *C.uint8_t, n C.size_t, l *C.size_t) C.ocitrust_result {
			return C.ocitrust_attached_json(out, (*C.char)(unsafe.Pointer(buf)), n, l)
		})
		if err != nil {
			return err
		}
		if err := json.Unmarshal(text, &attached); err != nil {
			return &Error{Code: CodeInternal, Message: "decoding the tree: " + err.Error()}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &attached, nil
}

// Triangulate returns where the kind artifacts ("signature", "attestation", "sbom") of reference
// are stored, or for kind "digest" the image pinned by digest, as cosign triangulate prints it; a
// tag is resolved in the registry.
func (v *Verifier) Triangulate(ctx context.Context, reference, kind string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	cref, err := cString(reference, "reference")
	if err != nil {
		return "", err
	}
	defer C.free(unsafe.Pointer(cref))
	ckind, err := cString(kind, "kind")
	if err != nil {
		return "", err
	}
	defer C.free(unsafe.Pointer(ckind))
	var location string
	err = v.h.use(func(ptr *C.ocitrust_verifier) error {
		buf := make([]byte, C.OCITRUST_LOCATION_SIZE_MAX)
		var length C.size_t
		var cerr *C.ocitrust_error
		rc := C.ocitrust_verifier_triangulate(ptr, cref, ckind, (*C.char)(unsafe.Pointer(&buf[0])), C.size_t(len(buf)), &length, &cerr)
		if err := takeError(rc, cerr); err != nil {
			return err
		}
		location = string(buf[:length])
		return nil
	})
	return location, err
}
