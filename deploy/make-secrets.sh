#!/usr/bin/env bash
# Makes what the webhook needs that must not be committed: a CA and a serving certificate for
# ocitrust-webhook.ocitrust-system.svc (the Secret ocitrust-tls), 32 random bytes shared by the
# replicas (the Secret ocitrust-cache-key), and webhooks.yaml with the CA filled in. Needs openssl
# and kubectl (with access to the cluster). Files go to deploy/out/ (keep the CA key safe, or
# delete it: a new run makes a new CA). Use cert-manager instead if you run it.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="$here/out"
mkdir -p "$out" && chmod 700 "$out"
cd "$out"
service=ocitrust-webhook.ocitrust-system.svc
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 365 \
  -subj "/CN=ocitrust webhook CA" -keyout ca.key -out ca.crt 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$service" \
  -keyout tls.key -out tls.csr 2>/dev/null
printf 'subjectAltName=DNS:%s,DNS:%s.cluster.local\nextendedKeyUsage=serverAuth\n' "$service" "$service" > tls.ext
openssl x509 -req -in tls.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 365 -extfile tls.ext -out tls.crt 2>/dev/null
head -c 32 /dev/urandom > cache-key
kubectl apply -f "$here/namespace.yaml"
kubectl -n ocitrust-system create secret tls ocitrust-tls --cert=tls.crt --key=tls.key --dry-run=client -o yaml | kubectl apply -f -
kubectl -n ocitrust-system create secret generic ocitrust-cache-key --from-file=key=cache-key --dry-run=client -o yaml | kubectl apply -f -
ca_bundle="$(base64 -w0 < ca.crt)"
sed "s|REPLACE-WITH-BASE64-CA|$ca_bundle|" "$here/webhooks.yaml" > webhooks.yaml
echo "made deploy/out/webhooks.yaml; apply the rest with: kubectl apply -k deploy/ && kubectl apply -f deploy/out/webhooks.yaml" >&2
