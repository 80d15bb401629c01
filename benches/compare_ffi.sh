#!/usr/bin/env bash
# One verification of the embedded sample image through the Rust API, the C ABI and the Go binding,
# in one run: criterion (benches/ffi_verify.rs) for Rust and C, `go test -bench` for Go, against the
# same release build of the library. Prints each time (criterion's mean; the median of three Go runs)
# and its ratio to the Rust API.
set -euo pipefail
cd "$(dirname "$0")"
ROOT="$(cd .. && pwd)"
PREFIX="$ROOT/target/ocitrust-prefix-release"
make --no-print-directory -C "$ROOT" install PREFIX="$PREFIX" PROFILE=release >/dev/null

criterion="$(cargo bench --bench ffi_verify -- --noplot 2>/dev/null)"
# criterion prints "verify_sample/<case>" then "time:   [low unit mid unit high unit]".
micros() { # case
  echo "$criterion" | grep -A1 "^verify_sample/$1\$" | awk -F'[][]' '/time:/ {split($2, t, " "); v=t[3]; u=t[4];
    if (u=="ns") v/=1000; else if (u=="ms") v*=1000; print v}'
}
go_micros() { # benchmark name; the median ns/op of the runs, in µs
  echo "$gobench" | awk -v name="$1" '$1 ~ "^"name"(-[0-9]+)?$" {print $3/1000}' | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'
}
# -a: Go's build cache does not look at C archives; rebuild so the release library is surely linked.
gobench="$(cd "$ROOT/bindings/go" && PKG_CONFIG_PATH="$PREFIX/lib/pkgconfig" \
  go test -a -run '^$' -bench 'BenchmarkVerify(Bytes|Layout)$' -benchtime 2s -count 3 .)"

for kind in bytes layout; do
  rust="$(micros "$kind/rust_api")"
  c="$(micros "$kind/c_abi")"
  case "$kind" in bytes) go="$(go_micros BenchmarkVerifyBytes)";; layout) go="$(go_micros BenchmarkVerifyLayout)";; esac
  printf '%-7s Rust API %8.1f µs | C ABI %8.1f µs (%.2fx) | Go %8.1f µs (%.2fx)\n' "$kind" "$rust" \
    "$c" "$(awk -v a="$c" -v b="$rust" 'BEGIN {print a/b}')" \
    "$go" "$(awk -v a="$go" -v b="$rust" 'BEGIN {print a/b}')"
done
