#!/usr/bin/env bash
# Installs the real peers the test suite drives, pinned, idempotently:
#   cosign v2.4.3 (tag-scheme signatures), cosign v3.1.3 (Sigstore bundles attached as referrers),
#   crane v0.20.3 (pushes test images), notation v1.3.2 (Notary Project signatures), skopeo v1.16.1
#   (containers/image's policy.json verdicts, for the import equivalence tests), cel-go v0.26.1 (the CEL
#   oracle of tests/tools/cel-oracle), a private
#   Sigstore (Fulcio v1.8.8, the tesseract CT log v0.1.1, Rekor v2 = rekor-tiles v2.3.0, the
#   timestamp authority v2.1.3: tests/tools/sigstore_stack.py runs them for keyless signing), Debian's
#   docker-registry (a loopback registry), python-tuf 7.0.1 in a virtual environment (makes the TUF
#   repositories tests/tools/tuf_repository.py serves), and the C
#   toolchain pieces the C ABI tests use (gcc, make, pkg-config, valgrind).
# Prints `export` lines for the test harness; source its output:  eval "$(tests/tools/install.sh)"
# With --benches, also what only the benchmarks run: CNCF Distribution v3.0.0, the registry
# docker-registry's 2.8 line became (benches/compare_admission.sh and compare_batch.sh measure against
# both).
set -euo pipefail
with_benches=false
case "${1:-}" in
  --benches) with_benches=true ;;
  "") ;;
  *) echo "usage: install.sh [--benches]" >&2; exit 2 ;;
esac

TOOLS_DIR="${OCITRUST_TOOLS_DIR:-$HOME/.cache/ocitrust-tools}"
COSIGN_V2_VERSION=v2.4.3
COSIGN_V3_VERSION=v3.1.3
CRANE_VERSION=v0.20.3
NOTATION_VERSION=v1.3.2
FULCIO_VERSION=v1.8.8
TESSERACT_VERSION=v0.1.1
REKOR_TILES_VERSION=v2.3.0
TSA_VERSION=v2.1.3
SKOPEO_VERSION=v1.16.1
KUBERNETES_VERSION=v1.37.2
PYTHON_TUF_VERSION=7.0.1
DISTRIBUTION_VERSION=v3.0.0

go_install() { # dir module version
  local dir="$1" module="$2" version="$3" name
  name="$(basename "$module")"
  if [ -x "$dir/$name" ] && [ "$(cat "$dir/.version" 2>/dev/null)" = "$version" ]; then return 0; fi
  mkdir -p "$dir"
  echo "installing $module@$version into $dir" >&2
  (cd / && GOBIN="$dir" GOFLAGS=-mod=mod go install "$module@$version") >&2
  echo "$version" > "$dir/.version"
}

# Builds a command from the downloaded module, with the module's own go.mod and go.sum: the same
# build `go install` makes, without the module version listing `go install` reads first (which
# the module proxy refuses for some modules).
go_build_from_module() { # dir module version package
  local dir="$1" module="$2" version="$3" package="$4" name source
  name="$(basename "$package")"
  if [ -x "$dir/$name" ] && [ "$(cat "$dir/.version" 2>/dev/null)" = "$version" ]; then return 0; fi
  mkdir -p "$dir"
  echo "building $module/$package@$version into $dir" >&2
  source="$(cd / && go mod download -json "$module@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  [ -d "$source" ] || { echo "go mod download $module@$version gave no source directory" >&2; exit 1; }
  (cd "$source" && go build -o "$dir/$name" "./$package") >&2
  echo "$version" > "$dir/.version"
}

# skopeo from its module, as go_build_from_module, but with the module's vendor directory dropped
# (module zips hold only its modules.txt) and the build tags that leave out the C libraries it
# would link (GPG, btrfs, device-mapper). Its containers/image (v5.32) reads sigstoreSigned with
# keys, keyPaths and Fulcio; Debian's skopeo 1.9 predates Fulcio and Rekor keys.
skopeo_build() { # dir version
  local dir="$1" version="$2" source work
  if [ -x "$dir/skopeo" ] && [ "$(cat "$dir/.version" 2>/dev/null)" = "$version" ]; then return 0; fi
  mkdir -p "$dir"
  echo "building github.com/containers/skopeo@$version into $dir" >&2
  source="$(cd / && go mod download -json "github.com/containers/skopeo@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  [ -d "$source" ] || { echo "go mod download skopeo@$version gave no source directory" >&2; exit 1; }
  work="$(mktemp -d)"
  cp -r "$source/." "$work/" && chmod -R u+w "$work" && rm -rf "$work/vendor"
  (cd "$work" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build \
    -tags "containers_image_openpgp exclude_graphdriver_btrfs exclude_graphdriver_devicemapper" \
    -o "$dir/skopeo" ./cmd/skopeo) >&2
  rm -rf "$work"
  echo "$version" > "$dir/.version"
}

