#!/usr/bin/env bash
# ocitrust and cosign getting the verified SBOM of the same attested image out of a loopback
# docker-registry, in one run, each as its users run it:
#   ocitrust verify-attestation --key K --insecure-ignore-tlog --type cyclonedx --output-predicate F IMAGE
#   cosign verify-attestation --key K --insecure-ignore-tlog --type cyclonedx IMAGE | jq '.payload | @base64d | fromjson | .predicate' > F
# The SBOM (generated: N components, about 0.2 KiB each) is attested by the real cosign v2; both
# outputs are checked to hold the same JSON value. Wall time per extraction, whole processes.
#   bash benches/compare_attestation_registry.sh [RUNS] [COMPONENTS]   (default 20 runs, 5000 components)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
RUNS="${1:-20}"
COMPONENTS="${2:-5000}"
eval "$(tests/tools/install.sh)"
if ! command -v jq >/dev/null; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq jq) >&2
fi
cargo build -q --release -p ocitrust-cli
OCITRUST="$ROOT/target/release/ocitrust"

work="$(mktemp -d)"
address="$(bash tests/tools/registry.sh "$work/registry")"
trap 'kill "$(cat "$work/registry/pid")" 2>/dev/null; rm -rf "$work"' EXIT
python3 examples/sample-image/build_image.py "$work/image" >/dev/null
"$OCITRUST_CRANE" push --insecure "$work/image" "$address/bench:v1" >/dev/null 2>&1
digest="$("$OCITRUST_CRANE" digest --insecure "$address/bench:v1")"
image="$address/bench@$digest"
python3 - "$COMPONENTS" > "$work/sbom.json" <<'PY'
import json, sys
n = int(sys.argv[1])
print(json.dumps({"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1, "components": [
    {"type": "library", "name": f"component-{i}", "version": f"1.{i % 17}.{i % 5}",
     "purl": f"pkg:generic/component-{i}@1.{i % 17}.{i % 5}", "licenses": [{"license": {"id": "Apache-2.0"}}],
     "hashes": [{"alg": "SHA-256", "content": f"{i:064x}"}]} for i in range(n)]}))
PY
HOME="$work" COSIGN_PASSWORD="" "$OCITRUST_COSIGN" attest --key examples/sample-image/cosign.key --type cyclonedx \
  --predicate "$work/sbom.json" --tlog-upload=false -y "$image" >/dev/null 2>&1
key=examples/sample-image/cosign.pub

run_ocitrust() {
  "$OCITRUST" verify-attestation --key "$key" --insecure-ignore-tlog --type cyclonedx \
    --output-predicate "$work/ours.json" "$image" >/dev/null 2>&1
}
run_cosign() {
  HOME="$work" "$OCITRUST_COSIGN" verify-attestation --key "$key" --insecure-ignore-tlog --type cyclonedx "$image" \
    2>/dev/null | jq '.payload | @base64d | fromjson | .predicate' > "$work/theirs.json"
}

millis_per_run() { # tool-function
  local start end
  "$1" # warm the page cache and any local state first
  start="$(date +%s%N)"
  for _ in $(seq 1 "$RUNS"); do "$1"; done
  end="$(date +%s%N)"
  awk -v ns="$((end - start))" -v n="$RUNS" 'BEGIN {printf "%.1f", ns / n / 1e6}'
}

ours_ms="$(millis_per_run run_ocitrust)"
theirs_ms="$(millis_per_run run_cosign)"
if ! cmp -s <(jq -S . "$work/ours.json") <(jq -S . "$work/theirs.json"); then
  echo "the two extracted SBOMs differ" >&2
  exit 1
fi
echo "cosign $("$OCITRUST_COSIGN" version 2>/dev/null | awk '/GitVersion/ {print $2}') + jq $(jq --version) vs ocitrust $("$OCITRUST" --version | awk '{print $2}'), $RUNS runs each"
printf 'SBOM of %d components (%d KiB): ocitrust %.1f ms | cosign | jq %.1f ms | %.1fx less time, same JSON value\n' \
  "$COMPONENTS" "$(( $(stat -c %s "$work/sbom.json") / 1024 ))" "$ours_ms" "$theirs_ms" \
  "$(awk -v a="$theirs_ms" -v b="$ours_ms" 'BEGIN {print a/b}')"
