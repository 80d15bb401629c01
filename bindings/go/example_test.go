package ocitrust_test

import (
	"context"
	"errors"
	"fmt"

	ocitrust "github.com/ocitrust/ocitrust/bindings/go"
)

// Verifying the sample image embedded in the repository, then failing on the strict default.
func ExampleVerifier_Verify() {
	key, err := ocitrust.LoadPublicKeyFile("../../examples/sample-image/cosign.pub")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer key.Close()

	verifier, err := ocitrust.NewVerifier(ocitrust.WithKey(key), ocitrust.WithInsecureIgnoreTlog(), ocitrust.WithAnnotation("org", "ocitrust-sample"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer verifier.Close()
	verdict, err := verifier.Verify(context.Background(), "oci:../../examples/sample-image/layout")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("trusted:", verdict.RequireTrusted() == nil, verdict.Subject.Digest)

	strict, err := ocitrust.NewVerifier(ocitrust.WithKey(key))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer strict.Close()
	verdict, err = strict.Verify(context.Background(), "oci:../../examples/sample-image/layout")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("without a tlog proof:", errors.Is(verdict.RequireTrusted(), ocitrust.ErrNoMatchingSignatures))
	// Output:
	// trusted: true sha256:198ab5544a1261f11a03498d804fe00986882f0366803d30a27b353393736524
	// without a tlog proof: true
}
