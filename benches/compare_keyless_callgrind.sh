#!/usr/bin/env bash
# Instructions of one keyless bundle verification (examples/keyless_callgrind.rs) for ocitrust on
# ring and on aws-lc-rs, sigstore-verify and sigstore-rs, counted by callgrind (repeatable whatever
# else the machine runs): the run with 11 verifications minus the run with 1, divided by 10.
set -euo pipefail
cd "$(dirname "$0")"
count() { # binary implementation n
  local out; out="$(mktemp)"
  valgrind --tool=callgrind --callgrind-out-file="$out" "$1" "$2" "$3" >/dev/null 2>&1
  callgrind_annotate "$out" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}'
  rm -f "$out"
}
per_verification() { # binary implementation
  local one eleven; one="$(count "$1" "$2" 1)"; eleven="$(count "$1" "$2" 11)"
  echo $(( (eleven - one) / 10 ))
}
cargo build -q --release --example keyless_callgrind
cp target/release/examples/keyless_callgrind target/keyless_callgrind-ring
cargo build -q --release --example keyless_callgrind --features aws-lc-rs
cp target/release/examples/keyless_callgrind target/keyless_callgrind-aws-lc
ring="$(per_verification target/keyless_callgrind-ring ocitrust)"
awslc="$(per_verification target/keyless_callgrind-aws-lc ocitrust)"
sv="$(per_verification target/keyless_callgrind-ring sigstore_verify)"
rs="$(per_verification target/keyless_callgrind-ring sigstore_rs)"
printf 'instructions per verification\n'
printf '  ocitrust (ring)      %12d  %5.2fx fewer than sigstore-verify, %5.2fx fewer than sigstore-rs\n' "$ring" "$(awk -v a="$sv" -v b="$ring" 'BEGIN{print a/b}')" "$(awk -v a="$rs" -v b="$ring" 'BEGIN{print a/b}')"
printf '  ocitrust (aws-lc-rs) %12d  %5.2fx fewer than sigstore-verify, %5.2fx fewer than sigstore-rs\n' "$awslc" "$(awk -v a="$sv" -v b="$awslc" 'BEGIN{print a/b}')" "$(awk -v a="$rs" -v b="$awslc" 'BEGIN{print a/b}')"
printf '  sigstore-verify      %12d\n' "$sv"
printf '  sigstore-rs          %12d\n' "$rs"
