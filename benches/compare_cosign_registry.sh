#!/usr/bin/env bash
# ocitrust and cosign verifying the same cosign-signed image in a loopback docker-registry, in one
# run: wall time per verification (the whole process, as a user or an admission hook runs it) and
# the HTTP requests each makes, counted in the registry's access log by User-Agent; then the
# committed sample layout (`cosign verify --local-image` against `ocitrust verify oci:`).
#   bash benches/compare_cosign_registry.sh [RUNS]     (default 20 runs each)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
RUNS="${1:-20}"
eval "$(tests/tools/install.sh)"
cargo build -q --release -p ocitrust-cli
OCITRUST="$ROOT/target/release/ocitrust"

work="$(mktemp -d)"
address="$(bash tests/tools/registry.sh "$work/registry")"
trap 'kill "$(cat "$work/registry/pid")" 2>/dev/null; rm -rf "$work"' EXIT
python3 examples/sample-image/build_image.py "$work/image" >/dev/null
"$OCITRUST_CRANE" push --insecure "$work/image" "$address/bench:v1" >/dev/null 2>&1
HOME="$work" COSIGN_PASSWORD="" "$OCITRUST_COSIGN" sign --key examples/sample-image/cosign.key \
  --tlog-upload=false -y "$address/bench:v1" >/dev/null 2>&1
digest="$("$OCITRUST_CRANE" digest --insecure "$address/bench:v1")"
key=examples/sample-image/cosign.pub

run_ocitrust() { "$OCITRUST" verify --key "$key" --insecure-ignore-tlog "$1" >/dev/null 2>&1; }
run_cosign() { HOME="$work" "$OCITRUST_COSIGN" verify --key "$key" --insecure-ignore-tlog "$1" >/dev/null 2>&1; }
run_ocitrust_layout() { "$OCITRUST" verify --key "$key" --insecure-ignore-tlog "oci:$1" >/dev/null 2>&1; }
run_cosign_layout() {
  HOME="$work" "$OCITRUST_COSIGN" verify --key "$key" --insecure-ignore-tlog --local-image "$1" >/dev/null 2>&1
}

requests() { # tool-function reference user-agent-pattern: requests one verification makes
  local before after
  before="$(grep -c "$3" "$work/registry/log" || true)"
  "$1" "$2"
  sleep 0.2
  after="$(grep -c "$3" "$work/registry/log" || true)"
  echo $((after - before))
}

millis_per_run() { # tool-function reference
  local start end
  "$1" "$2" # warm the page cache and any local state first
  start="$(date +%s%N)"
  for _ in $(seq 1 "$RUNS"); do "$1" "$2"; done
  end="$(date +%s%N)"
  awk -v ns="$((end - start))" -v n="$RUNS" 'BEGIN {printf "%.1f", ns / n / 1e6}'
}

echo "cosign $("$OCITRUST_COSIGN" version 2>/dev/null | awk '/GitVersion/ {print $2}') vs ocitrust $("$OCITRUST" --version | awk '{print $2}'), $RUNS runs each"
for ref in "$address/bench:v1" "$address/bench@$digest"; do
  ours_ms="$(millis_per_run run_ocitrust "$ref")"
  theirs_ms="$(millis_per_run run_cosign "$ref")"
  ours_req="$(requests run_ocitrust "$ref" '"ocitrust/')"
  theirs_req="$(requests run_cosign "$ref" 'cosign/')"
  kind="by tag"; case "$ref" in *@sha256:*) kind="by digest";; esac
  printf '%-9s ocitrust %7.1f ms, %2d requests | cosign %7.1f ms, %2d requests | %.1fx less time\n' \
    "$kind" "$ours_ms" "$ours_req" "$theirs_ms" "$theirs_req" "$(awk -v a="$theirs_ms" -v b="$ours_ms" 'BEGIN {print a/b}')"
done
ours_ms="$(millis_per_run run_ocitrust_layout examples/sample-image/layout)"
theirs_ms="$(millis_per_run run_cosign_layout examples/sample-image/layout)"
printf '%-9s ocitrust %7.1f ms              | cosign %7.1f ms              | %.1fx less time\n' \
  "layout" "$ours_ms" "$theirs_ms" "$(awk -v a="$theirs_ms" -v b="$ours_ms" 'BEGIN {print a/b}')"
