#!/usr/bin/env bash
# Regenerates the keyless sample: the sample image (examples/sample-image/build_image.py), pushed
# to a loopback docker-registry and signed keyless by the real cosign against a private Sigstore on
# loopback (tests/tools/sigstore_stack.py: Fulcio, a CT log, Rekor v2, a timestamp authority, an
# OIDC issuer for ci@example.com, a stand-in for Rekor v1's write API), three times:
#   layout-bundle/  cosign v3.1.3: a Sigstore bundle v0.3 referrer (DSSE, Fulcio certificate with an
#                   SCT, a Rekor v2 hashedrekord entry with inclusion proof and checkpoint, an RFC 3161
#                   timestamp), pulled with crane into an OCI layout;
#   layout-legacy/  cosign v2.4.3 with --tlog-upload=false: a `.sig` layer with the certificate, chain
#                   and RFC 3161 timestamp annotations (no Rekor entry: Rekor v2 has no v1 API), saved
#                   with `cosign save`;
#   layout-rekor/   cosign v2.4.3 uploading to the Rekor v1 stand-in: a `.sig` layer with the
#                   certificate, chain and Rekor bundle (SET) annotations, the classic keyless
#                   signature, saved with `cosign save`;
#   layout-attestation/  cosign v3.1.3 attesting sbom.json keyless (`--type cyclonedx`): a bundle
#                   v0.3 referrer with a DSSE envelope, a Rekor v2 dsse entry and a timestamp,
#                   pulled with crane;
# and writes trusted_root.json (the stack's, made by `cosign trusted-root create`) and issuer (the
# OIDC issuer URL). Each signature is verified by the real cosign before anything is kept.
# Run from anywhere; needs go, python3 with cryptography, curl.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
eval "$("$root/tests/tools/install.sh")"
work="$(mktemp -d)"
trap 'kill "$(cat "$work/registry/pid" 2>/dev/null)" 2>/dev/null || true; rm -rf "$work"' EXIT

python3 "$root/examples/sample-image/build_image.py" "$work/image"
registry="$("$root/tests/tools/registry.sh" "$work/registry")"
for repo in keyless-bundle keyless-legacy keyless-rekor keyless-attest; do
  "$OCITRUST_CRANE" push --insecure "$work/image" "$registry/$repo:v1" >/dev/null
done
digest="$("$OCITRUST_CRANE" digest --insecure "$registry/keyless-bundle:v1")"

cat > "$work/sign.sh" <<SIGN
set -euo pipefail
cd "$work"
export DOCKER_CONFIG="$work/docker"
# cosign v3: a bundle referrer, Rekor v2 and the TSA from the signing config.
"$OCITRUST_COSIGN_V3" sign --yes --signing-config "\$SIGSTORE_STACK_SIGNING_CONFIG" \
  --trusted-root "\$SIGSTORE_STACK_TRUSTED_ROOT" --identity-token "\$SIGSTORE_STACK_TOKEN" \
  --allow-insecure-registry "$registry/keyless-bundle@$digest" >/dev/null
"$OCITRUST_COSIGN_V3" verify --certificate-identity "\$SIGSTORE_STACK_IDENTITY" \
  --certificate-oidc-issuer "\$SIGSTORE_STACK_ISSUER" --trusted-root "\$SIGSTORE_STACK_TRUSTED_ROOT" \
  --allow-insecure-registry "$registry/keyless-bundle@$digest" >/dev/null
# cosign v2: a legacy layer with the certificate and an RFC 3161 timestamp, no transparency log.
SIGSTORE_ROOT_FILE="\$SIGSTORE_STACK_FULCIO_ROOT" SIGSTORE_CT_LOG_PUBLIC_KEY_FILE="\$SIGSTORE_STACK_CT_KEY" \
  "$OCITRUST_COSIGN" sign --yes --fulcio-url "\$SIGSTORE_STACK_FULCIO" --identity-token "\$SIGSTORE_STACK_TOKEN" \
  --timestamp-server-url "\$SIGSTORE_STACK_TSA" --tlog-upload=false \
  --allow-insecure-registry "$registry/keyless-legacy@$digest" >/dev/null
