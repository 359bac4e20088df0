#!/usr/bin/env bash
# The whole test suite, on SQLite and (when reachable or startable) on PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/start-postgres.sh || echo "PostgreSQL not available: the postgres-marked tests will fail" >&2
export CARBONLABEL_TEST_POSTGRES_URL="${CARBONLABEL_TEST_POSTGRES_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test}"
exec .venv/bin/python -m pytest -n 2 -q "$@"
