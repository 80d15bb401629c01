// Command verify checks the cosign signatures of an image in an OCI layout with a public key,
// through the ocitrust Go binding.
//
//	go run ./examples/verify --key cosign.pub [--insecure-ignore-tlog] [-a key=value] oci:PATH
//
// Exit status as cosign's: 0 trusted, 10 no signatures, 12 no matching signatures, 1 otherwise.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	ocitrust "github.com/ocitrust/ocitrust/bindings/go"
)

type annotations []string

func (a *annotations) String() string     { return strings.Join(*a, ",") }
func (a *annotations) Set(v string) error { *a = append(*a, v); return nil }

func main() {
	keyPath := flag.String("key", "", "public key (PEM or DER)")
	insecure := flag.Bool("insecure-ignore-tlog", false, "accept signatures without a transparency-log proof (insecure)")
	platform := flag.String("platform", "", "verify the manifest for this platform of an index (os/arch[/variant])")
	timeout := flag.Duration("timeout", 30*time.Second, "give up after this long")
	var required annotations
	flag.Var(&required, "a", "annotation the signed payload must carry, key=value (repeatable)")
	flag.Parse()
	if *keyPath == "" || flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: verify --key KEY [--insecure-ignore-tlog] [-a key=value]... [--platform os/arch] oci:PATH")
		os.Exit(1)
	}
	os.Exit(run(*keyPath, flag.Arg(0), *insecure, *platform, required, *timeout))
}

func run(keyPath, reference string, insecure bool, platform string, required []string, timeout time.Duration) int {
	key, err := ocitrust.LoadPublicKeyFile(keyPath)
	if err != nil {
		return fail(err)
	}
	defer key.Close()
	var opts []ocitrust.Option
	for _, a := range required {
		k, v, ok := strings.Cut(a, "=")
		if !ok {
			return fail(fmt.Errorf("-a %s: expected key=value", a))
		}
		opts = append(opts, ocitrust.WithAnnotation(k, v))
	}
	if platform != "" {
		opts = append(opts, ocitrust.WithPlatform(platform))
	}
	if insecure {
		fmt.Fprintln(os.Stderr, "WARNING: --insecure-ignore-tlog: no transparency-log proof is required")
		opts = append(opts, ocitrust.WithInsecureIgnoreTlog())
	}
	verifier, err := ocitrust.NewVerifier(append([]ocitrust.Option{ocitrust.WithKey(key)}, opts...)...)
	if err != nil {
		return fail(err)
	}
	defer verifier.Close()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	verdict, err := verifier.Verify(ctx, reference)
	if err != nil {
		return fail(err)
	}
	if err := verdict.RequireTrusted(); err != nil {
		return fail(err)
	}
	fmt.Printf("Verified %s (%s): %d signature(s) examined\n", reference, verdict.Subject.Digest, len(verdict.Signatures))
	return 0
}

func fail(err error) int {
	fmt.Fprintln(os.Stderr, "Error:", err)
	switch {
	case errors.Is(err, ocitrust.ErrNoSignatures):
		return 10
	case errors.Is(err, ocitrust.ErrNoMatchingSignatures):
		return 12
	default:
		return 1
	}
}
