package ocitrust_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	ocitrust "github.com/ocitrust/ocitrust/bindings/go"
)

const notationScope = "local/notation-sample"

// notationSample is oci:<fixture>/layout@<digest>: the image the real notation signed twice
// (a JWS with sample=notation, and a COSE envelope).
func notationSample(t *testing.T) string {
	t.Helper()
	digest, err := os.ReadFile(fixture("notation/digest"))
	if err != nil {
		t.Fatal(err)
	}
	return "oci:" + fixture("notation/layout") + "@" + strings.TrimSpace(string(digest))
}

func notationVerifier(t *testing.T, policy *ocitrust.NotationPolicy, options ...ocitrust.Option) *ocitrust.Verifier {
	t.Helper()
	v, err := ocitrust.NewVerifier(append([]ocitrust.Option{ocitrust.WithNotationPolicy(policy)}, options...)...)
	if err != nil {
		t.Fatal(err)
	}
	policy.Close()
	t.Cleanup(v.Close)
	return v
}

func TestNotationSignaturesVerifyUnderNotationsConfigDirectory(t *testing.T) {
	policy, err := ocitrust.LoadNotationConfig(fixture("notation/notation-config"))
	if err != nil {
		t.Fatal(err)
	}
	v := notationVerifier(t, policy, ocitrust.WithNotationScope(notationScope))
	verdict, err := v.Verify(context.Background(), notationSample(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := verdict.RequireTrusted(); err != nil {
		t.Fatal(err)
	}
	if len(verdict.Signatures) != 2 {
		t.Fatalf("%d signatures, want the JWS and the COSE one", len(verdict.Signatures))
	}
	for _, s := range verdict.Signatures {
		if s.Kind != "notation-signature" || !s.Verified || s.Signer == nil || !strings.Contains(s.Signer.X509Subject, "CN=rsa signer") {
			t.Fatalf("%+v", s)
		}
		seen := map[string]string{}
		for _, c := range s.Checks {
			seen[c.Name] = c.Outcome
		}
		for _, name := range []string{ocitrust.CheckIntegrity, ocitrust.CheckAuthenticity, ocitrust.CheckExpiry, ocitrust.CheckAuthenticTimestamp, ocitrust.CheckRevocation} {
			if seen[name] != ocitrust.OutcomePassed {
				t.Fatalf("%s: %q (%+v)", name, seen[name], s.Checks)
			}
		}
	}
	if verdict.SkippedByPolicy != "" {
		t.Fatalf("skipped: %q", verdict.SkippedByPolicy)
	}

	// The metadata the JWS carries, and a value nobody signed.
	policy, _ = ocitrust.LoadNotationConfig(fixture("notation/notation-config"))
	v = notationVerifier(t, policy, ocitrust.WithNotationScope(notationScope), ocitrust.WithNotationMetadata("sample", "other"))
	verdict, err = v.Verify(context.Background(), notationSample(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := verdict.RequireTrusted(); !errors.Is(err, ocitrust.ErrNoMatchingSignatures) || !strings.Contains(err.Error(), "unable to find specified metadata") {
		t.Fatalf("got %v", err)
	}
}

func TestNotationPoliciesInMemoryAndTheirFailures(t *testing.T) {
	root, err := os.ReadFile(fixture("notation/root.pem"))
	if err != nil {
		t.Fatal(err)
	}
	other, err := os.ReadFile(fixture("notation/other-root.pem"))
	if err != nil {
		t.Fatal(err)
	}
	policyFor := func(level string, certificates []byte) *ocitrust.NotationPolicy {
		t.Helper()
		policy, err := ocitrust.NewNotationPolicy([]byte(`{"version":"1.0","trustPolicies":[{"name":"mem","registryScopes":["` + notationScope + `"],"signatureVerification":{"level":"` + level + `"},"trustStores":["ca:mine"],"trustedIdentities":["x509.subject:C=US,ST=WA,O=ocitrust tests"]}]}`))
		if err != nil {
			t.Fatal(err)
		}
		if err := policy.AddCertificates("ca", "mine", certificates); err != nil {
			t.Fatal(err)
		}
		return policy
	}
	verify := func(policy *ocitrust.NotationPolicy) *ocitrust.Verdict {
		t.Helper()
		verdict, err := notationVerifier(t, policy, ocitrust.WithNotationScope(notationScope)).Verify(context.Background(), notationSample(t))
		if err != nil {
			t.Fatal(err)
		}
		return verdict
	}
	if !verify(policyFor("strict", root)).Trusted {
		t.Fatal("the sample's root does not vouch for it")
	}
	refused := verify(policyFor("strict", other))
	if err := refused.RequireTrusted(); err == nil || !strings.Contains(err.Error(), "does not contain any trusted certificate") {
		t.Fatalf("got %v", err)
	}
	audited := verify(policyFor("audit", other))
	logged := false
	for _, c := range audited.Signatures[0].Checks {
		logged = logged || (c.Name == ocitrust.CheckAuthenticity && c.Outcome == ocitrust.OutcomeFailedLogged)
	}
	if !audited.Trusted || !logged {
		t.Fatalf("audit: %+v", audited.Signatures[0])
	}

	files, err := ocitrust.LoadNotationPolicyFiles(fixture("notation/notation-config/trustpolicy.json"), fixture("notation/notation-config/truststore"))
	if err != nil {
		t.Fatal(err)
	}
	if !verify(files).Trusted {
		t.Fatal("named files")
	}

	skip, err := ocitrust.NewNotationPolicy([]byte(`{"version":"1.0","trustPolicies":[{"name":"s","registryScopes":["*"],"signatureVerification":{"level":"skip"}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	skipped := verify(skip)
	if !skipped.Trusted || len(skipped.Signatures) != 0 || !strings.Contains(skipped.SkippedByPolicy, "skips signature verification") || skipped.NotationScope != notationScope {
		t.Fatalf("skip: %+v", skipped)
	}
	// Without a scope, a layout is judged under the "*" statement only, and the verdict says so.
	skipAny, err := ocitrust.NewNotationPolicy([]byte(`{"version":"1.0","trustPolicies":[{"name":"s","registryScopes":["*"],"signatureVerification":{"level":"skip"}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	unscopedSkip, err := notationVerifier(t, skipAny).Verify(context.Background(), notationSample(t))
	if err != nil || !unscopedSkip.Trusted || unscopedSkip.NotationScope != "*" {
		t.Fatalf("no scope, * statement: %+v %v", unscopedSkip, err)
	}

	if _, err := ocitrust.NewNotationPolicy([]byte(`{"version":"2.0"}`)); !errors.Is(err, ocitrust.ErrInvalidPolicy) || !strings.Contains(err.Error(), "unsupported version") {
		t.Fatalf("got %v", err)
	}
	if _, err := ocitrust.LoadNotationConfig(fixture("not-a-file")); !errors.Is(err, ocitrust.ErrNotFound) {
		t.Fatalf("got %v", err)
	}
	bad := policyFor("strict", root)
	defer bad.Close()
	if err := bad.AddCertificates("ca2", "x", root); !errors.Is(err, ocitrust.ErrInvalidArgument) {
		t.Fatalf("got %v", err)
	}
	unscoped, err := ocitrust.LoadNotationConfig(fixture("notation/notation-config"))
	if err != nil {
		t.Fatal(err)
	}
	v := notationVerifier(t, unscoped, ocitrust.WithNotationScope("local/elsewhere"))
	if _, err := v.Verify(context.Background(), notationSample(t)); !errors.Is(err, ocitrust.ErrInvalidPolicy) || !strings.Contains(err.Error(), "no applicable trust policy") {
		t.Fatalf("got %v", err)
	}
	noWildcard, err := ocitrust.LoadNotationConfig(fixture("notation/notation-config"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := notationVerifier(t, noWildcard).Verify(context.Background(), notationSample(t)); !errors.Is(err, ocitrust.ErrInvalidPolicy) || !strings.Contains(err.Error(), "give the scope it is verified under") {
		t.Fatalf("no scope, no * statement: %v", err)
	}
}
