#!/bin/sh
# Creates bench/.venv-helpdesk (git-ignored) with django-helpdesk from PyPI, pinned, and the same gunicorn
# and psycopg as Kefu. Not a dependency of Kefu. Idempotent.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
venv="$here/../.venv-helpdesk"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
"$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$here/requirements.txt"
