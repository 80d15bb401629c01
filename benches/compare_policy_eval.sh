#!/usr/bin/env bash
# What a trust policy adds to the verification it runs, counted by callgrind over the whole process
# (repeatable on a noisy machine): `ocitrust verify --key … --insecure-ignore-tlog` on the sample
# layout against `ocitrust policy eval` of the same image under a policy requiring that key (the
# document read and compiled, the reference resolved once, the decision and its explanation).
# Prints both counts and the ratio. Usage: benches/compare_policy_eval.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --locked --quiet --release -p ocitrust-cli
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cat >"$work/policy.yaml" <<YAML
apiVersion: ocitrust.dev/v1alpha1
kind: TrustPolicy
authorities:
  vendor-key: {cosign: {key: $PWD/examples/sample-image/cosign.pub, tlog: ignore}}
policies:
- name: samples
  scope: ["oci:examples/**"]
  signatures: {any: [vendor-key]}
YAML
count() { # name command...
  local name="$1"; shift
  valgrind --tool=callgrind --callgrind-out-file="$work/$name.out" "$@" >"$work/$name.stdout" 2>"$work/$name.stderr" || {
    echo "$name failed under callgrind:" >&2; cat "$work/$name.stderr" >&2; exit 1; }
  sed -n 's/^==[0-9]*== Collected : \([0-9]*\)$/\1/p' "$work/$name.stderr"
}
verify="$(count verify target/release/ocitrust verify --key examples/sample-image/cosign.pub --insecure-ignore-tlog \
  oci:examples/sample-image/layout)"
eval_="$(count eval target/release/ocitrust policy eval --policy "$work/policy.yaml" oci:examples/sample-image/layout)"
grep -q '^ALLOWED' "$work/eval.stdout" || { echo "policy eval did not allow the sample:" >&2; cat "$work/eval.stdout" "$work/eval.stderr" >&2; exit 1; }
echo "verify --key, whole process:      $verify instructions"
echo "policy eval, same image and key:  $eval_ instructions"
awk -v v="$verify" -v e="$eval_" 'BEGIN { printf "policy eval / verify: %.3f (%+.1f%%)\n", e / v, (e - v) * 100 / v }'
