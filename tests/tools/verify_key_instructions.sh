#!/usr/bin/env bash
# The whole `ocitrust verify --key` process on the committed sample layout (README command 1) stays
# under a budget of instructions, counted by callgrind: an instruction count is repeatable on a
# noisy machine, a wall-clock time is not. It was 59.2 M when every start verified the embedded
# Sigstore root's certificate chains (P-384) that a key-based verification never uses.
#   tests/tools/verify_key_instructions.sh [BUDGET]     (default 3000000)
set -euo pipefail
cd "$(dirname "$0")/../.."
budget="${1:-3000000}"
cargo build --locked --quiet --release -p ocitrust-cli
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
valgrind --tool=callgrind --callgrind-out-file="$out/callgrind.out" \
  target/release/ocitrust verify --key examples/sample-image/cosign.pub --insecure-ignore-tlog \
  oci:examples/sample-image/layout >"$out/stdout" 2>"$out/stderr" || {
  echo "ocitrust verify --key under callgrind failed:" >&2; cat "$out/stderr" >&2; exit 1; }
grep -q '"docker-manifest-digest":"sha256:198ab554' "$out/stdout" || {
  echo "ocitrust verify --key printed no verified payload:" >&2; cat "$out/stdout" "$out/stderr" >&2; exit 1; }
total="$(sed -n 's/^==[0-9]*== Collected : \([0-9]*\)$/\1/p' "$out/stderr")"
[ -n "$total" ] || { echo "callgrind reported no instruction count" >&2; cat "$out/stderr" >&2; exit 1; }
echo "verify --key on the sample layout, whole process: $total instructions (budget $budget)"
if [ "$total" -gt "$budget" ]; then
  echo "over budget: see callgrind_annotate --inclusive=yes on a run of this command" >&2
  exit 1
fi
