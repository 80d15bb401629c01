package ocitrust_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"

	ocitrust "github.com/ocitrust/ocitrust/bindings/go"
)

// predicateFile is a predicate of the attestation sample, parsed.
func predicateFile(t *testing.T, name string) any {
	t.Helper()
	data, err := os.ReadFile(fixture("attestations/predicates/" + name))
	if err != nil {
		t.Fatal(err)
	}
	var value any
	if err := json.Unmarshal(data, &value); err != nil {
		t.Fatal(err)
	}
	return value
}

func parsed(t *testing.T, data []byte) any {
	t.Helper()
	var value any
	if err := json.Unmarshal(data, &value); err != nil {
		t.Fatalf("not JSON (%v): %s", err, data)
	}
	return value
}

func TestAttestationsHandOutEachPlatformsSBOM(t *testing.T) {
	key := sampleKey(t)
	for platform, sbom := range map[string]string{"linux/amd64": "sbom-amd64.json", "linux/arm64": "sbom-arm64.json"} {
		v, err := ocitrust.NewVerifier(ocitrust.WithKey(key), ocitrust.WithInsecureIgnoreTlog(), ocitrust.WithPlatform(platform))
		if err != nil {
			t.Fatal(err)
		}
		verdict, err := v.VerifyAttestations(context.Background(), layout("attestations/layout-v2"), "cyclonedx")
		if err != nil || verdict.RequireTrusted() != nil {
			t.Fatalf("%s: %v %v", platform, err, verdict.RequireTrusted())
		}
		if len(verdict.Attestations) != 1 {
			t.Fatalf("%s: %d attestations", platform, len(verdict.Attestations))
		}
		a := verdict.Attestations[0]
		if a.PredicateType != "https://cyclonedx.org/bom" || !reflect.DeepEqual(parsed(t, a.Predicate), predicateFile(t, sbom)) {
			t.Fatalf("%s: %s %s", platform, a.PredicateType, a.Predicate)
		}
		if envelope, ok := parsed(t, a.Envelope).(map[string]any); !ok || envelope["payloadType"] != "application/vnd.in-toto+json" {
			t.Fatalf("%s: envelope %s", platform, a.Envelope)
		}
		v.Close()
	}

	// A platform without attestations of its own is not given the index's.
	v, err := ocitrust.NewVerifier(ocitrust.WithKey(key), ocitrust.WithInsecureIgnoreTlog(), ocitrust.WithPlatform("linux/riscv64"))
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	_, err = v.VerifyAttestations(context.Background(), layout("attestations/layout-v2"), "cyclonedx")
	if !errors.Is(err, ocitrust.ErrNoSignatures) || !strings.Contains(err.Error(), "which attest the index") {
		t.Fatalf("riscv64: %v", err)
	}
}

