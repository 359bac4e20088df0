#!/usr/bin/env bash
# Extract the web pages' messages and merge them into the three catalogues (zh-Hans, zh-Hant, en).
# Translate the new or changed entries in api/web/locales/*/LC_MESSAGES/messages.po and commit them;
# the pages compile the .po files in memory when they start (no .mo files, no build step).
set -euo pipefail
cd "$(dirname "$0")/.."
PYBABEL="${PYBABEL:-.venv/bin/pybabel}"
"$PYBABEL" extract -F api/web/babel.cfg --no-location --sort-output -k _ -k N_ -k gettext -k ngettext:1,2 \
  --project carbonlabel -o api/web/locales/messages.pot .
for lang in zh_Hans zh_Hant en; do
  po="api/web/locales/$lang/LC_MESSAGES/messages.po"
  if [ -f "$po" ]; then
    "$PYBABEL" update -i api/web/locales/messages.pot -d api/web/locales -l "$lang" --no-fuzzy-matching --ignore-obsolete
  else
    "$PYBABEL" init -i api/web/locales/messages.pot -d api/web/locales -l "$lang"
  fi
done
