#!/usr/bin/env bash
# The admission webhook against a loopback registry (three kinds: benches/each_registry.sh), in one run:
#  1. a Pod of 5 images (5 digests, each signed by cosign with a key): admission latency cold (a
#     fresh server per request: nothing cached) and warm (facts cached), p50 and p99, against a
#     shell loop of `cosign verify` over the same 5 images;
#  2. a load test: CONCURRENCY clients for SECONDS against 1 replica, then 2 replicas sharing one
#     redis-server; throughput, p99, peak RSS of the servers, failed and wrong decisions (half the
#     clients send a Pod with an unsigned image, which must be denied).
#   bash benches/compare_admission.sh [COLD_RUNS] [WARM_REQUESTS] [SECONDS] [CONCURRENCY]
#   (defaults 15, 500, 10, 8)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
COLD_RUNS="${1:-15}"
WARM_REQUESTS="${2:-500}"
SECONDS_LOADED="${3:-10}"
CONCURRENCY="${4:-8}"
eval "$(tests/tools/install.sh --benches)"
source benches/each_registry.sh
cargo build -q --release -p ocitrust-cli
(cd benches && cargo build -q --release --example admission_load)
OCITRUST="$ROOT/target/release/ocitrust"
LOAD="$ROOT/benches/target/release/examples/admission_load"

