"""A real installation for browser tests: 'satudata init --demo' and 'satudata serve' in a
temporary SATUDATA_HOME, driven through Debian's Chromium with Playwright.

The server runs as its own process on the embedded SQLite database, as a user starts it, so
these tests do not share the pytest database.
"""

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Flags that keep Chromium from reaching for the network in a closed sandbox.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def installation():
    """URL and demo passwords of a freshly initialized, running installation."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    home = tempfile.mkdtemp(prefix="satudata-browser-")
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(SATUDATA_HOME=home, SATUDATA_LANGUAGE="en")
    command = [sys.executable, "-m", "satudata"]
    init = subprocess.run([*command, "init", "--demo"], env=env, capture_output=True, text=True, check=True)
    passwords = dict(re.findall(r"^\s+(\S+)\s+(\S+)\s+", init.stdout, flags=re.MULTILINE))
    port = _free_port()
    server = subprocess.Popen([*command, "serve", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(url + "/accounts/login/", timeout=2)  # noqa: S310 - loopback only
            break
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                raise RuntimeError("the server did not start within 30 s") from None
            time.sleep(0.3)
    yield {"url": url, "passwords": passwords, "home": home}
    server.terminate()
    server.wait(timeout=10)
    shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(accept_downloads=True, locale="id-ID")
    page = context.new_page()
    yield page
    context.close()


def sign_in(page, installation, username: str) -> None:
    page.goto(installation["url"] + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", installation["passwords"][username])
    page.click("main button.primary")
    page.wait_for_url(installation["url"] + "/")
