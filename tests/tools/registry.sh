#!/usr/bin/env bash
# Starts Debian's docker-registry on a free loopback port with storage in DIR; prints the address.
# Usage: registry.sh DIR [HTPASSWD]  (the registry's pid is written to DIR/pid; kill it when done)
# With HTPASSWD (a bcrypt htpasswd file), the registry demands HTTP Basic authentication. With
# OCITRUST_TOKEN_REALM, OCITRUST_TOKEN_SERVICE, OCITRUST_TOKEN_ISSUER and OCITRUST_TOKEN_ROOTCERTS set,
# it demands Bearer tokens from that realm instead (tests/tools/token_server.py issues them). With
# OCITRUST_REGISTRY_TLS_CERT and OCITRUST_REGISTRY_TLS_KEY (PEM files), it serves HTTPS with them,
# and with OCITRUST_REGISTRY_TLS_CLIENT_CAS too it demands client certificates issued by those CAs.
# OCITRUST_REGISTRY_STORAGE serves another registry's storage directory instead of DIR/data.
# OCITRUST_DOCKER_REGISTRY names the registry binary: Debian's docker-registry (2.8) by default, or
# CNCF Distribution v3's `registry` (the configuration is the same). OCITRUST_REGISTRY_KIND=crane starts
# go-containerregistry's registry instead (`crane registry serve`, in memory, open, plain HTTP only).
# The benchmarks run all three (benches/each_registry.sh); the tests use Debian's.
set -euo pipefail
dir="$1"
storage="${OCITRUST_REGISTRY_STORAGE:-$dir/data}"
mkdir -p "$dir" "$storage"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
wait_until_up() { # scheme
  for _ in $(seq 1 50); do
    status="$(curl -sSk -o /dev/null -w '%{http_code}' "$1://127.0.0.1:$port/v2/" 2>/dev/null || true)"
    if [ "$status" = 200 ] || [ "$status" = 401 ]; then echo "127.0.0.1:$port"; exit 0; fi
    sleep 0.1
  done
  echo "the registry did not start; its log:" >&2; cat "$dir/log" >&2; exit 1
}
if [ "${OCITRUST_REGISTRY_KIND:-distribution}" = crane ]; then
  if [ -n "${2:-}${OCITRUST_TOKEN_REALM:-}${OCITRUST_REGISTRY_TLS_CERT:-}${OCITRUST_REGISTRY_STORAGE:-}" ]; then
    echo "crane's registry serves only open plain HTTP from memory" >&2; exit 2
  fi
  "$OCITRUST_CRANE" registry serve --address "127.0.0.1:$port" >"$dir/log" 2>&1 &
  echo $! > "$dir/pid"
  wait_until_up http
fi
cat > "$dir/config.yml" <<YAML
version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: $storage
http:
  addr: 127.0.0.1:$port
YAML
scheme=http
if [ -n "${OCITRUST_REGISTRY_TLS_CERT:-}" ]; then
  scheme=https
  cat >> "$dir/config.yml" <<YAML
  tls:
    certificate: $OCITRUST_REGISTRY_TLS_CERT
    key: $OCITRUST_REGISTRY_TLS_KEY
YAML
  if [ -n "${OCITRUST_REGISTRY_TLS_CLIENT_CAS:-}" ]; then
    cat >> "$dir/config.yml" <<YAML
    clientcas:
      - $OCITRUST_REGISTRY_TLS_CLIENT_CAS
YAML
  fi
fi
if [ -n "${OCITRUST_TOKEN_REALM:-}" ]; then
  cat >> "$dir/config.yml" <<YAML
auth:
  token:
    realm: $OCITRUST_TOKEN_REALM
    service: $OCITRUST_TOKEN_SERVICE
    issuer: $OCITRUST_TOKEN_ISSUER
    rootcertbundle: $OCITRUST_TOKEN_ROOTCERTS
YAML
elif [ -n "${2:-}" ]; then
  cat >> "$dir/config.yml" <<YAML
auth:
  htpasswd:
    realm: ocitrust-test
    path: $2
YAML
fi
# Distribution v3 would otherwise export its traces over OTLP to a collector on localhost.
OTEL_TRACES_EXPORTER=none "${OCITRUST_DOCKER_REGISTRY:-docker-registry}" serve "$dir/config.yml" >"$dir/log" 2>&1 &
echo $! > "$dir/pid"
if [ -z "${OCITRUST_REGISTRY_TLS_CLIENT_CAS:-}" ]; then wait_until_up "$scheme"; fi
# Without a client certificate no request gets an answer: a listening port will do.
for _ in $(seq 1 50); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "127.0.0.1:$port"; exit 0; fi
  sleep 0.1
done
echo "docker-registry did not start; its log:" >&2; cat "$dir/log" >&2; exit 1
