#!/usr/bin/env bash
# Batch verification against a loopback registry (three kinds: benches/each_registry.sh), in one run:
# IMAGES images (distinct digests, each signed by cosign with a key) decided by one `ocitrust policy
# eval --jobs JOBS` under a policy requiring that key, against a shell loop of `cosign verify` over the
# same images. Prints the wall time of each, the CPU ocitrust and the registry spent, the ratio, the
# registry requests per image each made (counted in the registry's log), and ocitrust's peak RSS for
# IMAGES images and for a fifth of them (memory should stay flat in the number of images).
#   bash benches/compare_batch.sh [IMAGES] [JOBS]     (defaults 200, 8)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
IMAGES="${1:-200}"
JOBS="${2:-8}"
eval "$(tests/tools/install.sh --benches)"
source benches/each_registry.sh
cargo build -q --release -p ocitrust-cli
OCITRUST="$ROOT/target/release/ocitrust"

work="$(mktemp -d)"
address="$(bash tests/tools/registry.sh "$work/registry")"
trap 'kill "$(cat "$work/registry/pid")" 2>/dev/null; rm -rf "$work"' EXIT

echo "pushing and signing $IMAGES images (cosign sign, one invocation)..." >&2
python3 examples/sample-image/build_image.py "$work/image" >/dev/null
"$OCITRUST_CRANE" push --insecure "$work/image" "$address/batch:base" >/dev/null 2>&1
: >"$work/images"
for i in $(seq 1 "$IMAGES"); do
  "$OCITRUST_CRANE" mutate --insecure --annotation "bench.image=$i" -t "$address/batch$i:v1" "$address/batch:base" >/dev/null 2>&1
  echo "$address/batch$i:v1" >>"$work/images"
done
# shellcheck disable=SC2046
HOME="$work" COSIGN_PASSWORD="" "$OCITRUST_COSIGN" sign --key examples/sample-image/cosign.key \
  --tlog-upload=false -y $(cat "$work/images") >/dev/null 2>&1
head -n "$((IMAGES / 5))" "$work/images" >"$work/fifth"

bash benches/key_policy.sh "$ROOT" "$address" >"$work/policy.yaml"

# Requests in the registry's log (each registry logs a line a request; one client runs at a time).
log_lines() { grep -cE '(GET|HEAD|PUT|POST|PATCH|DELETE) /v2/' "$work/registry/log" || true; }
millis() { awk -v ns="$1" 'BEGIN {printf "%.0f", ns / 1e6}'; }
registry_ticks() { # the CPU time the registry has used (user + system), in clock ticks
  awk '{print $14 + $15}' "/proc/$(cat "$work/registry/pid")/stat"
}

before="$(log_lines)"
start="$(date +%s%N)"
registry_before="$(registry_ticks)"
/usr/bin/time -f '%M %U %S' -o "$work/rss" "$OCITRUST" policy eval --policy "$work/policy.yaml" --jobs "$JOBS" \
  --from-file "$work/images" >"$work/ocitrust.out"
end="$(date +%s%N)"
ours_ms="$(millis "$((end - start))")"
# The CPU each side spent: ocitrust's (user + system) and the registry's, in ms.
ours_cpu_ms="$(awk '{printf "%.0f", ($2 + $3) * 1000}' "$work/rss")"
registry_cpu_ms="$(awk -v t="$(( $(registry_ticks) - registry_before ))" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.0f", t * 1000 / hz}')"
sleep 0.3
ours_requests="$(( $(log_lines) - before ))"
allowed="$(grep -c '^ALLOWED' "$work/ocitrust.out" || true)"
[ "$allowed" = "$IMAGES" ] || { echo "policy eval allowed $allowed of $IMAGES" >&2; exit 1; }
ours_rss="$(awk '{printf "%.1f", $1 / 1024}' "$work/rss")"
/usr/bin/time -f '%M' -o "$work/rss-fifth" "$OCITRUST" policy eval --policy "$work/policy.yaml" --jobs "$JOBS" \
  --from-file "$work/fifth" >/dev/null
fifth_rss="$(awk '{printf "%.1f", $1 / 1024}' "$work/rss-fifth")"

before="$(log_lines)"
start="$(date +%s%N)"
while read -r image; do
  HOME="$work" "$OCITRUST_COSIGN" verify --key examples/sample-image/cosign.pub --insecure-ignore-tlog "$image" >/dev/null 2>&1
done <"$work/images"
end="$(date +%s%N)"
theirs_ms="$(millis "$((end - start))")"
sleep 0.3
theirs_requests="$(( $(log_lines) - before ))"

echo "$IMAGES images, cosign $("$OCITRUST_COSIGN" version 2>/dev/null | awk '/GitVersion/ {print $2}') vs ocitrust"
printf 'ocitrust policy eval --jobs %d: %7d ms  %5.2f registry requests/image  peak RSS %s MiB (%s MiB for %d images)\n' \
  "$JOBS" "$ours_ms" "$(awk -v r="$ours_requests" -v n="$IMAGES" 'BEGIN {print r / n}')" "$ours_rss" "$fifth_rss" "$((IMAGES / 5))"
printf '  CPU: ocitrust %d ms, the registry %d ms\n' "$ours_cpu_ms" "$registry_cpu_ms"
printf 'cosign verify, shell loop:    %7d ms  %5.2f registry requests/image\n' \
  "$theirs_ms" "$(awk -v r="$theirs_requests" -v n="$IMAGES" 'BEGIN {print r / n}')"
awk -v a="$theirs_ms" -v b="$ours_ms" 'BEGIN {printf "%.1fx less wall time\n", a / b}'
