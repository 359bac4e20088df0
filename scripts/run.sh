#!/usr/bin/env bash
# The main job on the embedded defaults: build the shipped database, then serve on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/carbonlabel demo "$@"
