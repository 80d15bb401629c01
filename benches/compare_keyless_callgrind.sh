#!/usr/bin/env bash
# Instructions of one keyless verification (examples/keyless_callgrind.rs) for ocitrust on ring and
# on aws-lc-rs, sigstore-verify and sigstore-rs, counted by callgrind (repeatable whatever else the
# machine runs): the run with 11 verifications minus the run with 1, divided by 10. Two inputs: the
# keyless bundle (all three) and the legacy keyless layer (ocitrust and sigstore-verify; see
# src/legacy_keyless.rs for why sigstore-rs cannot be given it).
set -euo pipefail
cd "$(dirname "$0")"
count() { # binary input implementation n
  local out; out="$(mktemp)"
  valgrind --tool=callgrind --callgrind-out-file="$out" "$1" "$2" "$3" "$4" >/dev/null 2>&1
  callgrind_annotate "$out" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}'
  rm -f "$out"
}
per_verification() { # binary input implementation
  local one eleven; one="$(count "$1" "$2" "$3" 1)"; eleven="$(count "$1" "$2" "$3" 11)"
  echo $(( (eleven - one) / 10 ))
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%5.2f", a/b}'; }
cargo build -q --release --example keyless_callgrind
cp target/release/examples/keyless_callgrind target/keyless_callgrind-ring
cargo build -q --release --example keyless_callgrind --features aws-lc-rs
cp target/release/examples/keyless_callgrind target/keyless_callgrind-aws-lc

ring="$(per_verification target/keyless_callgrind-ring bundle ocitrust)"
awslc="$(per_verification target/keyless_callgrind-aws-lc bundle ocitrust)"
sv="$(per_verification target/keyless_callgrind-ring bundle sigstore_verify)"
rs="$(per_verification target/keyless_callgrind-ring bundle sigstore_rs)"
printf 'instructions per keyless bundle verification\n'
printf '  ocitrust (ring)      %12d  %sx fewer than sigstore-verify, %sx fewer than sigstore-rs\n' "$ring" "$(ratio "$sv" "$ring")" "$(ratio "$rs" "$ring")"
printf '  ocitrust (aws-lc-rs) %12d  %sx fewer than sigstore-verify, %sx fewer than sigstore-rs\n' "$awslc" "$(ratio "$sv" "$awslc")" "$(ratio "$rs" "$awslc")"
printf '  sigstore-verify      %12d\n' "$sv"
printf '  sigstore-rs          %12d\n' "$rs"

ring="$(per_verification target/keyless_callgrind-ring layer ocitrust)"
awslc="$(per_verification target/keyless_callgrind-aws-lc layer ocitrust)"
sv="$(per_verification target/keyless_callgrind-ring layer sigstore_verify)"
printf 'instructions per legacy keyless layer verification\n'
printf '  ocitrust (ring)      %12d  %sx fewer than sigstore-verify\n' "$ring" "$(ratio "$sv" "$ring")"
printf '  ocitrust (aws-lc-rs) %12d  %sx fewer than sigstore-verify\n' "$awslc" "$(ratio "$sv" "$awslc")"
printf '  sigstore-verify      %12d\n' "$sv"
