# Sourced by the registry benchmarks, after `eval "$(tests/tools/install.sh --benches)"`: the calling
# script runs once against each of three loopback registries, one after the other in the same run, and
# exits here:
#  - Debian's docker-registry 2.8.2, the one the tests use. It compiles its URL router's regular
#    expressions again on every request: about 1.5 ms of CPU a request here, most of what a warm
#    admission review waits for;
#  - CNCF Distribution v3.0.0, what that line became: about a third of that;
#  - go-containerregistry's registry (`crane registry serve`, in memory): little more than the HTTP,
#    so what is left is ocitrust's own time.
# Inside a run, tests/tools/registry.sh starts that run's registry.
if [ -z "${BENCH_REGISTRY:-}" ]; then
  for registry in "docker-registry 2.8.2 (Debian)|distribution|$OCITRUST_DOCKER_REGISTRY" \
    "Distribution v3.0.0|distribution|$OCITRUST_DISTRIBUTION_REGISTRY" \
    "go-containerregistry v0.20.3, in memory (crane registry serve)|crane|"; do
    echo "###### registry: ${registry%%|*}"
    BENCH_REGISTRY="$registry" bash "$0" "$@"
  done
  exit 0
fi
IFS='|' read -r _ OCITRUST_REGISTRY_KIND registry_binary <<<"$BENCH_REGISTRY"
export OCITRUST_REGISTRY_KIND
[ -z "$registry_binary" ] || export OCITRUST_DOCKER_REGISTRY="$registry_binary"
