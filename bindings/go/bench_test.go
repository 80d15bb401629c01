package ocitrust_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	ocitrust "github.com/ocitrust/ocitrust/bindings/go"
)

// The Go side of benches/compare_ffi.sh: the same verifications as benches/benches/ffi_verify.rs
// (the sample image, from bytes in memory and from the layout on disk), through the Go binding.

func benchVerifier(b *testing.B) *ocitrust.Verifier {
	return newVerifier(b, ocitrust.WithInsecureIgnoreTlog(), ocitrust.WithAnnotation("org", "ocitrust-sample"))
}

func BenchmarkVerifyBytes(b *testing.B) {
	v := benchVerifier(b)
	read := func(hex string) []byte {
		data, err := os.ReadFile(filepath.Join("../../examples/sample-image/layout/blobs/sha256", hex))
		if err != nil {
			b.Fatal(err)
		}
		return data
	}
	subject, signature, payload := read(sampleDigest[len("sha256:"):]), read(signatureManifest), read(signedPayload)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		verdict, err := v.VerifyBytes(ctx, "sample", subject, signature, [][]byte{payload})
		if err != nil || !verdict.Trusted {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyLayout(b *testing.B) {
	v := benchVerifier(b)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		verdict, err := v.Verify(ctx, "oci:../../examples/sample-image/layout")
		if err != nil || !verdict.Trusted {
			b.Fatal(err)
		}
	}
}
