# Sourced by the registry benchmarks, after `eval "$(tests/tools/install.sh --benches)"`: the calling
# script runs once against each of two loopback registries, one after the other in the same run, and
# exits here. Debian's docker-registry 2.8.2 is the one the tests use; CNCF Distribution v3.0.0 is what
# that line became (2.8 rebuilds its URL router on every request, about 1 ms of CPU a request here,
# which is most of what a warm admission review waits for). Inside a run, OCITRUST_DOCKER_REGISTRY
# names that run's registry, which tests/tools/registry.sh starts.
if [ -z "${BENCH_REGISTRY:-}" ]; then
  for registry in "docker-registry 2.8.2 (Debian)=$OCITRUST_DOCKER_REGISTRY" \
    "Distribution v3.0.0=$OCITRUST_DISTRIBUTION_REGISTRY"; do
    echo "###### registry: ${registry%%=*}"
    BENCH_REGISTRY="$registry" bash "$0" "$@"
  done
  exit 0
fi
export OCITRUST_DOCKER_REGISTRY="${BENCH_REGISTRY#*=}"
