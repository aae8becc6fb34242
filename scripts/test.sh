#!/bin/sh
# Run the whole suite on SQLite, then again on PostgreSQL when DATABASE_URL is set.
set -eu
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
# Tests get their own SATUDATA_HOME so they never touch an installation's keys or database.
SATUDATA_HOME=$(mktemp -d)
export SATUDATA_HOME
trap 'rm -rf "$SATUDATA_HOME"' EXIT
WORKERS=${TEST_WORKERS:-2}
postgres_url=${DATABASE_URL:-}
echo "== test suite on SQLite =="
env -u DATABASE_URL "$VENV/bin/pytest" -n "$WORKERS" --dist loadgroup "$@"
if [ -n "$postgres_url" ]; then
    echo "== test suite on PostgreSQL ($(echo "$postgres_url" | sed 's#//[^@]*@#//***@#')) =="
    DATABASE_URL=$postgres_url "$VENV/bin/pytest" -n "$WORKERS" --dist loadgroup "$@"
fi
