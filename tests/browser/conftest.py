"""A real installation for browser tests: 'satudata init --demo' and 'satudata serve' in a
temporary SATUDATA_HOME, driven through Debian's Chromium with Playwright.

The server runs as its own process on the embedded SQLite database, as a user starts it, so
these tests do not share the pytest database.
"""

import base64
import contextlib
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


@contextlib.contextmanager
def running_installation():
    """Initialize a demo installation in a temporary SATUDATA_HOME, serve it, and remove it afterwards.

    Yields its URL, the demo passwords and TOTP secrets, its folder and the environment that
    runs 'satudata' commands against it.
    """
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    home = tempfile.mkdtemp(prefix="satudata-browser-")
    # The served installation runs its own background worker, as a user starts it.
    # The installation runs with the production settings, not the test suite's immediate jobs.
    dropped = ("DATABASE_URL", "SATUDATA_JOBS", "DJANGO_SETTINGS_MODULE")
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    # E-mails go to files under the installation, where the account-request test reads them.
    env.update(SATUDATA_HOME=home, SATUDATA_LANGUAGE="en",
               SATUDATA_EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
               SATUDATA_EMAIL_DIR=str(Path(home) / "mail"))
    command = [sys.executable, "-m", "satudata"]
    init = subprocess.run([*command, "init", "--demo"], env=env, capture_output=True, text=True, check=True)
    passwords, secrets = parse_demo_credentials(init.stdout)
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
    try:
        yield {"url": url, "passwords": passwords, "totp_secrets": secrets, "home": home, "env": env,
               "command": command}
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="session")
def installation():
    """URL and demo passwords of a freshly initialized, running installation."""
    with running_installation() as running:
        yield running


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


def parse_demo_credentials(output: str) -> tuple[dict[str, str], dict[str, str]]:
    """Passwords and TOTP secrets of the demo accounts from the output of 'satudata init --demo'."""
    passwords: dict[str, str] = {}
    secrets: dict[str, str] = {}
    username = ""
    for line in output.splitlines():
        account = re.match(r"^  (\S+)\s+(\S+)\s+\S", line)
        secret = re.match(r"^      TOTP secret (\S+)", line)
        if account:
            username = account.group(1)
            passwords[username] = account.group(2)
        elif secret and username:
            secrets[username] = secret.group(1)
    return passwords, secrets


_last_step: dict[str, int] = {}


def totp_code(secret: str, username: str) -> str:
    """The current TOTP code of a base32 secret (RFC 6238, SHA-1, 6 digits, 30 s).

    django-otp accepts each time step once per device and one step of drift, so a second sign-in
    of the same user within one step uses the next step's code, or waits for it.
    """
    from django_otp.oath import totp

    padded = secret + "=" * (-len(secret) % 8)
    key = base64.b32decode(padded)
    now_step = int(time.time()) // 30
    step = max(now_step, _last_step.get(username, -1) + 1)
    if step > now_step + 1:
        time.sleep((step - 1) * 30 - time.time() + 0.5)
        now_step = int(time.time()) // 30
    _last_step[username] = step
    return f"{totp(key, step=30, t0=0, digits=6, drift=step - now_step):06d}"


def sign_in(page, installation, username: str, password: str | None = None,
            secret: str | None = None) -> None:
    """Sign in with the password and, for accounts with an authenticator, the TOTP code."""
    page.goto(installation["url"] + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password or installation["passwords"][username])
    page.click("main button.primary")
    secret = secret or installation["totp_secrets"].get(username)
    if secret:
        page.wait_for_url("**/accounts/verify/**")
        page.fill("#id_token", totp_code(secret, username))
        page.click("main button.primary")
    page.wait_for_url(installation["url"] + "/")


def run_cli(installation, *args: str) -> str:
    """Run a 'satudata' command against the installation and return its output."""
    result = subprocess.run([*installation["command"], *args], env=installation["env"], capture_output=True,
                            text=True, check=True)
    return result.stdout
