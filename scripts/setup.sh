#!/usr/bin/env bash
# Prepare a fresh Debian machine: system libraries, fonts, the .venv and the project install.
# Idempotent and quick when nothing changed (a stamp holds the hash of pyproject.toml).
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
# WeasyPrint needs Pango; poppler-utils gives pdftotext/pdffonts/pdftoppm for PDF checks;
# fonts-noto-cjk draws Chinese with real glyphs; libharfbuzz-subset0 subsets those fonts in ~1 s
# (WeasyPrint falls back to fontTools without it: ~30 s per certificate PDF); chromium runs the
# browser tests of the web pages (tests/web; never `playwright install`).
for pkg in libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk poppler-utils chromium; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need_apt+=("$pkg")
done
if [ ${#need_apt[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}"
fi

[ -x .venv/bin/python ] || python3.11 -m venv .venv 2>/dev/null || python3 -m venv .venv
stamp=.venv/.carbonlabel-installed
want=$(sha256sum pyproject.toml | cut -c1-64)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  .venv/bin/pip install -q --upgrade pip
  .venv/bin/pip install -q -e ".[test]"
  echo "$want" > "$stamp"
fi
