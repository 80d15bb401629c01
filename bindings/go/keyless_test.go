package ocitrust_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ocitrust/ocitrust/bindings/go"
)

const (
	beacon       = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main"
	githubIssuer = "https://token.actions.githubusercontent.com"
)

func bundleFixture(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(fixture("bundle"), name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func production(t testing.TB) *ocitrust.TrustedRoot {
	t.Helper()
	root, err := ocitrust.ProductionTrustedRoot()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(root.Close)
	return root
}

func TestAKeylessBundleVerifiesWithWhatTheCertificateSays(t *testing.T) {
	v, err := ocitrust.NewVerifier(ocitrust.WithIdentity(ocitrust.Identity{Subject: beacon, Issuer: githubIssuer}, production(t)))
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	bundle, artifact := bundleFixture(t, "keyless.json"), bundleFixture(t, "a.txt")
	verdict, err := v.VerifyBlob(context.Background(), bundle, artifact, "a.txt")
	if err != nil || verdict.RequireTrusted() != nil {
		t.Fatalf("VerifyBlob: %v %v", err, verdict.RequireTrusted())
	}
	signer := verdict.Signatures[0].Signer
	if signer == nil || signer.Certificate == nil || signer.Certificate.Issuer != githubIssuer ||
		len(signer.Certificate.Subject) != 1 || signer.Certificate.Subject[0] != beacon ||
		signer.Certificate.Claims["github-workflow-repository"] != "sigstore-conformance/extremely-dangerous-public-oidc-beacon" ||
		!strings.HasPrefix(signer.Authority, "keyless identity") {
		t.Fatalf("signer = %+v (certificate %+v)", signer, signer.Certificate)
	}
	checks := map[string]string{}
	for _, c := range verdict.Signatures[0].Checks {
		checks[c.Name] = c.Outcome
	}
	for _, name := range []string{ocitrust.CheckTlog, ocitrust.CheckTimestamp, ocitrust.CheckCertificate, ocitrust.CheckSct, ocitrust.CheckIdentity} {
		if checks[name] != ocitrust.OutcomePassed {
			t.Errorf("check %s: %q", name, checks[name])
		}
	}
	// By digest, and for another artifact.
	verdict, err = v.VerifyBlobDigest(context.Background(), bundle, "sha256:a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf", "a.txt")
	if err != nil || !verdict.Trusted {
		t.Fatalf("VerifyBlobDigest: %v %+v", err, verdict)
	}
	verdict, err = v.VerifyBlob(context.Background(), bundle, []byte("another artifact"), "other")
	if err != nil || !errors.Is(verdict.RequireTrusted(), ocitrust.ErrNoMatchingSignatures) {
		t.Fatalf("another artifact: %v %v", err, verdict)
	}
	if _, err := v.VerifyBlob(context.Background(), []byte("{"), artifact, "a.txt"); !errors.Is(err, ocitrust.ErrInvalidPayload) {
		t.Fatalf("malformed bundle: %v", err)
	}
}

func TestWrongIdentityIssuerOrClaimIsRefusedWithWhatWasFound(t *testing.T) {
	bundle, artifact := bundleFixture(t, "keyless.json"), bundleFixture(t, "a.txt")
	cases := []struct {
		identity ocitrust.Identity
		want     string
	}{
		{ocitrust.Identity{Subject: beacon, Issuer: "https://google.com"}, `expected issuer value "https://google.com", got "` + githubIssuer + `"`},
		{ocitrust.Identity{Subject: `^https://github\.com/someone-else/`, SubjectRegexp: true, Issuer: githubIssuer}, `expected SAN value to match regex "^https://github\.com/someone-else/", got "` + beacon + `"`},
		{ocitrust.Identity{Subject: beacon, Issuer: githubIssuer, GitHubClaims: map[string]string{"github-workflow-ref": "refs/heads/other"}}, "github-workflow-ref"},
	}
	for _, c := range cases {
		v, err := ocitrust.NewVerifier(ocitrust.WithIdentity(c.identity, production(t)))
		if err != nil {
			t.Fatal(err)
		}
		verdict, err := v.VerifyBlob(context.Background(), bundle, artifact, "a.txt")
		v.Close()
		if err != nil {
			t.Fatal(err)
		}
		if trustErr := verdict.RequireTrusted(); !errors.Is(trustErr, ocitrust.ErrNoMatchingSignatures) || !strings.Contains(trustErr.Error(), c.want) {
			t.Errorf("%+v: %v", c.identity, trustErr)
		}
	}
	// A regexp identity that matches; a regexp that does not compile; an unknown claim.
	v, err := ocitrust.NewVerifier(ocitrust.WithIdentity(ocitrust.Identity{Subject: "extremely-dangerous", SubjectRegexp: true, Issuer: `githubusercontent\.com$`, IssuerRegexp: true}, production(t)))
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	if verdict, err := v.VerifyBlob(context.Background(), bundle, artifact, "a.txt"); err != nil || !verdict.Trusted {
		t.Fatalf("regexp identity: %v %+v", err, verdict)
	}
	if _, err := ocitrust.NewVerifier(ocitrust.WithIdentity(ocitrust.Identity{Subject: "(", SubjectRegexp: true, Issuer: "x"}, production(t))); !errors.Is(err, ocitrust.ErrInvalidArgument) {
		t.Fatalf("bad regexp: %v", err)
	}
	if _, err := ocitrust.NewVerifier(ocitrust.WithIdentity(ocitrust.Identity{Subject: "x", Issuer: "y", GitHubClaims: map[string]string{"colour": "blue"}}, production(t))); !errors.Is(err, ocitrust.ErrInvalidArgument) {
		t.Fatalf("unknown claim: %v", err)
	}
}

func TestAKeySignedBundleUnderItsOwnTrustedRoot(t *testing.T) {
	key, err := ocitrust.LoadPublicKey(bundleFixture(t, "key.pub"))
	if err != nil {
		t.Fatal(err)
	}
	defer key.Close()
	root, err := ocitrust.LoadTrustedRootFile(filepath.Join(fixture("bundle"), "key-trusted-root.json"))
	if err != nil {
		t.Fatal(err)
	}
	bundle, artifact := bundleFixture(t, "key.json"), bundleFixture(t, "a.txt")
	withRoot, err := ocitrust.NewVerifier(ocitrust.WithKey(key), ocitrust.WithTrustedRoot(root))
	if err != nil {
		t.Fatal(err)
	}
	root.Close() // the verifier keeps its own reference
	defer withRoot.Close()
	verdict, err := withRoot.VerifyBlob(context.Background(), bundle, artifact, "a.txt")
	if err != nil || !verdict.Trusted || verdict.Signatures[0].Signer.Certificate != nil {
		t.Fatalf("key bundle: %v %+v", err, verdict)
	}
	production, err := ocitrust.NewVerifier(ocitrust.WithKey(key))
	if err != nil {
		t.Fatal(err)
	}
	defer production.Close()
	verdict, err = production.VerifyBlob(context.Background(), bundle, artifact, "a.txt")
	if err != nil || !strings.Contains(verdict.RequireTrusted().Error(), "does not list") {
		t.Fatalf("under the production root: %v %v", err, verdict.RequireTrusted())
	}
	if _, err := ocitrust.LoadTrustedRoot([]byte("{}")); !errors.Is(err, ocitrust.ErrInvalidArgument) {
		t.Fatalf("bad root: %v", err)
	}
	if _, err := ocitrust.NewVerifier(ocitrust.WithTrustedRoot(root)); !errors.Is(err, ocitrust.ErrClosed) {
		t.Fatalf("closed root: %v", err)
	}
}

// keylessSampleIdentity is who signed the keyless fixture, and under which issuer.
func keylessSampleIdentity(t testing.TB) ocitrust.Identity {
	t.Helper()
	issuer, err := os.ReadFile(fixture("keyless/issuer"))
	if err != nil {
		t.Fatal(err)
	}
	return ocitrust.Identity{Subject: "ci@example.com", Issuer: strings.TrimSpace(string(issuer))}
}

func TestKeylessSignedImagesInLayouts(t *testing.T) {
	root, err := ocitrust.LoadTrustedRootFile(fixture("keyless/trusted_root.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	identity := keylessSampleIdentity(t)
	v, err := ocitrust.NewVerifier(ocitrust.WithIdentity(identity, root))
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	verdict, err := v.Verify(context.Background(), layout("keyless/layout-bundle"))
	if err != nil || verdict.RequireTrusted() != nil {
		t.Fatalf("bundle referrer: %v %v", err, verdict.RequireTrusted())
	}
	if c := verdict.Signatures[0].Signer.Certificate; c == nil || c.Subject[0] != "ci@example.com" || c.Issuer != identity.Issuer {
		t.Fatalf("certificate = %+v", c)
	}
	verdict, err = v.Verify(context.Background(), layout("keyless/layout-legacy"))
	if err != nil || !strings.Contains(verdict.RequireTrusted().Error(), "no transparency-log entry") {
		t.Fatalf("legacy layer without the opt-in: %v %v", err, verdict.RequireTrusted())
	}
	relaxed, err := ocitrust.NewVerifier(ocitrust.WithIdentity(identity, root), ocitrust.WithInsecureIgnoreTlog())
	if err != nil {
		t.Fatal(err)
	}
	defer relaxed.Close()
	verdict, err = relaxed.Verify(context.Background(), layout("keyless/layout-legacy"))
	if err != nil || verdict.RequireTrusted() != nil || len(verdict.Insecure) != 1 {
		t.Fatalf("legacy layer with the opt-in: %v %v %v", err, verdict.RequireTrusted(), verdict.Insecure)
	}
	verdict, err = v.Verify(context.Background(), layout("keyless/layout-rekor"))
	if err != nil || verdict.RequireTrusted() != nil || len(verdict.Insecure) != 0 {
		t.Fatalf("legacy layer with a Rekor bundle: %v %v %v", err, verdict.RequireTrusted(), verdict.Insecure)
	}
	tlogPassed := false
	for _, check := range verdict.Signatures[0].Checks {
		tlogPassed = tlogPassed || (check.Name == ocitrust.CheckTlog && check.Outcome == ocitrust.OutcomePassed)
	}
	if !tlogPassed {
		t.Fatalf("the Rekor bundle's check: %+v", verdict.Signatures[0].Checks)
	}
	verdict, err = v.VerifyAttestations(context.Background(), layout("keyless/layout-attestation"), "cyclonedx")
	if err != nil || verdict.RequireTrusted() != nil || len(verdict.Attestations) != 1 {
		t.Fatalf("keyless attestation: %v %v", err, verdict.RequireTrusted())
	}
	if !strings.Contains(string(verdict.Attestations[0].Predicate), `"bomFormat":"CycloneDX"`) || verdict.Signatures[0].Signer.Certificate.Subject[0] != "ci@example.com" {
		t.Fatalf("keyless attestation: %s %+v", verdict.Attestations[0].Predicate, verdict.Signatures[0].Signer)
	}
	stranger, err := ocitrust.NewVerifier(ocitrust.WithIdentity(ocitrust.Identity{Subject: "someone@example.com", Issuer: identity.Issuer}, root))
	if err != nil {
		t.Fatal(err)
	}
	defer stranger.Close()
	verdict, err = stranger.Verify(context.Background(), layout("keyless/layout-bundle"))
	if err != nil || !strings.Contains(verdict.RequireTrusted().Error(), `expected SAN value "someone@example.com"`) {
		t.Fatalf("another identity: %v %v", err, verdict.RequireTrusted())
	}
	verdict, err = stranger.Verify(context.Background(), layout("keyless/layout-rekor"))
	if err != nil || !strings.Contains(verdict.RequireTrusted().Error(), `expected SAN value "someone@example.com"`) {
		t.Fatalf("another identity, Rekor bundle: %v %v", err, verdict.RequireTrusted())
	}
}

func TestACertificateAndAChainGivenOutOfBand(t *testing.T) {
	read := func(name string) []byte {
		data, err := os.ReadFile(fixture(name))
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	root, err := ocitrust.LoadTrustedRootFile(fixture("keyless/trusted_root.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	chained, err := root.WithCertificateChain(read("keyless/fulcio-chain.pem"))
	if err != nil {
		t.Fatal(err)
	}
	defer chained.Close()
	identity := ocitrust.Identity{
		Subject:     "ci@example.com",
		Issuer:      strings.TrimSpace(string(read("keyless/issuer"))),
		Certificate: read("keyless/legacy-certificate.pem"),
	}
	v, err := ocitrust.NewVerifier(ocitrust.WithIdentity(identity, chained), ocitrust.WithInsecureIgnoreTlog())
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	verdict, err := v.Verify(context.Background(), layout("keyless/layout-legacy"))
	if err != nil || verdict.RequireTrusted() != nil {
		t.Fatalf("the layer made with that certificate: %v %v", err, verdict.RequireTrusted())
	}
	verdict, err = v.Verify(context.Background(), layout("keyless/layout-bundle"))
	if err != nil || !strings.Contains(verdict.RequireTrusted().Error(), "not the signing certificate given out of band") {
		t.Fatalf("a bundle with another certificate: %v %v", err, verdict.RequireTrusted())
	}
	if _, err := root.WithCertificateChain(identity.Certificate); !errors.Is(err, ocitrust.ErrInvalidCertificate) {
		t.Fatalf("a leaf as a chain: %v", err)
	}
	bad := identity
	bad.Certificate = []byte("nope")
	if _, err := ocitrust.NewVerifier(ocitrust.WithIdentity(bad, root)); !errors.Is(err, ocitrust.ErrInvalidCertificate) {
		t.Fatalf("bytes that are no certificate: %v", err)
	}
}