func TestABundleAttestationAndTheWrongPredicateType(t *testing.T) {
	v, err := ocitrust.NewVerifier(ocitrust.WithKey(sampleKey(t)), ocitrust.WithInsecureIgnoreTlog())
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	verdict, err := v.VerifyAttestations(context.Background(), layout("attestations/layout-v3"), "https://cyclonedx.org/bom")
	if err != nil || verdict.RequireTrusted() != nil || verdict.Signatures[0].Kind != "sigstore-bundle" {
		t.Fatalf("bundle: %v %v", err, verdict.RequireTrusted())
	}
	if !reflect.DeepEqual(parsed(t, verdict.Attestations[0].Predicate), predicateFile(t, "sbom-amd64.json")) {
		t.Fatalf("bundle predicate: %s", verdict.Attestations[0].Predicate)
	}
	// As cosign verify (v3) reads it, the attestation bundle is a signature of the image too, and
	// the report says its predicate type; a tag-scheme signature has none.
	signed, err := v.Verify(context.Background(), layout("attestations/layout-v3"))
	if err != nil || signed.RequireTrusted() != nil || signed.Signatures[0].PredicateType != "https://cyclonedx.org/bom" {
		t.Fatalf("the attestation as a signature: %v %+v", err, signed)
	}
	if verdict.Signatures[0].PredicateType != "https://cyclonedx.org/bom" {
		t.Fatalf("attestation report: %+v", verdict.Signatures[0])
	}
	keySigned, err := v.Verify(context.Background(), layout("sample"))
	if err != nil || keySigned.RequireTrusted() != nil || keySigned.Signatures[0].PredicateType != "" {
		t.Fatalf("a tag-scheme signature: %v %+v", err, keySigned)
	}
	verdict, err = v.VerifyAttestations(context.Background(), layout("attestations/layout-v3"), "spdxjson")
	if err != nil || !errors.Is(verdict.RequireTrusted(), ocitrust.ErrNoMatchingSignatures) || len(verdict.Attestations) != 0 {
		t.Fatalf("another type: %v %v", err, verdict.RequireTrusted())
	}
	if !strings.Contains(verdict.RequireTrusted().Error(), `expected "https://spdx.dev/Document"`) {
		t.Fatalf("reason: %v", verdict.RequireTrusted())
	}
	if _, err := v.VerifyAttestations(context.Background(), layout("attestations/layout-v3"), "sbom"); !errors.Is(err, ocitrust.ErrInvalidArgument) {
		t.Fatalf("unknown type: %v", err)
	}
	// Signatures are not attestations: the signed sample has none.
	verdict, err = v.VerifyAttestations(context.Background(), layout("sample"), "cyclonedx")
	if err != nil || !errors.Is(verdict.RequireTrusted(), ocitrust.ErrNoSignatures) {
		t.Fatalf("the signed sample: %v %v", err, verdict.RequireTrusted())
	}
}

func TestAttestThenVerifyTheAttestation(t *testing.T) {
	signingKey := loadSigningKey(t)
	sbom := []byte(`{"bomFormat":"CycloneDX","specVersion":"1.5","version":1,"components":[]}`)
	outcome, err := ocitrust.Attest(layout("signable"), signingKey, ocitrust.AttestOptions{PredicateType: "cyclonedx", Predicate: sbom})
	if err != nil {
		t.Fatal(err)
	}
	if outcome.SubjectDigest != sampleDigest || !strings.Contains(outcome.Location, "cosign save attestations") {
		t.Fatalf("outcome = %+v", outcome)
	}
	v, err := ocitrust.NewVerifier(ocitrust.WithKey(sampleKey(t)), ocitrust.WithInsecureIgnoreTlog())
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	verdict, err := v.VerifyAttestations(context.Background(), layout("signable"), "cyclonedx")
	if err != nil || verdict.RequireTrusted() != nil || string(verdict.Attestations[0].Predicate) != string(sbom) {
		t.Fatalf("verify: %v %v %+v", err, verdict.RequireTrusted(), verdict.Attestations)
	}
	// The v3 form: a bundle referrer, found among the referrers.
	spdx := []byte(`{"spdxVersion":"SPDX-2.3","SPDXID":"SPDXRef-DOCUMENT","name":"n"}`)
	outcome, err = ocitrust.Attest(layout("signable"), signingKey, ocitrust.AttestOptions{PredicateType: "spdxjson", Predicate: spdx, NewBundleFormat: true})
	if err != nil || !strings.Contains(outcome.Location, "@sha256:") {
		t.Fatalf("bundle: %v %+v", err, outcome)
	}
	verdict, err = v.VerifyAttestations(context.Background(), layout("signable"), "spdxjson")
	if err != nil || verdict.RequireTrusted() != nil || string(verdict.Attestations[0].Predicate) != string(spdx) {
		t.Fatalf("verify the bundle: %v %v %+v", err, verdict.RequireTrusted(), verdict.Attestations)
	}
	if _, err := ocitrust.Attest(layout("signable"), signingKey, ocitrust.AttestOptions{PredicateType: "spdxjson", Predicate: spdx, NewBundleFormat: true, Replace: true}); !errors.Is(err, ocitrust.ErrInvalidArgument) {
		t.Fatalf("--replace with a bundle: %v", err)
	}
	if _, err := ocitrust.Attest(layout("signable"), signingKey, ocitrust.AttestOptions{PredicateType: "cyclonedx", Predicate: []byte("{nope")}); !errors.Is(err, ocitrust.ErrInvalidArgument) {
		t.Fatalf("a predicate that is not JSON: %v", err)
	}
}
