package ocitrust_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	ocitrust "github.com/ocitrust/ocitrust/bindings/go"
)

const (
	sampleDigest      = "sha256:198ab5544a1261f11a03498d804fe00986882f0366803d30a27b353393736524"
	signatureManifest = "c4efa108f49639b69a8c1d84b725731e7b1dca5b9df6f1a3ac7aace1c5b1c49f"
	signedPayload     = "b8a819ff16fc17c716272b40b2740579062ec63236ce7fc77e85d16e809e914f"
)

// fixtures is the directory tests/tools/ffi_fixtures.py filled (shared with the C tests).
var fixtures string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "ocitrust-go-fixtures-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	fixtures = filepath.Join(dir, "fixtures")
	out, err := exec.Command("python3", "../../tests/tools/ffi_fixtures.py", fixtures).CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "making fixtures: %v\n%s", err, out)
		os.Exit(2)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func fixture(name string) string { return filepath.Join(fixtures, name) }

func layout(name string) string { return "oci:" + fixture(name) }

func sampleKey(t testing.TB) *ocitrust.PublicKey {
	t.Helper()
	key, err := ocitrust.LoadPublicKeyFile(fixture("cosign.pub"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(key.Close)
	return key
}

func newVerifier(t testing.TB, opts ...ocitrust.Option) *ocitrust.Verifier {
	t.Helper()
	v, err := ocitrust.NewVerifier(append([]ocitrust.Option{ocitrust.WithKey(sampleKey(t))}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(v.Close)
	return v
}

func TestVersionMatchesCargoToml(t *testing.T) {
	want, err := os.ReadFile(fixture("cargo-version"))
	if err != nil {
		t.Fatal(err)
	}
	if got := ocitrust.Version(); got != string(want) {
		t.Fatalf("Version() = %q, Cargo.toml says %q", got, want)
	}
	major, minor, patch := ocitrust.HeaderVersion()
	if got := fmt.Sprintf("%d.%d.%d", major, minor, patch); got != string(want) {
		t.Fatalf("HeaderVersion() = %s, Cargo.toml says %s", got, want)
	}
}

func TestVerifiesTheSampleImage(t *testing.T) {
	at := time.Unix(1700000000, 0).UTC()
	v := newVerifier(t, ocitrust.WithInsecureIgnoreTlog(), ocitrust.WithAnnotation("org", "ocitrust-sample"),
		ocitrust.WithVerificationTime(at))
	verdict, err := v.Verify(context.Background(), layout("sample"))
	if err != nil {
		t.Fatal(err)
	}
	if err := verdict.RequireTrusted(); err != nil || !verdict.Trusted {
		t.Fatalf("not trusted: %v", err)
	}
	if verdict.Subject.Digest != sampleDigest || verdict.Subject.Reference != layout("sample") {
		t.Fatalf("subject = %+v", verdict.Subject)
	}
	if !verdict.VerificationTime.Equal(at) {
		t.Fatalf("verification time = %v, want %v", verdict.VerificationTime, at)
	}
	if len(verdict.Insecure) != 1 || verdict.Insecure[0] != "insecure-ignore-tlog" {
		t.Fatalf("insecure = %v", verdict.Insecure)
	}
	if len(verdict.Signatures) != 1 {
		t.Fatalf("%d signatures", len(verdict.Signatures))
	}
	sig := verdict.Signatures[0]
	keyID, err := sampleKey(t).ID()
	if err != nil {
		t.Fatal(err)
	}
	if !sig.Verified || sig.Signer == nil || sig.Signer.KeyID != keyID || sig.Signer.KeyType != "ECDSA P-256" ||
		sig.Signer.Authority != "cosign key "+keyID {
		t.Fatalf("signature = %+v", sig)
	}
	if !bytes.Contains(sig.Payload, []byte(sampleDigest)) || !bytes.Contains(sig.Payload, []byte(`"org":"ocitrust-sample"`)) {
		t.Fatalf("payload = %s", sig.Payload)
	}
	outcomes := map[string]string{}
	for _, c := range sig.Checks {
		outcomes[c.Name] = c.Outcome
	}
	want := map[string]string{
		ocitrust.CheckIntegrity: ocitrust.OutcomePassed, ocitrust.CheckSignature: ocitrust.OutcomePassed,
		ocitrust.CheckClaims: ocitrust.OutcomePassed, ocitrust.CheckAnnotations: ocitrust.OutcomePassed,
		ocitrust.CheckTlog: ocitrust.OutcomeSkippedInsecure,
	}
	if fmt.Sprint(outcomes) != fmt.Sprint(want) {
		t.Fatalf("checks = %v, want %v", outcomes, want)
	}
	for _, c := range sig.Checks {
		if (c.Detail == "") != (c.Outcome == ocitrust.OutcomePassed) {
			t.Fatalf("check %+v: a detail is present exactly when the check did not pass", c)
		}
	}
	encoded, err := json.Marshal(verdict)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(encoded, []byte(`"key_id":"`+keyID+`"`)) || !bytes.Contains(encoded, []byte(`"outcome":"skipped-insecure"`)) {
		t.Fatalf("JSON = %s", encoded)
	}
}

func TestRejectsTamperedCopiesWithTheRightError(t *testing.T) {
	ctx := context.Background()
	insecure := newVerifier(t, ocitrust.WithInsecureIgnoreTlog())

	verdict, err := insecure.Verify(ctx, layout("tampered-payload"))
	if err != nil {
		t.Fatal(err)
	}
	err = verdict.RequireTrusted()
	if !errors.Is(err, ocitrust.ErrNoMatchingSignatures) || verdict.Trusted || verdict.Signatures[0].Payload != nil {
		t.Fatalf("tampered payload: err = %v, verdict = %+v", err, verdict)
	}
	var oerr *ocitrust.Error
	if !errors.As(err, &oerr) || oerr.Code != ocitrust.CodeNoMatchingSignatures || !strings.Contains(oerr.Message, "digest mismatch") {
		t.Fatalf("tampered payload: %#v", err)
	}

	if _, err := insecure.Verify(ctx, layout("tampered-manifest")); !errors.Is(err, ocitrust.ErrDigestMismatch) {
		t.Fatalf("tampered manifest: err = %v", err)
	}

	strict := newVerifier(t)
	verdict, err = strict.Verify(ctx, layout("sample"))
	if err != nil {
		t.Fatal(err)
	}
	if err := verdict.RequireTrusted(); !errors.Is(err, ocitrust.ErrNoMatchingSignatures) || !strings.Contains(err.Error(), "transparency log") {
		t.Fatalf("strict: err = %v", err)
	}
	if len(verdict.Insecure) != 0 {
		t.Fatalf("strict verdict records insecure options: %v", verdict.Insecure)
	}

	wrongAnnotation := newVerifier(t, ocitrust.WithInsecureIgnoreTlog(), ocitrust.WithAnnotation("org", "evil"))
	verdict, err = wrongAnnotation.Verify(ctx, layout("sample"))
	if err != nil {
		t.Fatal(err)
	}
	if err := verdict.RequireTrusted(); !errors.Is(err, ocitrust.ErrNoMatchingSignatures) {
		t.Fatalf("wrong annotation: err = %v", err)
	}
}

func TestPlatformsOfAnIndex(t *testing.T) {
	ctx := context.Background()
	amd64 := newVerifier(t, ocitrust.WithInsecureIgnoreTlog(), ocitrust.WithPlatform("linux/amd64"))
	verdict, err := amd64.Verify(ctx, layout("multiarch")+":multi")
	if err != nil {
		t.Fatal(err)
	}
	if verdict.RequireTrusted() != nil || verdict.Subject.Platform != "linux/amd64" || verdict.Subject.Digest != sampleDigest ||
		!strings.HasPrefix(verdict.Subject.IndexDigest, "sha256:") {
		t.Fatalf("amd64: %+v", verdict.Subject)
	}
	arm64 := newVerifier(t, ocitrust.WithInsecureIgnoreTlog(), ocitrust.WithPlatform("linux/arm64/v8"))
	verdict, err = arm64.Verify(ctx, layout("multiarch")+":multi")
	if err != nil {
		t.Fatal(err)
	}
	if err := verdict.RequireTrusted(); !errors.Is(err, ocitrust.ErrNoSignatures) {
		t.Fatalf("arm64: err = %v", err)
	}
	if _, err := ocitrust.NewVerifier(ocitrust.WithKey(sampleKey(t)), ocitrust.WithPlatform("linux")); !errors.Is(err, ocitrust.ErrInvalidArgument) {
		t.Fatalf("bad platform: err = %v", err)
	}
}

// loadSigningKey loads the sample's signing key (the private half of sampleKey), closed at cleanup.
func loadSigningKey(t *testing.T) *ocitrust.SigningKey {
	t.Helper()
	keyPEM, err := os.ReadFile(fixture("cosign.key"))
	if err != nil {
		t.Fatal(err)
	}
	signingKey, err := ocitrust.LoadSigningKey(keyPEM, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(signingKey.Close)
	return signingKey
}

func TestAPlatformManifestIsVerifiedThroughItsSignedIndex(t *testing.T) {
	signingKey := loadSigningKey(t)
	ref := layout("multiarch-index") + ":multi"
	outcome, err := ocitrust.Sign(ref, signingKey, ocitrust.SignOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	through := newVerifier(t, ocitrust.WithInsecureIgnoreTlog(), ocitrust.WithPlatform("linux/amd64"))
	verdict, err := through.Verify(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	if verdict.RequireTrusted() != nil || verdict.VerifiedThroughIndex != outcome.SubjectDigest || verdict.Subject.Digest != sampleDigest {
		t.Fatalf("verdict = %+v", verdict)
	}
	strict := newVerifier(t, ocitrust.WithInsecureIgnoreTlog(), ocitrust.WithPlatform("linux/amd64"), ocitrust.WithRequirePlatformSignature())
	verdict, err = strict.Verify(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	if err := verdict.RequireTrusted(); !errors.Is(err, ocitrust.ErrNoSignatures) || verdict.VerifiedThroughIndex != "" {
		t.Fatalf("requiring the platform's own signature: %v, %+v", err, verdict)
	}
}

func TestVerifyBytesFromACallersOwnFetch(t *testing.T) {
	read := func(hex string) []byte {
		b, err := os.ReadFile(fixture("sample/blobs/sha256/" + hex))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	subject := read(sampleDigest[len("sha256:"):])
	signature := read(signatureManifest)
	payload := read(signedPayload)
	ctx := context.Background()
	v := newVerifier(t, ocitrust.WithInsecureIgnoreTlog())

	verdict, err := v.VerifyBytes(ctx, "fetched", subject, signature, [][]byte{[]byte("unrelated"), payload})
	if err != nil {
		t.Fatal(err)
	}
	if verdict.RequireTrusted() != nil || verdict.Subject.Digest != sampleDigest || verdict.Subject.Reference != "fetched" {
		t.Fatalf("verdict = %+v", verdict)
	}

	tampered := bytes.Replace(payload, []byte("ocitrust-sample"), []byte("ocitrust-evil!!"), 1)
	verdict, err = v.VerifyBytes(ctx, "fetched", subject, signature, [][]byte{tampered})
	if err != nil {
		t.Fatal(err)
	}
	if err := verdict.RequireTrusted(); !errors.Is(err, ocitrust.ErrNoMatchingSignatures) {
		t.Fatalf("tampered: err = %v", err)
	}

	verdict, err = v.VerifyBytes(ctx, "fetched", subject, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := verdict.RequireTrusted(); !errors.Is(err, ocitrust.ErrNoSignatures) {
		t.Fatalf("unsigned: err = %v", err)
	}

	for name, tc := range map[string]struct {
		subject, signature []byte
		payloads           [][]byte
		want               error
	}{
		"junk subject":      {[]byte("{"), nil, nil, ocitrust.ErrInvalidManifest},
		"junk signature":    {subject, []byte("[]"), nil, ocitrust.ErrInvalidManifest},
		"empty subject":     {nil, nil, nil, ocitrust.ErrInvalidArgument},
		"too many payloads": {subject, signature, make([][]byte, 257), ocitrust.ErrLimitExceeded},
	} {
		if _, err := v.VerifyBytes(ctx, name, tc.subject, tc.signature, tc.payloads); !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", name, err, tc.want)
		}
	}
}

func TestBadInputGivesCodedErrors(t *testing.T) {
	ctx := context.Background()
	if _, err := ocitrust.LoadPublicKey([]byte("junk")); !errors.Is(err, ocitrust.ErrInvalidKey) || !strings.Contains(err.Error(), "SubjectPublicKeyInfo") {
		t.Fatalf("junk key: %v", err)
	}
	if _, err := ocitrust.LoadPublicKey(nil); !errors.Is(err, ocitrust.ErrInvalidKey) {
		t.Fatalf("empty key: %v", err)
	}
	if _, err := ocitrust.LoadPublicKeyFile(fixture("missing.pub")); !errors.Is(err, ocitrust.ErrNotFound) {
		t.Fatalf("missing key file: %v", err)
	}
	if _, err := ocitrust.LoadPublicKeyFile(fixture("oversize.pub")); !errors.Is(err, ocitrust.ErrLimitExceeded) {
		t.Fatalf("oversize key file: %v", err)
	}
	if _, err := ocitrust.LoadPublicKeyURL("http://127.0.0.1:1/cosign.pub"); !errors.Is(err, ocitrust.ErrInvalidArgument) {
		t.Fatalf("key over plain HTTP: %v", err)
	}
	if _, err := ocitrust.LoadPublicKeyURL("https://127.0.0.1:1/cosign.pub"); !errors.Is(err, ocitrust.ErrNetwork) {
		t.Fatalf("key from an unreachable host: %v", err)
	}
	if _, err := ocitrust.LoadPublicKeyFile(fixture("not-a-file")); !errors.Is(err, ocitrust.ErrIO) {
		t.Fatalf("directory as key file: %v", err)
	}
	v := newVerifier(t)
	for ref, want := range map[string]error{
		layout("missing"):               ocitrust.ErrNotFound,
		layout("sample") + ":no-tag":    ocitrust.ErrNotFound,
		layout("sample") + "@sha256:ab": ocitrust.ErrInvalidDigest,
		"Bad Reference":                 ocitrust.ErrInvalidReference,
		"127.0.0.1:1/org/app:1":         ocitrust.ErrNetwork,
		"oci:with\x00nul":               ocitrust.ErrInvalidArgument,
	} {
		verdict, err := v.Verify(ctx, ref)
		if !errors.Is(err, want) || verdict != nil {
			t.Errorf("%q: err = %v, want %v", ref, err, want)
		}
	}
	if _, err := ocitrust.NewVerifier(ocitrust.WithKey(sampleKey(t)), ocitrust.WithVerificationTime(time.Unix(-1, 0))); !errors.Is(err, ocitrust.ErrInvalidArgument) {
		t.Fatalf("negative time: %v", err)
	}
	if _, err := ocitrust.NewVerifier(ocitrust.WithKey(sampleKey(t)), ocitrust.WithAnnotation("a\x00b", "c")); !errors.Is(err, ocitrust.ErrInvalidArgument) {
		t.Fatalf("NUL in annotation: %v", err)
	}
	if _, err := ocitrust.LoadPublicKeyFile(fixture("cosign.pub") + "\x00.evil"); !errors.Is(err, ocitrust.ErrInvalidArgument) {
		t.Fatalf("NUL in path: %v", err)
	}
}

func TestAReadBudgetBoundsAVerification(t *testing.T) {
	// The sample layout reads about 2 KiB: a budget of 1 KiB stops it, the default does not.
	v := newVerifier(t, ocitrust.WithInsecureIgnoreTlog(), ocitrust.WithReadBudget(1024))
	if _, err := v.Verify(context.Background(), layout("sample")); !errors.Is(err, ocitrust.ErrLimitExceeded) || !strings.Contains(err.Error(), "budget") {
		t.Fatalf("Verify with a 1 KiB budget: %v", err)
	}
	verdict, err := newVerifier(t, ocitrust.WithInsecureIgnoreTlog(), ocitrust.WithReadBudget(1<<20)).Verify(context.Background(), layout("sample"))
	if err != nil || !verdict.Trusted {
		t.Fatalf("Verify with a 1 MiB budget: %v %+v", err, verdict)
	}
	if _, err := ocitrust.NewVerifier(ocitrust.WithKey(sampleKey(t)), ocitrust.WithReadBudget(0)); !errors.Is(err, ocitrust.ErrInvalidArgument) {
		t.Fatalf("a budget of 0: %v", err)
	}
}

func TestEveryLibraryCodeHasASentinel(t *testing.T) {
	sentinels := map[ocitrust.Code]error{}
	for _, e := range []*ocitrust.Error{
		ocitrust.ErrInvalidDigest, ocitrust.ErrInvalidReference, ocitrust.ErrInvalidManifest, ocitrust.ErrInvalidPayload,
		ocitrust.ErrInvalidKey, ocitrust.ErrInvalidSignatureEncoding, ocitrust.ErrInvalidArgument, ocitrust.ErrLimitExceeded,
		ocitrust.ErrUnsupported, ocitrust.ErrNotFound, ocitrust.ErrNullArgument, ocitrust.ErrBufferTooSmall, ocitrust.ErrInvalidCertificate, ocitrust.ErrInvalidPolicy,
		ocitrust.ErrDigestMismatch, ocitrust.ErrNoSignatures, ocitrust.ErrNoMatchingSignatures, ocitrust.ErrKeyDecryption,
		ocitrust.ErrIO, ocitrust.ErrNetwork, ocitrust.ErrUnauthorized, ocitrust.ErrTimeout, ocitrust.ErrInternal,
		ocitrust.ErrPanic,
	} {
		sentinels[e.Code] = e
	}
	named := 0
	for code := ocitrust.Code(1); code < 1000; code++ {
		if code.String() == "unknown" {
			continue
		}
		named++
		sentinel, ok := sentinels[code]
		if !ok {
			t.Errorf("library code %d (%s) has no Go sentinel", code, code)
			continue
		}
		err := fmt.Errorf("wrapped: %w", &ocitrust.Error{Code: code, Message: "m"})
		if !errors.Is(err, sentinel) {
			t.Errorf("errors.Is does not match code %s", code)
		}
	}
	if named != len(sentinels) {
		t.Errorf("%d named library codes, %d sentinels", named, len(sentinels))
	}
	if errors.Is(&ocitrust.Error{Code: ocitrust.CodeNoSignatures}, ocitrust.ErrNoMatchingSignatures) {
		t.Error("different codes match")
	}
}

func TestAVerifierWithoutAuthorityRefusesToVerify(t *testing.T) {
	v, err := ocitrust.NewVerifier(ocitrust.WithInsecureIgnoreTlog())
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	_, err = v.Verify(context.Background(), layout("sample"))
	if !errors.Is(err, ocitrust.ErrInvalidArgument) || !strings.Contains(err.Error(), "trusts no authority") {
		t.Fatalf("Verify without authority: %v", err)
	}
}

func TestAnyOneTrustedKeyVouches(t *testing.T) {
	pair, err := ocitrust.GenerateKeyPair([]byte("x"))
	if err != nil {
		t.Fatal(err)
	}
	stranger, err := ocitrust.LoadPublicKey(pair.PublicKeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	both, err := ocitrust.NewVerifier(ocitrust.WithKey(stranger), ocitrust.WithKey(sampleKey(t)), ocitrust.WithInsecureIgnoreTlog())
	if err != nil {
		t.Fatal(err)
	}
	defer both.Close()
	verdict, err := both.Verify(context.Background(), layout("sample"))
	if err != nil || verdict.RequireTrusted() != nil {
		t.Fatalf("verify with two keys: %v %v", err, verdict.RequireTrusted())
	}
	only, err := ocitrust.NewVerifier(ocitrust.WithKey(stranger), ocitrust.WithInsecureIgnoreTlog())
	if err != nil {
		t.Fatal(err)
	}
	defer only.Close()
	verdict, err = only.Verify(context.Background(), layout("sample"))
	if err != nil || !errors.Is(verdict.RequireTrusted(), ocitrust.ErrNoMatchingSignatures) {
		t.Fatalf("verify with the stranger's key only: %v %v", err, verdict)
	}
}

func TestCloseIsIdempotentAndUseAfterCloseFails(t *testing.T) {
	key, err := ocitrust.LoadPublicKeyFile(fixture("cosign.pub"))
	if err != nil {
		t.Fatal(err)
	}
	v, err := ocitrust.NewVerifier(ocitrust.WithKey(key))
	if err != nil {
		t.Fatal(err)
	}
	key.Close()
	key.Close()
	if _, err := key.ID(); !errors.Is(err, ocitrust.ErrClosed) {
		t.Fatalf("ID after Close: %v", err)
	}
	if _, err := ocitrust.NewVerifier(ocitrust.WithKey(key)); !errors.Is(err, ocitrust.ErrClosed) {
		t.Fatalf("NewVerifier with closed key: %v", err)
	}
	// The verifier copied the key and outlives it.
	if _, err := v.Verify(context.Background(), layout("sample")); err != nil {
		t.Fatal(err)
	}
	v.Close()
	v.Close()
	if _, err := v.Verify(context.Background(), layout("sample")); !errors.Is(err, ocitrust.ErrClosed) {
		t.Fatalf("Verify after Close: %v", err)
	}
}

func TestContextIsHonoured(t *testing.T) {
	v := newVerifier(t, ocitrust.WithInsecureIgnoreTlog())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := v.Verify(ctx, layout("sample")); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled context: %v", err)
	}
	ctx, cancel = context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	verdict, err := v.Verify(ctx, layout("sample"))
	if err != nil || verdict.RequireTrusted() != nil {
		t.Fatalf("live context: %v", err)
	}
}

func TestOneVerifierManyGoroutines(t *testing.T) {
	v := newVerifier(t, ocitrust.WithInsecureIgnoreTlog())
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 10; j++ {
				verdict, err := v.Verify(context.Background(), layout("sample"))
				if err == nil {
					err = verdict.RequireTrusted()
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestSignRoundTrip(t *testing.T) {
	pair, err := ocitrust.GenerateKeyPair([]byte("pw"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(pair.PrivateKeyPEM, []byte("-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----")) {
		t.Fatalf("private key = %s", pair.PrivateKeyPEM)
	}
	if _, err := ocitrust.LoadSigningKey(pair.PrivateKeyPEM, []byte("wrong")); !errors.Is(err, ocitrust.ErrKeyDecryption) {
		t.Fatalf("wrong password: %v", err)
	}
	signingKey, err := ocitrust.LoadSigningKey(pair.PrivateKeyPEM, []byte("pw"))
	if err != nil {
		t.Fatal(err)
	}
	defer signingKey.Close()

	before, err := os.ReadFile(fixture("tampered-manifest/index.json"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ocitrust.Sign(layout("tampered-manifest"), signingKey, ocitrust.SignOptions{}); !errors.Is(err, ocitrust.ErrDigestMismatch) {
		t.Fatalf("signing a corrupt layout: %v", err)
	}
	if after, _ := os.ReadFile(fixture("tampered-manifest/index.json")); !bytes.Equal(before, after) {
		t.Fatal("a failed sign changed index.json")
	}

	outcome, err := ocitrust.Sign(layout("signable"), signingKey, ocitrust.SignOptions{
		Annotations: map[string]string{"team": "platform", "ci": "true"},
		Identity:    "registry.example/app",
	})
	if err != nil {
		t.Fatal(err)
	}
	if outcome.SubjectDigest != sampleDigest || !strings.HasPrefix(outcome.SignatureDigest, "sha256:") || outcome.Location == "" {
		t.Fatalf("outcome = %+v", outcome)
	}
	publicKey, err := ocitrust.LoadPublicKey(pair.PublicKeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	defer publicKey.Close()
	v, err := ocitrust.NewVerifier(ocitrust.WithKey(publicKey), ocitrust.WithInsecureIgnoreTlog(), ocitrust.WithAnnotation("team", "platform"))
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	verdict, err := v.Verify(context.Background(), layout("signable"))
	if err != nil {
		t.Fatal(err)
	}
	if err := verdict.RequireTrusted(); err != nil {
		t.Fatal(err)
	}
	signingKey.Close()
	if _, err := ocitrust.Sign(layout("signable"), signingKey, ocitrust.SignOptions{}); !errors.Is(err, ocitrust.ErrClosed) {
		t.Fatalf("Sign with a closed key: %v", err)
	}
}
