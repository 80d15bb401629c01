#!/usr/bin/env bash
# Regenerates the sample image: a tiny OCI image built here, pushed to a loopback docker-registry,
# signed by the real cosign (v2, key-based, --tlog-upload=false, annotation org=ocitrust-sample) and
# saved with `cosign save` into layout/. The key pair is made by `cosign generate-key-pair` with an
# empty password. Run from anywhere; needs go, python3, curl.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
eval "$("$root/tests/tools/install.sh")"
work="$(mktemp -d)"
trap 'kill "$(cat "$work/registry/pid" 2>/dev/null)" 2>/dev/null || true; rm -rf "$work"' EXIT

python3 "$here/build_image.py" "$work/image"
registry="$("$root/tests/tools/registry.sh" "$work/registry")"
"$OCITRUST_CRANE" push --insecure "$work/image" "$registry/sample:v1" >/dev/null

cd "$work"
COSIGN_PASSWORD= "$OCITRUST_COSIGN" generate-key-pair >/dev/null 2>&1
COSIGN_PASSWORD= "$OCITRUST_COSIGN" sign --key cosign.key --tlog-upload=false -y -a org=ocitrust-sample "$registry/sample:v1" >/dev/null 2>&1
rm -rf "$here/layout"
"$OCITRUST_COSIGN" save --dir "$here/layout" "$registry/sample:v1" >/dev/null 2>&1
cp cosign.pub cosign.key "$here/"
echo "sample image regenerated in $here/layout" >&2
