#!/usr/bin/env bash
# The C side of the test suite: installs the library into a staging prefix with `make install`,
# then builds every tests/c/test_*.c with -Wall -Wextra -Werror -pedantic and runs it
#   1. against the static library under AddressSanitizer + UndefinedBehaviorSanitizer (+ LeakSanitizer),
#   2. against the shared library under valgrind (no errors, no definite or indirect leaks),
# and builds examples/c/verify against both libraries and checks its verdicts on the sample image and
# on tampered copies. Needs cc, make, pkg-config, valgrind, python3 (tests/tools/install.sh installs them).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
PREFIX="$ROOT/target/ocitrust-prefix"
BUILD="$ROOT/target/c-tests"
CFLAGS=(-std=c11 -g -O1 -Wall -Wextra -Werror -pedantic)

make --no-print-directory install PREFIX="$PREFIX" PROFILE=dev >/dev/null
export PKG_CONFIG_PATH="$PREFIX/lib/pkgconfig"
mkdir -p "$BUILD"

# For test_tuf.c: a TUF repository served on loopback for the whole run, and the sample image as
# a gzip-compressed oci-archive.
# shellcheck source=../tools/tuf_server.sh
source tests/tools/tuf_server.sh
tuf_server_start "$BUILD/tuf"
tar -C examples/sample-image/layout -czf "$BUILD/sample.tar.gz" .
export OCITRUST_TEST_SAMPLE_ARCHIVE="$BUILD/sample.tar.gz"

fresh_fixtures() {
  export OCITRUST_FIXTURES="$BUILD/fixtures"
  python3 tests/tools/ffi_fixtures.py "$OCITRUST_FIXTURES"
}

echo "-- C tests under ASan + UBSan (static library)"
for src in tests/c/test_*.c; do
  name="$(basename "$src" .c)"
  # shellcheck disable=SC2046
  cc "${CFLAGS[@]}" -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
    -o "$BUILD/$name-asan" "$src" $(pkg-config --cflags --libs ocitrust-static) -lpthread
  fresh_fixtures
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "$BUILD/$name-asan"
done

echo "-- C tests under valgrind (shared library)"
for src in tests/c/test_*.c; do
  name="$(basename "$src" .c)"
  # shellcheck disable=SC2046
  cc "${CFLAGS[@]}" -o "$BUILD/$name-shared" "$src" $(pkg-config --cflags --libs ocitrust) \
    -Wl,-rpath,"$PREFIX/lib" -lpthread
  fresh_fixtures
  valgrind --quiet --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect \
    --errors-for-leak-kinds=definite,indirect "$BUILD/$name-shared"
done

echo "-- examples/c/verify, static and shared"
make --no-print-directory -C examples/c OUT="$BUILD" >/dev/null
fresh_fixtures
expect_exit() { # expected-status program args...
  local expected="$1" status=0; shift
  "$@" >"$BUILD/out" 2>&1 || status=$?
  if [ "$status" != "$expected" ]; then
    echo "FAILED: $* exited $status, expected $expected" >&2; cat "$BUILD/out" >&2; exit 1
  fi
}
for kind in static shared; do
  bin="$BUILD/verify-$kind"
  key="$OCITRUST_FIXTURES/cosign.pub"
  expect_exit 0 "$bin" --key "$key" --insecure-ignore-tlog -a org=ocitrust-sample "oci:$OCITRUST_FIXTURES/sample"
  grep -q "Verified oci:.*sha256:198ab554" "$BUILD/out"
  expect_exit 12 "$bin" --key "$key" "oci:$OCITRUST_FIXTURES/sample"
  expect_exit 12 "$bin" --key "$key" --insecure-ignore-tlog "oci:$OCITRUST_FIXTURES/tampered-payload"
  grep -q "error 301 (no_matching_signatures)" "$BUILD/out"
  expect_exit 1 "$bin" --key "$key" --insecure-ignore-tlog "oci:$OCITRUST_FIXTURES/tampered-manifest"
  grep -q "error 200 (digest_mismatch)" "$BUILD/out"
  expect_exit 10 "$bin" --key "$key" --insecure-ignore-tlog --platform linux/arm64/v8 "oci:$OCITRUST_FIXTURES/multiarch:multi"
  expect_exit 1 "$bin" --key "$OCITRUST_FIXTURES/oversize.pub" "oci:$OCITRUST_FIXTURES/sample"
  grep -q "error 107 (limit_exceeded)" "$BUILD/out"
done
# ldd's output is read whole first: `ldd | grep -q` under pipefail fails at random when grep stops
# reading early and ldd gets SIGPIPE.
static_libs="$(ldd "$BUILD/verify-static")"
shared_libs="$(ldd "$BUILD/verify-shared")"
if grep -q ocitrust <<<"$static_libs"; then echo "verify-static links libocitrust dynamically" >&2; exit 1; fi
if ! grep -q "libocitrust.so.0" <<<"$shared_libs"; then echo "verify-shared does not use libocitrust.so" >&2; exit 1; fi
echo "-- C tests passed"
