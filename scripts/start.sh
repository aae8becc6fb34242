#!/bin/sh
# Install the pinned dependencies into .venv, prepare the embedded SQLite database under
# SATUDATA_HOME (default ./.satudata) with the demo accounts, and serve on 127.0.0.1:8000.
set -eu
cd "$(dirname "$0")/.."
export SATUDATA_HOME="${SATUDATA_HOME:-$PWD/.satudata}"
scripts/install.sh base
.venv/bin/satudata init --demo
exec .venv/bin/satudata serve "$@"
