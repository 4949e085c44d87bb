#!/usr/bin/env bash
# The whole test suite, as `make test` and CI run it:
#   system packages (.ci/system-deps.sh) -> .venv with dev deps -> throwaway PostgreSQL -> pytest.
# Every component is required (AVATAR_REQUIRE_ALL=1): a missing one fails instead of skipping.
# Extra arguments go to pytest, e.g. `.ci/test.sh -k ledger` or `make test ARGS="-x"`.
# If AVATAR_TEST_RC_FILE is set, pytest's exit code is also written there (make turns it into 2).
set -euo pipefail
cd "$(dirname "$0")/.."

T0="${AVATAR_T0:-$(date +%s)}"
since() { echo "+$(( $(date +%s) - T0 ))s"; }
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1

# 1. Debian packages: chromium, postgresql, fonts (no-op when present)
.ci/system-deps.sh
echo "system deps done at $(since)"

# 2. .venv with runtime + dev dependencies and the editable package (quick when up to date)
make --no-print-directory -s dev
.venv/bin/python -c "import importlib.util as u, sys; missing = [m for m in sys.argv[1:] if not u.find_spec(m)]; \
sys.exit(f'error: .venv lacks {missing}; try \`make clean test\`' if missing else 0)" \
  gradio sqlalchemy psycopg passlib argon2 playwright gradio_client pytest hypothesis avatar_core
echo "python deps done at $(since)"

# 3. throwaway PostgreSQL on 127.0.0.1, in a private dir so parallel runs never collide
PG_BASE="$(mktemp -d /tmp/avatar-pg.XXXXXX)"
export PG_BASE
# shellcheck source=pg.sh
. .ci/pg.sh
trap 'pg_stop' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
pg_start
PG_URL="$DATABASE_URL"
unset DATABASE_URL   # tests that want the SQLite default must not see postgres here
echo "postgres up at $(since)"

# 4. gates: lint, types and the import contracts (DESIGN.md §2's one-way flow, pyproject.toml)
.venv/bin/ruff check avatar_core tests app.py bench deploy scripts
.venv/bin/ruff format --check avatar_core tests app.py bench deploy scripts
.venv/bin/mypy avatar_core tests
.venv/bin/lint-imports --no-cache
echo "lint, types and import contracts done at $(since)"

# 5. pytest: PostgreSQL only through AVATAR_TEST_PG_URL. No HF_HUB_OFFLINE: it blocks the
#    loopback fake Hugging Face server too.
rc=0
env -u DATABASE_URL \
  AVATAR_TEST_PG_URL="$PG_URL" \
  AVATAR_REQUIRE_ALL=1 \
  GRADIO_ANALYTICS_ENABLED=False \
  HF_HUB_DISABLE_TELEMETRY=1 \
  .venv/bin/python -m pytest -q -rs tests "$@" </dev/null || rc=$?
echo "tests done at $(since) (pytest exit $rc)"
[ -z "${AVATAR_TEST_RC_FILE:-}" ] || echo "$rc" >"$AVATAR_TEST_RC_FILE"
exit "$rc"
