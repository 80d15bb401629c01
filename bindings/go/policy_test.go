package ocitrust_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	ocitrust "github.com/ocitrust/ocitrust/bindings/go"
)

const policyHead = `apiVersion: ocitrust.dev/v1alpha1
kind: TrustPolicy
trustRoots:
  corp: {x509: {ca: [notation/notation-config/truststore/x509/ca/ocitrust-sample/root.pem]}}
authorities:
  vendor: {cosign: {key: cosign.pub, tlog: ignore}}
  notary: {notation: {trustRoots: [corp], trustedIdentities: ["x509.subject: C=US, ST=WA, O=ocitrust tests"]}}
policies:
`

func loadPolicy(t *testing.T, policies string, opts ...ocitrust.Option) *ocitrust.Policy {
	t.Helper()
	path := filepath.Join(fixture(""), "policy-"+strings.ReplaceAll(t.Name(), "/", "-")+".yaml")
	if err := os.WriteFile(path, []byte(policyHead+policies), 0o600); err != nil {
		t.Fatal(err)
	}
	policy, err := ocitrust.LoadPolicy(path, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(policy.Close)
	return policy
}

func TestPolicyAllowsTheSignedSampleAndExplainsWhy(t *testing.T) {
	policy := loadPolicy(t, "- name: samples\n  scope: ['oci:**']\n  signatures: {any: [vendor]}\n")
	decision, err := policy.Evaluate(context.Background(), "oci:"+fixture("sample"))
	if err != nil {
		t.Fatal(err)
	}
	if !decision.Allowed || !decision.Satisfied || decision.Mode != "enforce" || decision.Policy != "samples" {
		t.Fatalf("%+v", decision)
	}
	if !strings.HasPrefix(decision.Digest, "sha256:198ab554") || decision.Summary != "" {
		t.Fatalf("%+v", decision)
	}
	if decision.Explanation.Kind != "policy" || decision.Explanation.Children[0].Kind != "requirement" {
		t.Fatalf("%+v", decision.Explanation)
	}
	if len(decision.Insecure) != 1 || decision.Insecure[0] != "insecure-ignore-tlog" {
		t.Fatalf("%v", decision.Insecure)
	}
}

func TestPolicyDeniesWhatItMustAndWarnsInWarnMode(t *testing.T) {
	ctx := context.Background()
	sample := "oci:" + fixture("sample")
	both := loadPolicy(t, "- name: both\n  scope: ['oci:**']\n  signatures: {all: [vendor, notary]}\n")
	decision, err := both.Evaluate(ctx, sample)
	if err != nil {
		t.Fatal(err)
	}
	if decision.Allowed || decision.Satisfied || !strings.Contains(decision.Summary, `authority "notary"`) {
		t.Fatalf("%+v", decision)
	}
	warn := loadPolicy(t, "- name: both\n  scope: ['oci:**']\n  mode: warn\n  signatures: {all: [vendor, notary]}\n")
	if decision, err = warn.Evaluate(ctx, sample); err != nil || !decision.Allowed || decision.Satisfied || decision.Mode != "warn" {
		t.Fatalf("%+v %v", decision, err)
	}
	elsewhere := loadPolicy(t, "- name: r\n  scope: ['registry.example.com/**']\n  signatures: {any: [vendor]}\n")
	if decision, err = elsewhere.Evaluate(ctx, sample); err != nil || decision.Allowed || decision.Policy != "" {
		t.Fatalf("%+v %v", decision, err)
	}
	notary := loadPolicy(t, "- name: n\n  scope: ['oci:**']\n  signatures: {any: [notary]}\n")
	if decision, err = notary.Evaluate(ctx, notationSample(t)); err != nil || !decision.Allowed {
		t.Fatalf("%+v %v", decision, err)
	}
	if decision, err = notary.EvaluateScope(ctx, notationSample(t), notationScope); err != nil || decision.Allowed {
		t.Fatalf("a scope outside oci:** has no policy: %+v %v", decision, err)
	}
}

func TestPolicyErrorsCarryTheirCodes(t *testing.T) {
	_, err := ocitrust.LoadPolicyBytes([]byte(policyHead+"- name: p\n  scope: ['**']\n  signatures: {any: [nobody]}\n"), fixture(""))
	if !errors.Is(err, ocitrust.ErrInvalidPolicy) || !strings.Contains(err.Error(), `policy:11:22: unknown authority "nobody"`) {
		t.Fatalf("%v", err)
	}
	if _, err = ocitrust.LoadPolicy(fixture("no-such-policy.yaml")); !errors.Is(err, ocitrust.ErrNotFound) {
		t.Fatalf("%v", err)
	}
	policy := loadPolicy(t, "- name: p\n  scope: ['**']\n  signatures: {any: [vendor]}\n")
	if _, err = policy.Evaluate(context.Background(), "NOT A REFERENCE"); !errors.Is(err, ocitrust.ErrInvalidReference) {
		t.Fatalf("%v", err)
	}
	if _, err = policy.EvaluateScope(context.Background(), "registry.example.com/app:v1", "a/scope"); !errors.Is(err, ocitrust.ErrInvalidArgument) {
		t.Fatalf("%v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Nanosecond)
	defer cancel()
	time.Sleep(time.Millisecond)
	if _, err = policy.Evaluate(ctx, "oci:"+fixture("sample")); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("%v", err)
	}
	policy.Close()
	if _, err = policy.Evaluate(context.Background(), "oci:"+fixture("sample")); !errors.Is(err, ocitrust.ErrClosed) {
		t.Fatalf("%v", err)
	}
}

func TestPolicyEvaluatesManyReferencesAtOnceInOrder(t *testing.T) {
	policy := loadPolicy(t, "- name: p\n  scope: ['oci:**']\n  signatures: {any: [vendor]}\n")
	sample := "oci:" + fixture("sample")
	references := []string{sample, "oci:" + fixture("no-such-layout"), "NOT A REFERENCE", sample}
	decisions, errs, err := policy.EvaluateAll(context.Background(), references, 3)
	if err != nil {
		t.Fatal(err)
	}
	if decisions[0] == nil || !decisions[0].Allowed || errs[0] != nil || decisions[3] == nil || !decisions[3].Allowed {
		t.Fatalf("%+v %v", decisions, errs)
	}
	if decisions[1] != nil || !errors.Is(errs[1], ocitrust.ErrNotFound) {
		t.Fatalf("%+v %v", decisions[1], errs[1])
	}
	if decisions[2] != nil || !errors.Is(errs[2], ocitrust.ErrInvalidReference) {
		t.Fatalf("%+v %v", decisions[2], errs[2])
	}
	if decisions, errs, err = policy.EvaluateAll(context.Background(), nil, 2); err != nil || len(decisions) != 0 || len(errs) != 0 {
		t.Fatalf("%v %v %v", decisions, errs, err)
	}
}