work="$(mktemp -d)"
address="$(bash tests/tools/registry.sh "$work/registry")"
cleanup() {
  stop_servers
  kill "$(cat "$work/registry/pid")" 2>/dev/null || true
  [ -n "${redis_pid:-}" ] && kill "$redis_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# Five images with five digests, signed by cosign v2 with the sample key (no log upload), and one
# unsigned image.
python3 examples/sample-image/build_image.py "$work/image" >/dev/null
"$OCITRUST_CRANE" push --insecure "$work/image" "$address/app:base" >/dev/null 2>&1
images=()
for i in 1 2 3 4 5; do
  "$OCITRUST_CRANE" mutate --insecure --annotation "bench.image=$i" -t "$address/app$i:v1" "$address/app:base" >/dev/null 2>&1
  images+=("$address/app$i:v1")
done
"$OCITRUST_CRANE" mutate --insecure --annotation "bench.image=unsigned" -t "$address/unsigned:v1" "$address/app:base" >/dev/null 2>&1
HOME="$work" COSIGN_PASSWORD="" "$OCITRUST_COSIGN" sign --key examples/sample-image/cosign.key \
  --tlog-upload=false -y "${images[@]}" >/dev/null 2>&1

bash benches/key_policy.sh "$ROOT" "$address" >"$work/policy.yaml"
pod() { # image... -> an AdmissionReview naming them
  python3 - "$@" <<'PY'
import json, sys
containers = [{"name": f"c{i}", "image": image} for i, image in enumerate(sys.argv[1:])]
print(json.dumps({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {
    "uid": "bench", "kind": {"group": "", "version": "v1", "kind": "Pod"},
    "resource": {"group": "", "version": "v1", "resource": "pods"}, "operation": "CREATE",
    "namespace": "bench", "object": {"apiVersion": "v1", "kind": "Pod", "spec": {"containers": containers}}}}))
PY
}
pod "${images[@]}" >"$work/signed.json"
pinned=()
for image in "${images[@]}"; do pinned+=("${image%:v1}@$("$OCITRUST_CRANE" digest --insecure "$image")"); done
pod "${pinned[@]}" >"$work/pinned.json"
pod "${images[@]:0:4}" "$address/unsigned:v1" >"$work/unsigned.json"
mkdir -p "$work/tls"
(cd "$work/tls" \
  && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=bench CA" -keyout ca.key -out ca.pem \
  && openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=127.0.0.1" -keyout key.pem -out cert.csr \
  && printf 'subjectAltName=IP:127.0.0.1\n' >cert.ext \
  && openssl x509 -req -in cert.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile cert.ext -out cert.pem) 2>/dev/null

# Servers run in the background of a command substitution: their pids are kept in files.
mkdir -p "$work/pids"
start_server() { # name extra-args... -> prints the URL
  local name="$1"; shift
  "$OCITRUST" admission serve --policy "$work/policy.yaml" --tls-cert "$work/tls/cert.pem" --tls-key "$work/tls/key.pem" \
    --listen 127.0.0.1:0 --allow-insecure-registry "$@" >"$work/$name.out" 2>"$work/$name.log" &
  echo "$!" >"$work/pids/$name"
  for _ in $(seq 1 200); do
    if grep -q 'serving on' "$work/$name.out"; then
      sed -n 's/.*serving on \(https:[^ ]*\).*/\1\/validate/p' "$work/$name.out"; return
    fi
    sleep 0.02
  done
  echo "the server did not start:" >&2; cat "$work/$name.log" >&2; exit 1
}
server_pids() { cat "$work"/pids/* 2>/dev/null || true; }
stop_servers() {
  for pid in $(server_pids); do kill "$pid" 2>/dev/null || true; done
  for pid in $(server_pids); do while kill -0 "$pid" 2>/dev/null; do sleep 0.01; done; done
  rm -f "$work"/pids/*
}
load() { "$LOAD" --ca "$work/tls/ca.pem" "$@"; }
field() { python3 -c "import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])" "$1" "$2"; }
cpu_ticks() { # pid -> the CPU time it has used (user + system), in clock ticks
  awk '{print $14 + $15}' "/proc/$1/stat"
}
peak_rss_mb() { # pid -> its peak resident set, MiB
  awk '/VmHWM/ {printf "%.1f", $2 / 1024}' "/proc/$1/status"
}

echo "== a Pod of 5 images (5 digests, cosign key signatures), loopback registry"
cold=()
for run in $(seq 1 "$COLD_RUNS"); do
  url="$(start_server "cold$run")"
  result="$(load --url "$url" --body "$work/signed.json" --expect allowed --requests 1)"
  [ "$(field "$result" failed)$(field "$result" wrong)" = "00" ] || { echo "cold run $run: $result" >&2; exit 1; }
  cold+=("$(field "$result" p50_ms)")
  stop_servers
done
cold_stats="$(printf '%s\n' "${cold[@]}" | sort -n | awk '{v[NR]=$1} END {i50=int((NR+1)/2); i99=int(NR*0.99+0.999); if (i99<1) i99=1; printf "%.2f %.2f", v[i50], v[i99]}')"
url="$(start_server warm)"
load --url "$url" --body "$work/signed.json" --expect allowed --requests 5 >/dev/null
# Where a warm review's time goes: the CPU the server and the registry spent on each (two cores here).
server_before="$(cpu_ticks "$(server_pids)")"; registry_before="$(cpu_ticks "$(cat "$work/registry/pid")")"
warm="$(load --url "$url" --body "$work/signed.json" --expect allowed --requests "$WARM_REQUESTS")"
per_review_ms() { # ticks-before pid -> CPU ms a warm review
  awk -v t="$(( $(cpu_ticks "$2") - $1 ))" -v hz="$(getconf CLK_TCK)" -v n="$WARM_REQUESTS" 'BEGIN {printf "%.2f", t * 1000 / hz / n}'
}
server_cpu="$(per_review_ms "$server_before" "$(server_pids)")"
registry_cpu="$(per_review_ms "$registry_before" "$(cat "$work/registry/pid")")"
load --url "$url" --body "$work/pinned.json" --expect allowed --requests 5 >/dev/null
warm_pinned="$(load --url "$url" --body "$work/pinned.json" --expect allowed --requests "$WARM_REQUESTS")"
stop_servers
# The registry's own time for what a warm request must still ask (a manifest by tag), on one
# kept-alive connection: the floor under every warm figure.
registry_ms="$(python3 - "$address" <<'PY'
import http.client, statistics, sys, time
connection = http.client.HTTPConnection(sys.argv[1])
accept = {"Accept": "application/vnd.oci.image.manifest.v1+json"}
took = []
for _ in range(200):
    start = time.perf_counter()
    connection.request("GET", "/v2/app1/manifests/v1", headers=accept)
    connection.getresponse().read()
    took.append((time.perf_counter() - start) * 1000)
print(f"{statistics.median(took):.2f}")
PY
)"
cosign_loop() {
  for image in "${images[@]}"; do
    HOME="$work" "$OCITRUST_COSIGN" verify --key examples/sample-image/cosign.pub --insecure-ignore-tlog "$image" >/dev/null 2>&1
  done
}
cosign_loop
loops=()
for _ in 1 2 3 4 5; do
  start="$(date +%s%N)"; cosign_loop; end="$(date +%s%N)"
  loops+=("$(awk -v ns="$((end - start))" 'BEGIN {printf "%.1f", ns / 1e6}')")
done
cosign_ms="$(printf '%s\n' "${loops[@]}" | sort -n | sed -n 3p)"
read -r cold_p50 cold_p99 <<<"$cold_stats"
printf 'cold (fresh server, %d runs):  p50 %7.2f ms  p99 %7.2f ms\n' "$COLD_RUNS" "$cold_p50" "$cold_p99"
printf 'warm (%d requests):          p50 %7.2f ms  p99 %7.2f ms   (by tag: 2 registry requests an image)\n' "$WARM_REQUESTS" "$(field "$warm" p50_ms)" "$(field "$warm" p99_ms)"
printf '  CPU a warm review by tag:     server %.2f ms  registry %.2f ms\n' "$server_cpu" "$registry_cpu"
printf 'warm, pinned by digest:        p50 %7.2f ms  p99 %7.2f ms   (1 registry request an image)\n' "$(field "$warm_pinned" p50_ms)" "$(field "$warm_pinned" p99_ms)"
printf 'the registry alone, one manifest by tag on a kept-alive connection: median %.2f ms\n' "$registry_ms"
printf 'cosign verify x5, shell loop:  median of 5 %8.1f ms\n' "$cosign_ms"
awk -v c="$cold_p50" -v l="$cosign_ms" 'BEGIN {printf "cold p50 / cosign loop: 1/%.0f\n", l / c}'

echo "== load: $CONCURRENCY clients for ${SECONDS_LOADED}s (half signed Pods, half Pods with an unsigned image)"
redis_port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
"$OCITRUST_REDIS_SERVER" --bind 127.0.0.1 --port "$redis_port" --save "" --appendonly no >"$work/redis.log" 2>&1 &
redis_pid=$!
head -c 32 /dev/urandom >"$work/cache.key"
shared=(--redis "redis://127.0.0.1:$redis_port/0" --cache-key-file "$work/cache.key")
half=$(( (CONCURRENCY + 1) / 2 ))
loaded() { # label urls
  local signed unsigned
  "$LOAD" --ca "$work/tls/ca.pem" --url "$2" --body "$work/signed.json" --expect allowed \
    --concurrency "$half" --seconds "$SECONDS_LOADED" >"$work/signed.result" &
  local a=$!
  "$LOAD" --ca "$work/tls/ca.pem" --url "$2" --body "$work/unsigned.json" --expect denied \
    --concurrency "$half" --seconds "$SECONDS_LOADED" >"$work/unsigned.result" &
  wait "$a" "$!"
  signed="$(cat "$work/signed.result")"; unsigned="$(cat "$work/unsigned.result")"
  local rss=""
  for pid in $(server_pids); do rss="$rss $(peak_rss_mb "$pid")"; done
  python3 - "$1" "$signed" "$unsigned" "$rss" <<'PY'
import json, sys
label, a, b, rss = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3]), sys.argv[4].split()
print(f"{label}: {a['per_second'] + b['per_second']:8.0f} reviews/s  p99 {max(a['p99_ms'], b['p99_ms']):6.2f} ms"
      f"  failed {a['failed'] + b['failed']}  wrong {a['wrong'] + b['wrong']}  peak RSS {' + '.join(rss)} MiB")
PY
}
one="$(start_server one "${shared[@]}")"
loaded "1 replica " "$one"
stop_servers
"$OCITRUST_REDIS_CLI" -p "$redis_port" FLUSHALL >/dev/null
a="$(start_server a "${shared[@]}")"
b="$(start_server b "${shared[@]}")"
loaded "2 replicas" "$a,$b"
