#!/usr/bin/env bash
# The repository stands alone: a clone with nothing beside it runs every test. Fails when a tracked
# file (code, scripts, tests, benchmarks, fuzz seeds, tools) names the team's shared folder next to
# the checkout instead of the vendored copy in tests/data/ (see tests/data/README.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
pattern='(\.\./)+shared([/"]|$)|shared/testdata|/ *"shared" */|/work/shared'
if hits="$(git ls-files -z | grep -zv '^tests/tools/check_standalone\.sh$' \
    | xargs -0 grep -nE "$pattern" -- 2>/dev/null)"; then
  echo "these tracked files reach outside the repository (use tests/data/ instead):" >&2
  echo "$hits" >&2
  exit 1
fi
echo "standalone: no tracked file reads outside the repository"
