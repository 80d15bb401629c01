# Sourced by tests/c/run.sh and bindings/go/test.sh: a TUF repository made by python-tuf
# (tests/tools/tuf_repository.py), its target the keyless sample's trusted root, served on loopback
# until the sourcing script exits. Exports OCITRUST_TEST_TUF_MIRROR (its URL) and
# OCITRUST_TEST_TUF_ROOT (its first root.json). Needs ROOT (the repository) and a work directory $1.
tuf_server_start() { # work-dir
  local work="$1"
  if [ -z "${OCITRUST_TUF_PYTHON:-}" ]; then eval "$("$ROOT/tests/tools/install.sh")"; fi
  rm -rf "$work" && mkdir -p "$work"
  "$OCITRUST_TUF_PYTHON" "$ROOT/tests/tools/tuf_repository.py" init "$work/repository" \
    --target "$ROOT/examples/keyless-sample/trusted_root.json"
  "$OCITRUST_TUF_PYTHON" "$ROOT/tests/tools/tuf_repository.py" serve "$work/repository" "$work/port" &
  TUF_SERVER=$!
  trap 'kill "$TUF_SERVER" 2>/dev/null || true' EXIT
  for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.1; done
  [ -s "$work/port" ] || { echo "the TUF server did not start" >&2; exit 1; }
  export OCITRUST_TEST_TUF_MIRROR="http://127.0.0.1:$(cat "$work/port")"
  export OCITRUST_TEST_TUF_ROOT="$work/repository/metadata/1.root.json"
}