# kube-apiserver from the k8s.io/kubernetes module. Its go.mod replaces the k8s.io staging modules
# with ./staging directories that the module zip leaves out (each is a module of its own); they are
# published as k8s.io/<name> v0.<minor>.<patch>, so the replaces are dropped and those required.
kube_apiserver_build() { # dir version
  local dir="$1" version="$2" source work staging
  if [ -x "$dir/kube-apiserver" ] && [ "$(cat "$dir/.version" 2>/dev/null)" = "$version" ]; then return 0; fi
  mkdir -p "$dir"
  echo "building k8s.io/kubernetes/cmd/kube-apiserver@$version into $dir (about ten minutes the first time)" >&2
  source="$(cd / && GOWORK=off go mod download -json "k8s.io/kubernetes@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  [ -d "$source" ] || { echo "go mod download kubernetes@$version gave no source directory" >&2; exit 1; }
  work="$(mktemp -d)"
  cp -r "$source/." "$work/" && chmod -R u+w "$work" && rm -f "$work/go.work" "$work/go.work.sum"
  staging="v0.${version#v1.}"
  sed -i -e '/=> \.\/staging\/src\/k8s.io\//d' -e "s/^\(\s*k8s.io\/[a-z0-9-]*\) v0\.0\.0$/\1 $staging/" "$work/go.mod"
  (cd "$work" && GOWORK=off GOFLAGS=-mod=mod go build -o "$dir/kube-apiserver" ./cmd/kube-apiserver) >&2
  rm -rf "$work"
  echo "$version" > "$dir/.version"
}

go_install "$TOOLS_DIR/cosign-$COSIGN_V2_VERSION" github.com/sigstore/cosign/v2/cmd/cosign "$COSIGN_V2_VERSION"
go_install "$TOOLS_DIR/crane-$CRANE_VERSION" github.com/google/go-containerregistry/cmd/crane "$CRANE_VERSION"
go_install "$TOOLS_DIR/cosign-$COSIGN_V3_VERSION" github.com/sigstore/cosign/v3/cmd/cosign "$COSIGN_V3_VERSION"
go_build_from_module "$TOOLS_DIR/notation-$NOTATION_VERSION" github.com/notaryproject/notation "$NOTATION_VERSION" cmd/notation
# The Sigstore services, with the Go installed here (their newer tags need a newer Go). The CT log
# and Rekor v2 binaries are both named `posix`: each has its own directory.
# Built two at a time (the machine has two cores; each build is mostly single-threaded linking).
GOTOOLCHAIN=local go_install "$TOOLS_DIR/sigstore-fulcio-$FULCIO_VERSION" github.com/sigstore/fulcio "$FULCIO_VERSION" &
fulcio_build=$!
GOTOOLCHAIN=local go_install "$TOOLS_DIR/sigstore-ct-$TESSERACT_VERSION" github.com/transparency-dev/tesseract/cmd/tesseract/posix "$TESSERACT_VERSION"
GOTOOLCHAIN=local go_install "$TOOLS_DIR/sigstore-rekor-$REKOR_TILES_VERSION" github.com/sigstore/rekor-tiles/v2/cmd/rekor-server/posix "$REKOR_TILES_VERSION"
GOTOOLCHAIN=local go_install "$TOOLS_DIR/sigstore-tsa-$TSA_VERSION" github.com/sigstore/timestamp-authority/v2/cmd/timestamp-server "$TSA_VERSION"
wait "$fulcio_build"
skopeo_build "$TOOLS_DIR/skopeo-$SKOPEO_VERSION" "$SKOPEO_VERSION"
kube_apiserver_build "$TOOLS_DIR/kube-apiserver-$KUBERNETES_VERSION" "$KUBERNETES_VERSION"
# The CEL oracle (tests/tools/cel-oracle: cel-go, pinned by its go.sum), rebuilt when its sources change.
CEL_ORACLE_SOURCES="$(dirname "$0")/cel-oracle"
CEL_ORACLE_VERSION="$(cat "$CEL_ORACLE_SOURCES/go.mod" "$CEL_ORACLE_SOURCES/go.sum" "$CEL_ORACLE_SOURCES/main.go" | sha256sum | cut -c1-16)"
if [ "$(cat "$TOOLS_DIR/cel-oracle/.version" 2>/dev/null)" != "$CEL_ORACLE_VERSION" ]; then
  echo "building the cel-go oracle into $TOOLS_DIR/cel-oracle" >&2
  mkdir -p "$TOOLS_DIR/cel-oracle"
  (cd "$CEL_ORACLE_SOURCES" && GOFLAGS=-mod=readonly go build -o "$TOOLS_DIR/cel-oracle/cel-oracle" .) >&2
  echo "$CEL_ORACLE_VERSION" > "$TOOLS_DIR/cel-oracle/.version"
