"""Ed25519 keys that sign audit checkpoints, kept in files under SATUDATA_HOME/keys.

The private key is ``audit-signing.pem`` (PKCS#8, mode 0600). Its public key is also written to
``audit-signing-<key id>.pub.pem``. Public key files stay when the private key is replaced, so
checkpoints signed with an earlier key still verify. The key id is the first 16 hex digits of
the SHA-256 of the raw public key.
"""

import hashlib
import threading
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings

from satudata.security.keyring import create_private_file, write_private_file

PRIVATE_NAME = "audit-signing.pem"
PUBLIC_PATTERN = "audit-signing-*.pub.pem"


class SigningKeyError(Exception):
    """The signing key file is missing or unreadable."""


@dataclass(frozen=True)
class SigningKey:
    key_id: str
    private_key: Ed25519PrivateKey

    def sign(self, message: bytes) -> bytes:
        return self.private_key.sign(message)


def keys_folder() -> Path:
    return Path(settings.SATUDATA_AUDIT_KEYS_DIR)


def key_id_of(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def _public_pem(public_key: Ed25519PublicKey) -> str:
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def _private_pem(private_key: Ed25519PrivateKey) -> str:
    return private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def _write_public(folder: Path, public_key: Ed25519PublicKey) -> None:
    path = folder / f"audit-signing-{key_id_of(public_key)}.pub.pem"
    if not path.exists():
        write_private_file(path, _public_pem(public_key))


_lock = threading.Lock()
_cached: dict[Path, tuple[float, SigningKey]] = {}


def load_signing_key(*, create: bool = True) -> SigningKey:
    """Return the installation's signing key, creating one on first use when ``create`` is true."""
    path = keys_folder() / PRIVATE_NAME
    if not path.exists():
        if not create:
            raise SigningKeyError(f"no audit signing key at {path}; run 'satudata init' to create one")
        private_key = Ed25519PrivateKey.generate()
        create_private_file(path, _private_pem(private_key))
    with _lock:
        mtime = path.stat().st_mtime
        cached = _cached.get(path)
        if cached and cached[0] == mtime:
            return cached[1]
        try:
            private_key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        except (OSError, ValueError) as exc:
            raise SigningKeyError(f"the audit signing key {path} cannot be read: {exc}") from exc
        if not isinstance(private_key, Ed25519PrivateKey):
            raise SigningKeyError(f"the audit signing key {path} is not an Ed25519 key")
        _write_public(path.parent, private_key.public_key())
        key = SigningKey(key_id=key_id_of(private_key.public_key()), private_key=private_key)
        _cached[path] = (mtime, key)
        return key


def rotate_signing_key() -> SigningKey:
    """Replace the private key with a new one; the old public key stays for verification."""
    load_signing_key(create=True)
    private_key = Ed25519PrivateKey.generate()
    write_private_file(keys_folder() / PRIVATE_NAME, _private_pem(private_key))
    return load_signing_key(create=False)


def public_keys() -> dict[str, Ed25519PublicKey]:
    """Return every public key of the installation by key id, the retired ones included."""
    keys: dict[str, Ed25519PublicKey] = {}
    for path in sorted(keys_folder().glob(PUBLIC_PATTERN)):
        public_key = serialization.load_pem_public_key(path.read_bytes())
        if isinstance(public_key, Ed25519PublicKey):
            keys[key_id_of(public_key)] = public_key
    return keys


def checkpoint_message(entry_id: int, entry_hash: str, signed_at: str) -> bytes:
    """The bytes a checkpoint signs: a version tag, the entry id and hash, and the signing time."""
    return f"satudata-audit-checkpoint:v1:{entry_id}:{entry_hash}:{signed_at}".encode()


def signature_is_valid(public_key: Ed25519PublicKey, signature: bytes, message: bytes) -> bool:
    try:
        public_key.verify(signature, message)
    except InvalidSignature:
        return False
    return True
