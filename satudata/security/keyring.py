"""Keys for personal data at rest, kept in a file outside the database.

The keyring holds several AES-256 keys under ids; new values are encrypted with the active key
and each token names the key that sealed it, so keys rotate without downtime: add a key, make it
active, then re-encrypt old tokens at leisure. The blind-index key is separate, because
changing it means recomputing every index.
"""

import base64
import json
import os
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings


class KeyringError(Exception):
    """The keyring file is missing, unreadable or does not contain the key a token names."""


@dataclass(frozen=True)
class Keyring:
    active: str
    keys: dict[str, bytes]
    index_key: bytes

    def to_json(self) -> str:
        return json.dumps({
            "active": self.active,
            "keys": {kid: base64.b64encode(k).decode() for kid, k in self.keys.items()},
            "index_key": base64.b64encode(self.index_key).decode(),
        }, indent=2)

    @classmethod
    def from_json(cls, text: str) -> "Keyring":
        data = json.loads(text)
        keys = {kid: base64.b64decode(k) for kid, k in data["keys"].items()}
        if data["active"] not in keys:
            raise KeyringError(f"the active key {data['active']!r} is not in the keyring")
        return cls(active=data["active"], keys=keys, index_key=base64.b64decode(data["index_key"]))

    def with_new_key(self) -> "Keyring":
        """Return a keyring with a fresh active key; the old keys stay for decryption."""
        number = 1 + max((int(k[1:]) for k in self.keys if k[1:].isdigit()), default=0)
        kid = f"k{number}"
        return Keyring(active=kid, keys={**self.keys, kid: secrets.token_bytes(32)}, index_key=self.index_key)


def new_keyring() -> Keyring:
    return Keyring(active="k1", keys={"k1": secrets.token_bytes(32)}, index_key=secrets.token_bytes(32))


_lock = threading.Lock()
_loaded: dict[Path, tuple[float, Keyring]] = {}


def keyring_path() -> Path:
    return Path(settings.SATUDATA_KEYRING_PATH)


def write_private_file(target: Path, text: str) -> None:
    """Write a key file readable by its owner only (0600, folder 0700), replacing it atomically."""
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = target.with_suffix(target.suffix + ".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    os.replace(temporary, target)


def create_private_file(target: Path, text: str) -> bool:
    """Create a key file readable by its owner only; return False when the file exists already.

    Creation is exclusive, so two processes starting at once never overwrite each other's key.
    """
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    return True


def write_keyring(keyring: Keyring, path: Path | None = None) -> None:
    """Write the keyring with owner-only permissions, replacing the file atomically."""
    target = path or keyring_path()
    write_private_file(target, keyring.to_json())
    with _lock:
        _loaded.pop(target, None)


def load_keyring(*, create: bool = True) -> Keyring:
    """Return the installation's keyring, creating one on first use when ``create`` is true."""
    path = keyring_path()
    with _lock:
        if path.exists():
            mtime = path.stat().st_mtime
            cached = _loaded.get(path)
            if cached and cached[0] == mtime:
                return cached[1]
            keyring = Keyring.from_json(path.read_text())
            _loaded[path] = (mtime, keyring)
            return keyring
    if not create:
        raise KeyringError(f"no keyring at {path}; run 'satudata init' to create one")
    keyring = new_keyring()
    if not create_private_file(path, keyring.to_json()):
        return load_keyring(create=False)
    return keyring
