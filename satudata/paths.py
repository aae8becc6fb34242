"""Locations under SATUDATA_HOME, the folder that holds one installation's state.

The embedded default keeps the SQLite database, uploaded files, the secret key and the
encryption keyring side by side in one folder, so an office can back it up as a whole.
"""

import os
import secrets
from pathlib import Path


def satudata_home() -> Path:
    """Return SATUDATA_HOME (default ``./.satudata``), creating it with owner-only access."""
    home = Path(os.environ.get("SATUDATA_HOME", ".satudata")).resolve()
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    return home


def read_or_create_secret(path: Path, nbytes: int = 48) -> str:
    """Return the secret stored in ``path``, writing a new random one on first use.

    The file is created with mode 0600 and never overwritten, so restarting keeps sessions valid.
    """
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    value = secrets.token_urlsafe(nbytes)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        # Another process (a worker starting beside the web server) created it first.
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(value + "\n")
    return value
