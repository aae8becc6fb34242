#!/bin/sh
# Create .venv and install the pinned dependencies (with hashes) and the project itself.
#   scripts/install.sh base   runtime only
#   scripts/install.sh test   runtime, test tools and, when run as root on Debian, Chromium
set -eu
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}
if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -m venv "$VENV"
fi
if [ "${1:-base}" = "test" ]; then
    "$VENV/bin/pip" install --quiet --disable-pip-version-check --require-hashes \
        -r requirements/base.lock -r requirements/test.lock
    # Debian's Chromium drives the browser tests; headless LibreOffice opens the generated templates.
    missing=""
    command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
    command -v soffice >/dev/null 2>&1 || missing="$missing libreoffice-calc-nogui"
    if [ -n "$missing" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "Installing Debian packages for the tests:$missing"
        apt-get update -qq
        # shellcheck disable=SC2086
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
    fi
else
    "$VENV/bin/pip" install --quiet --disable-pip-version-check --require-hashes -r requirements/base.lock
fi
"$VENV/bin/pip" install --quiet --disable-pip-version-check --no-deps -e .
touch "$VENV/bin/satudata"
