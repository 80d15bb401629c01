#!/usr/bin/env bash
# The whole test suite, as CI runs it (README: "Run the tests"). Installs the pinned peers it needs
# (cosign, crane, notation, the Sigstore services for keyless signing, Debian's docker-registry and
# redis-server, valgrind), then: format check, clippy with warnings as errors, every test including interop with
# the real cosign (key-based and keyless) and the header drift check, the core and the conformance
# suite on the aws-lc-rs backend, the C tests (sanitizers and valgrind), the Go binding's tests
# (-race), the differential tests against sigstore-verify, and build checks of the benchmarks and the
# fuzz targets.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v curl >/dev/null || ! command -v python3 >/dev/null || ! command -v go >/dev/null; then
  echo "tests/run.sh needs curl, python3 and go" >&2; exit 1
fi
eval "$(tests/tools/install.sh)"

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy -D warnings"
cargo clippy --workspace --all-targets --features ocitrust-cli/interop -- -D warnings
echo "== cargo test (unit, integration, CLI, interop with cosign $("$OCITRUST_COSIGN" version 2>/dev/null | awk '/GitVersion/ {print $2}'))"
cargo test --workspace --features ocitrust-cli/interop
echo "== the aws-lc-rs crypto backend: the core's tests and the conformance suite on it"
cargo test --quiet -p ocitrust-core --features aws-lc-rs
cargo test --quiet -p ocitrust-cli --features aws-lc-rs --test sigstore_conformance
echo "== C ABI: header drift is checked by cargo test above; C tests under ASan/UBSan and valgrind"
bash tests/c/run.sh
echo "== Go binding: go vet, go test -race, the example program"
bash bindings/go/test.sh
echo "== differential: ocitrust and sigstore-verify agree on the shared bundles and their mutations"
cargo test --manifest-path tests/differential/Cargo.toml --quiet
echo "== the trust policy's JSON Schema and the reader agree (jsonschema and PyYAML, pinned, in target/pydeps)"
PYDEPS=target/pydeps
if [ "$(cat "$PYDEPS/.versions" 2>/dev/null)" != "jsonschema==4.26.0 PyYAML==6.0.3" ]; then
  python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore --target "$PYDEPS" jsonschema==4.26.0 PyYAML==6.0.3
  echo "jsonschema==4.26.0 PyYAML==6.0.3" > "$PYDEPS/.versions"
fi
cargo build --quiet -p ocitrust-cli
PYTHONPATH="$PYDEPS" python3 tests/tools/check_policy_schema.py target/debug/ocitrust
echo "== the webhook's manifests in deploy/: fail closed, every workload kind, flags the server accepts"
PYTHONPATH="$PYDEPS" python3 tests/tools/check_deploy.py target/debug/ocitrust
echo "== verify --key on the sample layout stays under 3 M instructions, whole process (callgrind)"
bash tests/tools/verify_key_instructions.sh
echo "== benchmarks build (cargo check; running them is benches/, see the README)"
cargo check --manifest-path benches/Cargo.toml --all-targets --quiet
echo "== fuzz targets build (cargo check; running them needs nightly cargo-fuzz)"
cargo check --manifest-path fuzz/Cargo.toml --bins --quiet
echo "== all tests passed"
