#!/usr/bin/env bash
# The Go binding's checks, as the test command runs them: stage the C library with `make install`,
# then gofmt, go vet, go test -race (unit tests, the example, the fixtures shared with the C tests, and
# with -tags interop a loopback docker-registry holding cosign-signed images), and the example
# program's exit codes on the sample image and a tampered copy.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
PREFIX="$ROOT/target/ocitrust-prefix"
if [ -z "${OCITRUST_COSIGN:-}" ]; then eval "$("$ROOT/tests/tools/install.sh")"; fi
make --no-print-directory -C "$ROOT" install PREFIX="$PREFIX" PROFILE=dev >/dev/null
export PKG_CONFIG_PATH="$PREFIX/lib/pkgconfig"
# A TUF repository on loopback for tuf_test.go.
# shellcheck source=../../tests/tools/tuf_server.sh
source "$ROOT/tests/tools/tuf_server.sh"
tuf_server_start "$ROOT/target/go-tests/tuf"
cd "$ROOT/bindings/go"

unformatted="$(gofmt -l .)"
if [ -n "$unformatted" ]; then echo "gofmt: not formatted: $unformatted" >&2; exit 1; fi
go vet -tags interop ./...
# -tags interop adds the tests against a real registry with cosign-made signatures.
go test -race -count=1 -tags interop ./...

BUILD="$ROOT/target/go-tests"
mkdir -p "$BUILD"
go build -o "$BUILD/verify" ./examples/verify
python3 "$ROOT/tests/tools/ffi_fixtures.py" "$BUILD/fixtures"
key="$BUILD/fixtures/cosign.pub"
"$BUILD/verify" --key "$key" --insecure-ignore-tlog -a org=ocitrust-sample "oci:$BUILD/fixtures/sample" >/dev/null
status=0
"$BUILD/verify" --key "$key" --insecure-ignore-tlog "oci:$BUILD/fixtures/tampered-payload" 2>"$BUILD/err" || status=$?
if [ "$status" != 12 ] || ! grep -q "no_matching_signatures" "$BUILD/err"; then
  echo "examples/verify on a tampered copy: exit $status, expected 12" >&2; cat "$BUILD/err" >&2; exit 1
fi
# The library installed to another prefix and removed from the first: a build against the new
# prefix must not link the old path from Go's cache (it once failed: "cannot find …/libocitrust.a").
MOVED="$ROOT/target/ocitrust-prefix-moved"
rm -rf "$MOVED"
make --no-print-directory -C "$ROOT" install PREFIX="$MOVED/first" PROFILE=dev >/dev/null
PKG_CONFIG_PATH="$MOVED/first/lib/pkgconfig" go build -o "$BUILD/verify-moved" ./examples/verify
make --no-print-directory -C "$ROOT" install PREFIX="$MOVED/second" PROFILE=dev >/dev/null
rm -rf "$MOVED/first"
PKG_CONFIG_PATH="$MOVED/second/lib/pkgconfig" go build -o "$BUILD/verify-moved" ./examples/verify
"$BUILD/verify-moved" --key "$key" --insecure-ignore-tlog "oci:$BUILD/fixtures/sample" >/dev/null
rm -rf "$MOVED"
libs="$(ldd "$BUILD/verify")" # read whole: `ldd | grep -q` under pipefail can lose the match to SIGPIPE
if grep -q libocitrust <<<"$libs"; then
  echo "examples/verify links libocitrust dynamically; the binding links the static library" >&2; exit 1
fi
echo "-- Go binding tests passed"