curl -sf "\$SIGSTORE_STACK_TSA/certchain" > tsa-chain.pem
SIGSTORE_ROOT_FILE="\$SIGSTORE_STACK_FULCIO_ROOT" SIGSTORE_CT_LOG_PUBLIC_KEY_FILE="\$SIGSTORE_STACK_CT_KEY" \
  "$OCITRUST_COSIGN" verify --certificate-identity "\$SIGSTORE_STACK_IDENTITY" \
  --certificate-oidc-issuer "\$SIGSTORE_STACK_ISSUER" --insecure-ignore-tlog \
  --timestamp-certificate-chain tsa-chain.pem --allow-insecure-registry \
  "$registry/keyless-legacy@$digest" >/dev/null
# cosign v2: a legacy layer with the certificate and a Rekor bundle (the v1 stand-in's SET).
SIGSTORE_ROOT_FILE="\$SIGSTORE_STACK_FULCIO_ROOT" SIGSTORE_CT_LOG_PUBLIC_KEY_FILE="\$SIGSTORE_STACK_CT_KEY" \
  "$OCITRUST_COSIGN" sign --yes --fulcio-url "\$SIGSTORE_STACK_FULCIO" --identity-token "\$SIGSTORE_STACK_TOKEN" \
  --rekor-url "\$SIGSTORE_STACK_REKOR_V1" --allow-insecure-registry "$registry/keyless-rekor@$digest" >/dev/null
SIGSTORE_ROOT_FILE="\$SIGSTORE_STACK_FULCIO_ROOT" SIGSTORE_CT_LOG_PUBLIC_KEY_FILE="\$SIGSTORE_STACK_CT_KEY" \
  SIGSTORE_REKOR_PUBLIC_KEY="\$SIGSTORE_STACK_REKOR_V1_KEY" \
  "$OCITRUST_COSIGN" verify --certificate-identity "\$SIGSTORE_STACK_IDENTITY" \
  --certificate-oidc-issuer "\$SIGSTORE_STACK_ISSUER" --offline --allow-insecure-registry \
  "$registry/keyless-rekor@$digest" >/dev/null
# cosign v3: a keyless attestation of the SBOM (a DSSE bundle referrer).
"$OCITRUST_COSIGN_V3" attest --yes --type cyclonedx --predicate "$here/sbom.json" \
  --signing-config "\$SIGSTORE_STACK_SIGNING_CONFIG" --trusted-root "\$SIGSTORE_STACK_TRUSTED_ROOT" \
  --identity-token "\$SIGSTORE_STACK_TOKEN" --allow-insecure-registry "$registry/keyless-attest@$digest" >/dev/null
"$OCITRUST_COSIGN_V3" verify-attestation --type cyclonedx --certificate-identity "\$SIGSTORE_STACK_IDENTITY" \
  --certificate-oidc-issuer "\$SIGSTORE_STACK_ISSUER" --trusted-root "\$SIGSTORE_STACK_TRUSTED_ROOT" \
  --allow-insecure-registry "$registry/keyless-attest@$digest" >/dev/null
cp "\$SIGSTORE_STACK_TRUSTED_ROOT" "$work/trusted_root.json"
printf '%s\n' "\$SIGSTORE_STACK_ISSUER" > "$work/issuer"
SIGN
python3 "$root/tests/tools/sigstore_stack.py" "$work/stack" "$OCITRUST_COSIGN_V3" -- bash "$work/sign.sh"

# The bundle referrer is listed in the referrers tag schema (docker-registry has no referrers API).
referrers="$("$OCITRUST_CRANE" manifest --insecure "$registry/keyless-bundle:${digest/:/-}")"
bundle="$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["manifests"][0]["digest"])' "$referrers")"
referrers="$("$OCITRUST_CRANE" manifest --insecure "$registry/keyless-attest:${digest/:/-}")"
attestation="$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["manifests"][0]["digest"])' "$referrers")"
rm -rf "$here/layout-bundle" "$here/layout-legacy" "$here/layout-rekor" "$here/layout-attestation"
"$OCITRUST_CRANE" pull --insecure --format oci "$registry/keyless-bundle@$digest" \
  "$registry/keyless-bundle@$bundle" "$here/layout-bundle" >/dev/null
"$OCITRUST_CRANE" pull --insecure --format oci "$registry/keyless-attest@$digest" \
  "$registry/keyless-attest@$attestation" "$here/layout-attestation" >/dev/null
"$OCITRUST_COSIGN" save --dir "$here/layout-legacy" "$registry/keyless-legacy@$digest" >/dev/null
"$OCITRUST_COSIGN" save --dir "$here/layout-rekor" "$registry/keyless-rekor@$digest" >/dev/null
cp "$work/trusted_root.json" "$work/issuer" "$here/"
echo "keyless sample regenerated in $here ($digest)" >&2
