#!/usr/bin/env bash
# SHA-256 throughput: ocitrust (criterion, 64 MiB one-shot) next to `openssl speed -evp sha256`
# (16 KiB blocks, its best case) in the same run; prints both and the ratio.
set -euo pipefail
cd "$(dirname "$0")"
ours_line="$(cargo bench --bench digest -- --noplot 'sha256/one_shot_64MiB' 2>/dev/null | grep -A2 'one_shot_64MiB' | grep 'thrpt' | head -1)"
# criterion prints: thrpt:  [low mid high] with units, e.g. "1.9201 GiB/s"
ours_mib="$(echo "$ours_line" | awk -F'[][]' '{print $2}' | awk '{v=$3; u=$4; if (u=="GiB/s") v*=1024; else if (u=="KiB/s") v/=1024; print v}')"
theirs_k="$(openssl speed -evp sha256 -bytes 16384 -seconds 3 2>/dev/null | awk '/^sha256/ {print $NF}' | tr -d 'k')"
theirs_mib="$(awk -v k="$theirs_k" 'BEGIN {print k*1000/1048576}')"
echo "ocitrust sha256 (64 MiB):   ${ours_mib} MiB/s"
echo "openssl speed sha256 (16K): ${theirs_mib} MiB/s"
awk -v a="$ours_mib" -v b="$theirs_mib" 'BEGIN {printf "ratio ocitrust/openssl: %.2f\n", a/b}'
