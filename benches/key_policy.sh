#!/usr/bin/env bash
# Prints the trust policy the registry benchmarks decide under: every image of the registry at
# ADDRESS must carry a signature by the sample key (signed without a log entry).
# Usage: benches/key_policy.sh ROOT ADDRESS > policy.yaml
set -euo pipefail
cat <<YAML
apiVersion: ocitrust.dev/v1alpha1
kind: TrustPolicy
defaults: {noMatch: deny}
authorities:
  vendor-key: {cosign: {key: $1/examples/sample-image/cosign.pub, tlog: ignore}}
policies:
- name: bench
  scope: ["$2/**"]
  signatures: {atLeast: 1, of: [vendor-key]}
YAML
