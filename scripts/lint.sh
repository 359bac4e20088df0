#!/usr/bin/env bash
# Static checks: ruff, mypy and the layering contracts (import-linter), as configured in pyproject.toml.
# .ci/run runs it after the tests; the pre-commit hooks run the same tools.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/ruff check .
.venv/bin/mypy
if grep -q '^\[tool.importlinter\]' pyproject.toml; then .venv/bin/lint-imports; fi
