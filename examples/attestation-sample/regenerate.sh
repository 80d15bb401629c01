#!/usr/bin/env bash
# Regenerates the attestation sample, attested by the real cosign with the sample image's key
# (examples/sample-image/cosign.key, empty password), no transparency log (--tlog-upload=false):
#   layout-v2/  a multi-arch index (build_multiarch.py: linux/amd64 = the sample image, linux/arm64,
#               linux/riscv64) pushed to a loopback docker-registry and attested by cosign v2.4.3 on
#               the tag scheme (.att): amd64 a CycloneDX SBOM and an SPDX document, arm64 its own
#               CycloneDX SBOM, riscv64 nothing, the index a CycloneDX SBOM of its own; pulled with
#               crane (the index, its platforms, the three `.att` manifests), each entry of
#               index.json then named by its registry tag (`v1`, `sha256-<hex>.att`): `cosign save`
#               would keep only the index's own attestations;
#   layout-v3/  the sample image attested by cosign v3.1.3 (a Sigstore bundle referrer with the
#               amd64 CycloneDX SBOM), pulled with crane with its referrer.
# cosign verifies every attestation before anything is kept. Run from anywhere; needs go, python3.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
eval "$("$root/tests/tools/install.sh")"
work="$(mktemp -d)"
trap 'kill "$(cat "$work/registry/pid" 2>/dev/null)" 2>/dev/null || true; rm -rf "$work"' EXIT
export DOCKER_CONFIG="$work/docker" COSIGN_PASSWORD=
key="$root/examples/sample-image/cosign.key"
pub="$root/examples/sample-image/cosign.pub"

python3 "$here/build_multiarch.py" "$work/multiarch"
python3 "$root/examples/sample-image/build_image.py" "$work/image"
registry="$("$root/tests/tools/registry.sh" "$work/registry")"
"$OCITRUST_CRANE" push --insecure "$work/multiarch" "$registry/attested:v1" >/dev/null
"$OCITRUST_CRANE" push --insecure "$work/image" "$registry/attested-v3:v1" >/dev/null
index="$("$OCITRUST_CRANE" digest --insecure "$registry/attested:v1")"
platform() { "$OCITRUST_CRANE" digest --insecure --platform "$1" "$registry/attested:v1"; }
amd64="$(platform linux/amd64)"; arm64="$(platform linux/arm64)"

attest() { # image type predicate
  "$OCITRUST_COSIGN" attest --key "$key" --type "$2" --predicate "$here/predicates/$3" --tlog-upload=false -y \
    --allow-insecure-registry "$1" >/dev/null 2>&1
  "$OCITRUST_COSIGN" verify-attestation --key "$pub" --insecure-ignore-tlog --type "$2" \
    --allow-insecure-registry "$1" >/dev/null 2>&1
}
attest "$registry/attested@$amd64" cyclonedx sbom-amd64.json
attest "$registry/attested@$amd64" spdxjson spdx-amd64.json
attest "$registry/attested@$arm64" cyclonedx sbom-arm64.json
attest "$registry/attested@$index" cyclonedx sbom-index.json

v3="$("$OCITRUST_CRANE" digest --insecure "$registry/attested-v3:v1")"
(cd "$work" && "$OCITRUST_COSIGN_V3" signing-config create --out signing-config.json >/dev/null)
"$OCITRUST_COSIGN_V3" attest --key "$key" --signing-config "$work/signing-config.json" --type cyclonedx \
  --predicate "$here/predicates/sbom-amd64.json" -y --allow-insecure-registry "$registry/attested-v3@$v3" >/dev/null 2>&1
"$OCITRUST_COSIGN_V3" verify-attestation --key "$pub" --insecure-ignore-tlog --type cyclonedx \
  --allow-insecure-registry "$registry/attested-v3@$v3" >/dev/null 2>&1
referrers="$("$OCITRUST_CRANE" manifest --insecure "$registry/attested-v3:${v3/:/-}")"
bundle="$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["manifests"][0]["digest"])' "$referrers")"

rm -rf "$here/layout-v2" "$here/layout-v3"
att() { echo "$registry/attested:${1/:/-}.att"; }
tags=("$registry/attested:v1" "$(att "$amd64")" "$(att "$arm64")" "$(att "$index")")
"$OCITRUST_CRANE" pull --insecure --format oci "${tags[@]}" "$here/layout-v2" >/dev/null
names=()
for tagged in "${tags[@]}"; do
  names+=("$("$OCITRUST_CRANE" digest --insecure "$tagged")=${tagged##*:}")
done
python3 - "$here/layout-v2/index.json" "${names[@]}" <<'PY'
import json, sys
path, names = sys.argv[1], dict(arg.split("=", 1) for arg in sys.argv[2:])
index = json.load(open(path))
assert sorted(e["digest"] for e in index["manifests"]) == sorted(names), (index, names)
for entry in index["manifests"]:
    entry.setdefault("annotations", {})["org.opencontainers.image.ref.name"] = names[entry["digest"]]
json.dump(index, open(path, "w"), indent=3)
PY
"$OCITRUST_CRANE" pull --insecure --format oci "$registry/attested-v3@$v3" "$registry/attested-v3@$bundle" \
  "$here/layout-v3" >/dev/null
echo "attestation sample regenerated in $here (index $index, amd64 $amd64, arm64 $arm64)" >&2
