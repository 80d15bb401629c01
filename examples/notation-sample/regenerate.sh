#!/usr/bin/env bash
# Regenerates the notation sample: the sample image (examples/sample-image/build_image.py) in an
# OCI layout, signed by the real notation (v1.3.2, tests/tools/install.sh) twice: a JWS envelope
# with the user metadata sample=notation, and a COSE envelope. The signing key and chain are the
# test PKI's RSA-2048 signer (tests/fixtures/notation: leaf, intermediate, root; 100 years), named
# in a throwaway signingkeys.json. Kept: layout/, and notation-config/ with the trust store
# (truststore/x509/ca/ocitrust-sample/root.pem) and the trust policy (scope local/notation-sample,
# strict, identity O=ocitrust tests). Each signature is verified by notation before it is kept.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
eval "$("$root/tests/tools/install.sh")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
pki="$root/tests/fixtures/notation"

config="$work/notation"
mkdir -p "$config/truststore/x509/ca/ocitrust-sample"
cp "$pki/root.pem" "$config/truststore/x509/ca/ocitrust-sample/root.pem"
cat "$pki/signer-rsa.pem" "$pki/intermediate.pem" "$pki/root.pem" > "$work/chain.pem"
cat > "$config/signingkeys.json" <<KEYS
{"default": "sample", "keys": [{"name": "sample", "keyPath": "$pki/signer-rsa.key.pem", "certPath": "$work/chain.pem"}]}
KEYS
cat > "$config/trustpolicy.json" <<'POLICY'
{
  "version": "1.0",
  "trustPolicies": [
    {
      "name": "ocitrust-sample",
      "registryScopes": ["local/notation-sample"],
      "signatureVerification": { "level": "strict" },
      "trustStores": ["ca:ocitrust-sample"],
      "trustedIdentities": ["x509.subject:C=US,ST=WA,O=ocitrust tests"]
    }
  ]
}
POLICY
export NOTATION_EXPERIMENTAL=1 XDG_CONFIG_HOME="$work"
python3 "$root/examples/sample-image/build_image.py" "$work/layout" >/dev/null
digest="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["manifests"][0]["digest"])' "$work/layout/index.json")"
"$OCITRUST_NOTATION" sign --oci-layout -m sample=notation "$work/layout@$digest"
"$OCITRUST_NOTATION" sign --oci-layout --signature-format cose "$work/layout@$digest"
"$OCITRUST_NOTATION" verify --oci-layout --scope local/notation-sample -m sample=notation "$work/layout@$digest"

rm -f "$config/signingkeys.json"
rm -rf "$here/layout" "$here/notation-config"
cp -r "$work/layout" "$here/layout"
cp -r "$config" "$here/notation-config"
echo "$digest" > "$here/digest"
echo "notation sample regenerated: $here (image $digest)"