fi

# python-tuf, the TUF reference implementation, with its signing backend, each pinned, in a virtual
# environment of its own (python3 -m venv needs Debian's python3-venv where python3 is Debian's).
python_tuf_install() { # dir
  local dir="$1" pins="tuf==$PYTHON_TUF_VERSION securesystemslib==1.3.1 cryptography==51.0.1 cffi==2.1.1 pycparser==3.12 urllib3==2.8.0"
  if [ -x "$dir/bin/python" ] && [ "$(cat "$dir/.version" 2>/dev/null)" = "$pins" ]; then return 0; fi
  echo "installing $pins into $dir" >&2
  rm -rf "$dir"
  if ! python3 -m venv "$dir" >&2 2>/dev/null; then
    (export DEBIAN_FRONTEND=noninteractive; apt-get update -qq && apt-get install -y -qq python3-venv) >&2
    python3 -m venv "$dir" >&2
  fi
  # shellcheck disable=SC2086 # one argument per pin
  "$dir/bin/pip" install -q --disable-pip-version-check $pins >&2
  echo "$pins" > "$dir/.version"
}
python_tuf_install "$TOOLS_DIR/python-tuf-$PYTHON_TUF_VERSION"
if $with_benches; then
  go_install "$TOOLS_DIR/distribution-$DISTRIBUTION_VERSION" github.com/distribution/distribution/v3/cmd/registry "$DISTRIBUTION_VERSION"
fi

# Debian packages: the loopback registry (with htpasswd for its Basic auth and curl to see it is up),
# redis-server and redis-cli (the admission server's shared fact store), etcd (for kube-apiserver in
# the admission end-to-end test), and what the C tests need
# (compiler, make, pkg-config, valgrind). Installed only when one is missing, so a prepared machine never touches apt.
missing=()
for pair in docker-registry:docker-registry redis-server:redis-server redis-cli:redis-tools etcd:etcd-server htpasswd:apache2-utils openssl:openssl curl:curl valgrind:valgrind pkg-config:pkg-config make:make cc:gcc; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair##*:}")
done
# OpenSSL's headers: the benchmarks' build check compiles sigstore-rs, which links it (native-tls).
dpkg-query -W -f='${Status}' libssl-dev 2>/dev/null | grep -q 'ok installed' || missing+=(libssl-dev)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing Debian packages: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  (apt-get update -qq && apt-get install -y -qq "${missing[@]}") >&2
fi

echo "export OCITRUST_COSIGN='$TOOLS_DIR/cosign-$COSIGN_V2_VERSION/cosign'"
echo "export OCITRUST_COSIGN_V3='$TOOLS_DIR/cosign-$COSIGN_V3_VERSION/cosign'"
echo "export OCITRUST_NOTATION='$TOOLS_DIR/notation-$NOTATION_VERSION/notation'"
echo "export OCITRUST_SIGSTORE_FULCIO='$TOOLS_DIR/sigstore-fulcio-$FULCIO_VERSION/fulcio'"
echo "export OCITRUST_SIGSTORE_CT='$TOOLS_DIR/sigstore-ct-$TESSERACT_VERSION/posix'"
echo "export OCITRUST_SIGSTORE_REKOR='$TOOLS_DIR/sigstore-rekor-$REKOR_TILES_VERSION/posix'"
echo "export OCITRUST_SIGSTORE_TSA='$TOOLS_DIR/sigstore-tsa-$TSA_VERSION/timestamp-server'"
echo "export OCITRUST_CEL_ORACLE='$TOOLS_DIR/cel-oracle/cel-oracle'"
echo "export OCITRUST_SKOPEO='$TOOLS_DIR/skopeo-$SKOPEO_VERSION/skopeo'"
echo "export OCITRUST_CRANE='$TOOLS_DIR/crane-$CRANE_VERSION/crane'"
echo "export OCITRUST_DOCKER_REGISTRY='$(command -v docker-registry)'"
echo "export OCITRUST_REDIS_SERVER='$(command -v redis-server)'"
echo "export OCITRUST_REDIS_CLI='$(command -v redis-cli)'"
echo "export OCITRUST_ETCD='$(command -v etcd)'"
echo "export OCITRUST_KUBE_APISERVER='$TOOLS_DIR/kube-apiserver-$KUBERNETES_VERSION/kube-apiserver'"
echo "export OCITRUST_TUF_PYTHON='$TOOLS_DIR/python-tuf-$PYTHON_TUF_VERSION/bin/python'"
if $with_benches; then
  echo "export OCITRUST_DISTRIBUTION_REGISTRY='$TOOLS_DIR/distribution-$DISTRIBUTION_VERSION/registry'"
fi
