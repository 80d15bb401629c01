//go:build interop

package ocitrust_test

// Verifying images in a real registry (Debian's docker-registry on loopback) signed by the real
// cosign (v2 tag scheme, v3 bundles). Built with -tags interop by bindings/go/test.sh, which installs
// the peers and sets OCITRUST_COSIGN, OCITRUST_COSIGN_V3, OCITRUST_CRANE and OCITRUST_DOCKER_REGISTRY;
// a missing peer fails the test.

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	ocitrust "github.com/ocitrust/ocitrust/bindings/go"
)

func peer(t *testing.T, env string) string {
	t.Helper()
	path := os.Getenv(env)
	if path == "" {
		t.Fatalf("%s is not set: run bindings/go/test.sh, which installs the interop peers", env)
	}
	return path
}

func mustRun(t *testing.T, env []string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// startRegistry runs tests/tools/registry.sh and returns the registry's address.
func startRegistry(t *testing.T) string {
	dir := t.TempDir()
	address := mustRun(t, []string{"OCITRUST_DOCKER_REGISTRY=" + peer(t, "OCITRUST_DOCKER_REGISTRY")},
		"bash", "../../tests/tools/registry.sh", dir)
	t.Cleanup(func() {
		if pid, err := os.ReadFile(filepath.Join(dir, "pid")); err == nil {
			_ = exec.Command("kill", strings.TrimSpace(string(pid))).Run()
		}
	})
	return address
}

// pushImage builds the tiny test image and pushes it as address/repo:v1.
func pushImage(t *testing.T, address, repo string) string {
	image := filepath.Join(t.TempDir(), "image")
	mustRun(t, nil, "python3", "../../examples/sample-image/build_image.py", image)
	reference := address + "/" + repo + ":v1"
	mustRun(t, nil, peer(t, "OCITRUST_CRANE"), "push", "--insecure", image, reference)
	return reference
}

func TestVerifiesCosignSignaturesInARegistry(t *testing.T) {
	address := startRegistry(t)
	signed := pushImage(t, address, "signed")
	home := t.TempDir()
	mustRun(t, []string{"COSIGN_PASSWORD=", "HOME=" + home}, peer(t, "OCITRUST_COSIGN"), "sign",
		"--key", "../../examples/sample-image/cosign.key", "--tlog-upload=false", "-y", "-a", "org=ocitrust-sample", signed)
	digest := mustRun(t, nil, peer(t, "OCITRUST_CRANE"), "digest", "--insecure", signed)

	ctx := context.Background()
	v := newVerifier(t, ocitrust.WithInsecureIgnoreTlog(), ocitrust.WithAnnotation("org", "ocitrust-sample"),
		ocitrust.WithRegistryOptions(ocitrust.RegistryOptions{DockerConfigDir: home}))
	verdict, err := v.Verify(ctx, signed)
	if err != nil {
		t.Fatal(err)
	}
	if err := verdict.RequireTrusted(); err != nil || verdict.Subject.Digest != digest {
		t.Fatalf("signed image: err = %v, digest = %s, want %s", err, verdict.Subject.Digest, digest)
	}
	if !strings.Contains(verdict.Signatures[0].Location, ":sha256-") {
		t.Fatalf("location = %s", verdict.Signatures[0].Location)
	}

	attached, err := v.Tree(ctx, signed)
	if err != nil {
		t.Fatal(err)
	}
	if attached.Subject != digest || len(attached.TagScheme) != 1 || attached.TagScheme[0].Kind != "signatures" ||
		len(attached.TagScheme[0].Layers) != 1 || len(attached.Referrers) != 0 || attached.ReferrersSource != "tag-schema" {
		t.Fatalf("tree = %+v", attached)
	}
	location, err := v.Triangulate(ctx, signed, "signature")
	if err != nil || location != attached.TagScheme[0].Reference {
		t.Fatalf("triangulate = %q, %v; tree says %q", location, err, attached.TagScheme[0].Reference)
	}
	if pinnedByCosign, err := v.Triangulate(ctx, signed, "digest"); err != nil || pinnedByCosign != strings.TrimSuffix(signed, ":v1")+"@"+digest {
		t.Fatalf("triangulate --type digest = %q, %v", pinnedByCosign, err)
	}
	if _, err := v.Triangulate(ctx, signed, "blob"); !errors.Is(err, ocitrust.ErrInvalidArgument) {
		t.Fatalf("bad kind: %v", err)
	}

	pinned := strings.TrimSuffix(signed, ":v1") + "@" + digest
	insecure := newVerifier(t, ocitrust.WithInsecureIgnoreTlog(), ocitrust.WithRegistryOptions(ocitrust.RegistryOptions{AllowInsecure: true}))
	verdict, err = insecure.Verify(ctx, pinned)
	if err != nil {
		t.Fatal(err)
	}
	if verdict.RequireTrusted() != nil || strings.Join(verdict.Insecure, ",") != "insecure-ignore-tlog,allow-insecure-registry" {
		t.Fatalf("pinned with --allow-insecure-registry: %+v", verdict)
	}

	unsigned := pushImage(t, address, "unsigned")
	verdict, err = v.Verify(ctx, unsigned)
	if err != nil {
		t.Fatal(err)
	}
	if err := verdict.RequireTrusted(); !errors.Is(err, ocitrust.ErrNoSignatures) {
		t.Fatalf("unsigned image: %v", err)
	}
	if _, err := v.Verify(ctx, address+"/signed:missing"); !errors.Is(err, ocitrust.ErrNotFound) {
		t.Fatalf("missing tag: %v", err)
	}
	elsewhereRegistry := ocitrust.RegistryOptions{SignatureRepository: address + "/elsewhere"}
	elsewhere := newVerifier(t, ocitrust.WithInsecureIgnoreTlog(), ocitrust.WithRegistryOptions(elsewhereRegistry))
	verdict, err = elsewhere.Verify(ctx, signed)
	if err != nil {
		t.Fatal(err)
	}
	if err := verdict.RequireTrusted(); !errors.Is(err, ocitrust.ErrNoSignatures) {
		t.Fatalf("signatures looked for in another repository: %v", err)
	}

	// Sign takes registry options too: a signature stored in the other repository is found there.
	signingKey := loadSigningKey(t)
	outcome, err := ocitrust.Sign(signed, signingKey, ocitrust.SignOptions{Registry: elsewhereRegistry})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(outcome.Location, address+"/elsewhere:sha256-") {
		t.Fatalf("signature stored at %s", outcome.Location)
	}
	verdict, err = elsewhere.Verify(ctx, signed)
	if err != nil {
		t.Fatal(err)
	}
	if err := verdict.RequireTrusted(); err != nil {
		t.Fatalf("signature in the other repository: %v", err)
	}
	if _, err := ocitrust.Sign(signed, signingKey, ocitrust.SignOptions{Registry: ocitrust.RegistryOptions{Timeout: -1}}); !errors.Is(err, ocitrust.ErrInvalidArgument) {
		t.Fatalf("negative timeout: %v", err)
	}
	lone := ocitrust.RegistryOptions{ClientCertFile: "client.pem"}
	if _, err := ocitrust.Sign(signed, signingKey, ocitrust.SignOptions{Registry: lone}); !errors.Is(err, ocitrust.ErrInvalidArgument) {
		t.Fatalf("client certificate without its key: %v", err)
	}
	missing := ocitrust.RegistryOptions{CAFile: filepath.Join(t.TempDir(), "no-such-ca.pem")}
	if _, err := newVerifier(t, ocitrust.WithRegistryOptions(missing)).Verify(ctx, signed); !errors.Is(err, ocitrust.ErrNotFound) {
		t.Fatalf("missing CA file: %v", err)
	}
}

func TestVerifiesCosignV3Bundles(t *testing.T) {
	address := startRegistry(t)
	image := pushImage(t, address, "bundled")
	digest := mustRun(t, nil, peer(t, "OCITRUST_CRANE"), "digest", "--insecure", image)
	work := t.TempDir()
	cosign := peer(t, "OCITRUST_COSIGN_V3")
	config := filepath.Join(work, "signing-config.json")
	mustRun(t, []string{"HOME=" + work}, cosign, "signing-config", "create", "--out", config)
	mustRun(t, []string{"HOME=" + work, "COSIGN_PASSWORD="}, cosign, "sign", "--key", "../../examples/sample-image/cosign.key",
		"--signing-config", config, "-y", strings.TrimSuffix(image, ":v1")+"@"+digest)

	v := newVerifier(t, ocitrust.WithInsecureIgnoreTlog())
	verdict, err := v.Verify(context.Background(), image)
	if err != nil {
		t.Fatal(err)
	}
	if err := verdict.RequireTrusted(); err != nil || verdict.Signatures[0].Kind != "sigstore-bundle" {
		t.Fatalf("cosign v3 bundle: err = %v, verdict = %+v", err, verdict)
	}
}
