//go:build interop

package ocitrust_test

// Trust material from TUF, and images in OCI archives: the python-tuf repository bindings/go/test.sh
// serves on loopback (OCITRUST_TEST_TUF_MIRROR, its first root OCITRUST_TEST_TUF_ROOT, its target the
// keyless sample's trusted root); a missing server fails the test.

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

func TestTheTrustedRootOfATUFRepository(t *testing.T) {
	mirror := peer(t, "OCITRUST_TEST_TUF_MIRROR")
	initial, err := os.ReadFile(peer(t, "OCITRUST_TEST_TUF_ROOT"))
	if err != nil {
		t.Fatal(err)
	}
	cache := t.TempDir()
	root, err := ocitrust.TrustedRootFromTUF(mirror, initial, cache)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	material, err := root.Material()
	if err != nil {
		t.Fatal(err)
	}
	want := ocitrust.TUFVersions{Root: 1, Timestamp: 1, Snapshot: 1, Targets: 1}
	if material.Source != "tuf" || material.TUF == nil || *material.TUF != want || !strings.HasPrefix(material.Location, mirror) {
		t.Fatalf("material = %+v", material)
	}
	v, err := ocitrust.NewVerifier(ocitrust.WithIdentity(keylessSampleIdentity(t), root))
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	verdict, err := v.Verify(context.Background(), layout("keyless/layout-bundle"))
	if err != nil || verdict.RequireTrusted() != nil {
		t.Fatalf("keyless sample under the TUF root: %v %v", err, verdict.RequireTrusted())
	}
	if len(verdict.TrustMaterial) != 1 || verdict.TrustMaterial[0].SHA256 != material.SHA256 ||
		*verdict.TrustMaterial[0].TUF != want || verdict.TrustMaterial[0].Location != material.Location {
		t.Fatalf("verdict trust material = %+v, want %+v", verdict.TrustMaterial, material)
	}

	// Refusals: not an http(s) mirror; a mirror that is not there; an initial root that is not TUF.
	if _, err := ocitrust.TrustedRootFromTUF("ftp://127.0.0.1/x", nil, cache); !errors.Is(err, ocitrust.ErrInvalidArgument) {
		t.Fatalf("ftp mirror: %v", err)
	}
	if _, err := ocitrust.TrustedRootFromTUF("http://127.0.0.1:9", initial, t.TempDir()); !errors.Is(err, ocitrust.ErrNetwork) {
		t.Fatalf("unreachable mirror: %v", err)
	}
	if _, err := ocitrust.TrustedRootFromTUF(mirror, []byte("{}"), t.TempDir()); !errors.Is(err, ocitrust.ErrInvalidCertificate) {
		t.Fatalf("garbage initial root: %v", err)
	}
	offline, err := ocitrust.DefaultTrustedRoot(true)
	if err != nil {
		t.Fatal(err)
	}
	defer offline.Close()
	if m, err := offline.Material(); err != nil || m.Source != "embedded" {
		t.Fatalf("offline default root: %+v %v", m, err)
	}
}

func TestAnImageInAnOCIArchive(t *testing.T) {
	archive := filepath.Join(t.TempDir(), "sample.tar.gz")
	if out, err := exec.Command("tar", "-C", fixture("sample"), "-czf", archive, ".").CombinedOutput(); err != nil {
		t.Fatalf("tar: %v %s", err, out)
	}
	v, err := ocitrust.NewVerifier(ocitrust.WithKey(sampleKey(t)), ocitrust.WithInsecureIgnoreTlog())
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	verdict, err := v.Verify(context.Background(), "oci-archive:"+archive)
	if err != nil || verdict.RequireTrusted() != nil || verdict.Subject.Digest != sampleDigest {
		t.Fatalf("archive: %v %v %+v", err, verdict.RequireTrusted(), verdict.Subject)
	}
	if _, err := v.Verify(context.Background(), "oci-archive:"+fixture("sample")); !errors.Is(err, ocitrust.ErrIO) {
		t.Fatalf("a directory named as an archive: %v", err)
	}
}
