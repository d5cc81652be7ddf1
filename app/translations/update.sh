#!/usr/bin/env bash
# Extract -> update -> compile the SatuPintu translation catalogs.
# Usage (from anywhere):  app/translations/update.sh
#   VENV=/path/to/venv app/translations/update.sh   to use another virtualenv (default: .venv)
#
#   en: English translations of OUR strings (source strings are Bahasa Indonesia)
#       template: app/translations/messages.pot (extracted from app/, views/, models/, templates/)
#   id: Bahasa Indonesia translations of Flask-AppBuilder's English strings
#       template: app/translations/flask_appbuilder.pot (msgids of FAB's bundled German
#       catalog + strings extracted from the installed Flask-AppBuilder package)
# Existing translations are kept; new msgids get an empty msgstr (no fuzzy guessing).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
VENV="${VENV:-.venv}"
PYBABEL="$VENV/bin/pybabel"
PY="$VENV/bin/python"
TR=app/translations
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

# 1. Our own strings -> messages.pot
"$PYBABEL" -q extract -F babel.cfg -k N_ -k _l -k lazy_gettext -c TRANSLATORS: \
    --add-location=file --project=SatuPintu -o "$TR/messages.pot" .

# 2. Flask-AppBuilder's strings -> flask_appbuilder.pot
FAB_DIR="$("$PY" -c 'import os, flask_appbuilder; print(os.path.dirname(flask_appbuilder.__file__))')"
cat > "$TMP/fab.cfg" <<'CFG'
[python: **.py]
[jinja2: templates/**.html]
extensions = jinja2.ext.i18n
CFG
"$PYBABEL" -q extract -F "$TMP/fab.cfg" -k _l -k lazy_gettext -k lazy_formatter_gettext --add-location=never \
    -o "$TMP/fab_source.pot" "$FAB_DIR"
"$PY" - "$FAB_DIR" "$TMP/fab_source.pot" "$TR/flask_appbuilder.pot" <<'PY'
import os, sys
from babel.messages.pofile import read_po, write_po

fab_dir, source_pot, out = sys.argv[1:]
with open(source_pot, "rb") as f:
    template = read_po(f)
import flask_appbuilder

template.project, template.version = "Flask-AppBuilder", flask_appbuilder.__version__
# The German catalog lists msgids FAB no longer extracts from its own sources but
# may still render (and the ones users of FAB expect): keep them all.
with open(os.path.join(fab_dir, "translations", "de", "LC_MESSAGES", "messages.po"), "rb") as f:
    for message in read_po(f):
        if message.id and message.id not in template:
            template.add(message.id)
with open(out, "wb") as f:
    write_po(f, template)
PY

# 3. Update the catalogs (created on first run)
"$PYBABEL" -q update -i "$TR/messages.pot" -d "$TR" -l en --no-fuzzy-matching --init-missing
"$PYBABEL" -q update -i "$TR/flask_appbuilder.pot" -d "$TR" -l id --no-fuzzy-matching --init-missing

# 4. Compile; prints "N of M messages (X%) translated" per catalog
"$PYBABEL" compile -d "$TR" --statistics
