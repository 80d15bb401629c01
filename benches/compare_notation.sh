#!/usr/bin/env bash
# ocitrust and notation verifying the same notation signature, in one run, each as its users run it
# (`notation verify …` and `ocitrust notation verify …`, same flags, same config directory):
#   layout:   the committed notation sample (examples/notation-sample: a JWS and a COSE envelope,
#             both tools stop at the first that verifies), --oci-layout --scope local/notation-sample
#   registry: the sample image in a loopback docker-registry, signed by notation (JWS, the test
#             PKI's RSA signer), under the same trust policy
# Wall time per verification, whole processes, RUNS runs each; then the instructions one in-process
# verification of a JWS and of a COSE envelope takes (callgrind, examples/notation_callgrind.rs).
#   bash benches/compare_notation.sh [RUNS]   (default 20)
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
export XDG_CONFIG_HOME="$work/config" NOTATION_EXPERIMENTAL=1 XDG_CACHE_HOME="$work/cache"
mkdir -p "$XDG_CONFIG_HOME"
cp -r examples/notation-sample/notation-config "$XDG_CONFIG_HOME/notation"
python3 - "$XDG_CONFIG_HOME/notation/trustpolicy.json" "$address/bench" <<'PY'
import json, sys
path, scope = sys.argv[1], sys.argv[2]
policy = json.load(open(path))
policy["trustPolicies"][0]["registryScopes"].append(scope)
json.dump(policy, open(path, "w"))
PY
pki=tests/fixtures/notation
cat "$pki/signer-rsa.pem" "$pki/intermediate.pem" "$pki/root.pem" > "$work/chain.pem"
printf '{"default":"bench","keys":[{"name":"bench","keyPath":"%s","certPath":"%s"}]}' \
  "$ROOT/$pki/signer-rsa.key.pem" "$work/chain.pem" > "$XDG_CONFIG_HOME/notation/signingkeys.json"
python3 examples/sample-image/build_image.py "$work/image" >/dev/null
"$OCITRUST_CRANE" push --insecure "$work/image" "$address/bench:v1" >/dev/null 2>&1
image="$address/bench@$("$OCITRUST_CRANE" digest --insecure "$address/bench:v1")"
"$OCITRUST_NOTATION" sign --insecure-registry "$image" >/dev/null
layout="examples/notation-sample/layout@$(cat examples/notation-sample/digest)"

millis_per_run() { # command...
  local start end
  "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; "$@"; exit 1; }
  start="$(date +%s%N)"
  for _ in $(seq 1 "$RUNS"); do "$@" >/dev/null 2>&1; done
  end="$(date +%s%N)"
  awk -v ns="$((end - start))" -v n="$RUNS" 'BEGIN {printf "%.1f", ns / n / 1e6}'
}
report() { # what ours theirs
  printf '%-9s ocitrust %6.1f ms | notation %6.1f ms | %.1fx less time\n' "$1" "$2" "$3" "$(awk -v a="$3" -v b="$2" 'BEGIN {print a/b}')"
}
echo "notation $("$OCITRUST_NOTATION" version | awk '/^Version/ {print $2}') vs ocitrust $("$OCITRUST" --version | awk '{print $2}'), $RUNS runs each"
ours="$(millis_per_run "$OCITRUST" notation verify --oci-layout --scope local/notation-sample "$layout")"
theirs="$(millis_per_run "$OCITRUST_NOTATION" verify --oci-layout --scope local/notation-sample "$layout")"
report layout "$ours" "$theirs"
ours="$(millis_per_run "$OCITRUST" notation verify --insecure-registry "$image")"
theirs="$(millis_per_run "$OCITRUST_NOTATION" verify --insecure-registry "$image")"
report registry "$ours" "$theirs"

cd benches
cargo build -q --release --example notation_callgrind
count() { # format n
  local out; out="$(mktemp)"
  valgrind --tool=callgrind --callgrind-out-file="$out" target/release/examples/notation_callgrind "$1" "$2" >/dev/null 2>&1
  callgrind_annotate "$out" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}'
  rm -f "$out"
}
for format in jws cose; do
  one="$(count "$format" 1)"; eleven="$(count "$format" 11)"
  printf 'instructions per in-process %s verification (ring): %d\n' "$format" $(( (eleven - one) / 10 ))
done
