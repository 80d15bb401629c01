#!/usr/bin/env bash
# What reading trust material and images from their newer sources costs, in one run, RUNS times each
# (release build, whole process, wall time):
#   1. keyless verification of the committed keyless sample under the trusted root from a TUF cache
#      (verified again by tough on every use; a python-tuf repository on loopback, `ocitrust
#      initialize`d) against the same root given as --trusted-root: the TUF cache's cost;
#   2. the sample image shipped as a gzip tar: `ocitrust verify oci-archive:app.tar.gz` against what
#      cosign needs for the same file (tar -xzf, then cosign verify --local-image), and against
#      ocitrust on the unpacked layout.
#   bash benches/trust_material.sh [RUNS]     (default 50)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
RUNS="${1:-50}"
eval "$(tests/tools/install.sh)"
cargo build -q --release -p ocitrust-cli
OCITRUST="$ROOT/target/release/ocitrust"
work="$(mktemp -d)"
# shellcheck source=../tests/tools/tuf_server.sh
source tests/tools/tuf_server.sh
tuf_server_start "$work/tuf"
trap 'kill "$TUF_SERVER" 2>/dev/null || true; rm -rf "$work"' EXIT
export XDG_CACHE_HOME="$work/cache"
"$OCITRUST" initialize --mirror "$OCITRUST_TEST_TUF_MIRROR" --root "$OCITRUST_TEST_TUF_ROOT" >/dev/null

per_run_ms() { # command... ; prints the mean wall time of RUNS runs in ms
  local start end
  start=$(date +%s%N)
  for _ in $(seq "$RUNS"); do "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }; done
  end=$(date +%s%N)
  awk -v ns="$((end - start))" -v n="$RUNS" 'BEGIN {printf "%.2f", ns / n / 1e6}'
}

issuer="$(cat examples/keyless-sample/issuer)"
keyless=(verify --certificate-identity ci@example.com --certificate-oidc-issuer "$issuer" oci:examples/keyless-sample/layout-bundle)
tuf_ms="$(per_run_ms "$OCITRUST" "${keyless[@]}")"
file_ms="$(per_run_ms "$OCITRUST" "${keyless[@]}" --trusted-root examples/keyless-sample/trusted_root.json)"

tar -C examples/sample-image/layout -czf "$work/app.tar.gz" .
key=(--key examples/sample-image/cosign.pub --insecure-ignore-tlog)
archive_ms="$(per_run_ms "$OCITRUST" verify "${key[@]}" "oci-archive:$work/app.tar.gz")"
layout_ms="$(per_run_ms "$OCITRUST" verify "${key[@]}" oci:examples/sample-image/layout)"
cosign_archive() { rm -rf "$work/unpacked" && mkdir "$work/unpacked" && tar -C "$work/unpacked" -xzf "$work/app.tar.gz" &&
  "$OCITRUST_COSIGN" verify "${key[@]}" --local-image "$work/unpacked"; }
cosign_ms="$(per_run_ms cosign_archive)"

echo "runs: $RUNS each (wall time per run, whole process)"
echo "keyless, trusted root from the TUF cache (verified by tough): $tuf_ms ms"
echo "keyless, the same root from --trusted-root:                   $file_ms ms"
awk -v a="$tuf_ms" -v b="$file_ms" 'BEGIN {printf "the TUF cache costs %.2f ms a verification\n", a - b}'
echo "ocitrust verify oci-archive:app.tar.gz:                       $archive_ms ms"
echo "ocitrust verify oci:layout (unpacked):                        $layout_ms ms"
echo "tar -xzf + cosign verify --local-image:                       $cosign_ms ms"
awk -v a="$archive_ms" -v c="$cosign_ms" 'BEGIN {printf "archive: ocitrust takes %.1fx less time than unpacking for cosign\n", c / a}'
