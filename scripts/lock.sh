#!/usr/bin/env bash
# Regenerate requirements.lock (the service's pinned environment) from pyproject.toml with uv.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/uv ] || .venv/bin/pip install -q uv
compiled=$(mktemp)
.venv/bin/uv pip compile pyproject.toml --python-version 3.11 --python-platform x86_64-manylinux_2_28 \
  --no-header --annotation-style line -o "$compiled"
{ head -4 requirements.lock; cat "$compiled"; } > requirements.lock.new
mv requirements.lock.new requirements.lock
rm -f "$compiled"
