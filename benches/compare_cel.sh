#!/usr/bin/env bash
# One CEL condition over a 5,000-component CycloneDX SBOM — the attestation condition of the trust
# policy benchmark — evaluated by ocitrust and by cel-go v0.26.1 (tests/tools/cel-oracle) in the
# same run, each compiled once and evaluated N times; prints both means and the ratio.
# Usage: benches/compare_cel.sh [N]   (default 200; needs the oracle: eval "$(tests/tools/install.sh)")
set -euo pipefail
cd "$(dirname "$0")"
n="${1:-200}"
[ -n "${OCITRUST_CEL_ORACLE:-}" ] || eval "$(../tests/tools/install.sh)"
request="$(mktemp)"
trap 'rm -f "$request"' EXIT
python3 - "$request" <<'PY'
import json, sys
components = [{"type": "library", "name": f"component-{i}", "version": "1.0.0", "purl": f"pkg:generic/component-{i}@1.0.0"}
              for i in range(5000)]
request = {"expr": '!predicate.components.exists(c, c.name == "log4j-core")',
           "predicate": {"bomFormat": "CycloneDX", "specVersion": "1.5", "components": components},
           "statement": None, "signer": None, "image": None}
json.dump(request, open(sys.argv[1], "w"))
PY
cargo build --quiet --release --example cel_time
ours="$(target/release/examples/cel_time "$n" < "$request")"
theirs="$("$OCITRUST_CEL_ORACLE" bench "$n" < "$request")"
echo "ocitrust: $ours ns per evaluation"
echo "cel-go:   $theirs ns per evaluation"
awk -v o="$ours" -v t="$theirs" 'BEGIN { printf "ocitrust is %.2fx the speed of cel-go\n", t / o }'
