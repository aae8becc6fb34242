"""Authenticated encryption and keyed blind indexes for personal data columns.

A token is ``<key id>:<base64 of nonce ‖ ciphertext ‖ tag>`` (AES-256-GCM). The column name is
bound in as associated data, so a token copied into another column does not decrypt. Blind
indexes are HMAC-SHA256 of the normalized value: equal values give equal indexes, which lets
the registry match a NIK without storing it in clear.
"""

import base64
import hashlib
import hmac
import os
from collections.abc import Iterable

import polars as pl
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from satudata.security.keyring import Keyring, KeyringError, load_keyring

NONCE_BYTES = 12


class DecryptionError(Exception):
    """A token could not be decrypted: wrong column, unknown key or altered ciphertext."""


class FieldCipher:
    """Encrypts and decrypts the values of one column with the installation's keyring."""

    def __init__(self, column: str, keyring: Keyring | None = None) -> None:
        self.column = column.encode()
        self.keyring = keyring or load_keyring()
        self._ciphers = {kid: AESGCM(key) for kid, key in self.keyring.keys.items()}
        self._active = self._ciphers[self.keyring.active]
        self._prefix = self.keyring.active + ":"

    def encrypt(self, value: str | None) -> str | None:
        if value is None:
            return None
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._active.encrypt(nonce, value.encode(), self.column)
        return self._prefix + base64.b64encode(nonce + sealed).decode()

    def encrypt_many(self, values: Iterable[str | None]) -> list[str | None]:
        return self.encrypt_series(pl.Series(list(values), dtype=pl.String)).to_list()

    def encrypt_series(self, values: pl.Series) -> pl.Series:
        """Encrypt a String series into tokens of the same form as ``encrypt``; nulls stay null.

        Nonces come from one ``os.urandom`` call per series and base64 runs in Polars, because
        per-value system calls and string building cost more than AES-GCM itself.
        """
        plain = values.cast(pl.String).to_list()
        nonces = os.urandom(NONCE_BYTES * len(plain))
        seal = self._active.encrypt
        column = self.column
        sealed: list[bytes | None] = []
        append = sealed.append
        for position, value in enumerate(plain):
            if value is None:
                append(None)
                continue
            nonce = nonces[position * NONCE_BYTES:(position + 1) * NONCE_BYTES]
            append(nonce + seal(nonce, value.encode(), column))
        raw = pl.Series(values.name, sealed, dtype=pl.Binary)
        tokens = pl.select(pl.concat_str(pl.lit(self._prefix), raw.bin.encode("base64")))
        return tokens.to_series().alias(values.name)

    def decrypt(self, token: str | None) -> str | None:
        if token is None:
            return None
        kid, _sep, body = token.partition(":")
        cipher = self._ciphers.get(kid)
        if cipher is None:
            raise DecryptionError(f"token sealed with key {kid!r}, which is not in the keyring")
        raw = base64.b64decode(body)
        try:
            return cipher.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], self.column).decode()
        except InvalidTag as exc:
            raise DecryptionError(f"token of column {self.column.decode()!r} failed authentication") from exc

    def needs_rotation(self, token: str | None) -> bool:
        return token is not None and not token.startswith(self._prefix)


class BlindIndex:
    """Keyed hashes for exact matching of values stored encrypted."""

    def __init__(self, purpose: str, keyring: Keyring | None = None) -> None:
        keyring = keyring or load_keyring()
        # One derived key per purpose, so a NIK index cannot be compared with a phone index.
        self._key = hmac.new(keyring.index_key, purpose.encode(), hashlib.sha256).digest()
        # Copying a keyed HMAC state skips the key setup that a new HMAC object repeats per value.
        self._keyed = crypto_hmac.HMAC(self._key, hashes.SHA256())

    def compute(self, value: str | None) -> str | None:
        if value is None:
            return None
        return hmac.new(self._key, value.encode(), hashlib.sha256).hexdigest()

    def compute_many(self, values: Iterable[str | None]) -> list[str | None]:
        return self.compute_series(pl.Series(list(values), dtype=pl.String)).to_list()

    def compute_series(self, values: pl.Series) -> pl.Series:
        """Return the hex index of each value of a String series, equal to ``compute``; nulls stay null."""
        keyed = self._keyed
        digests: list[bytes | None] = []
        append = digests.append
        for value in values.cast(pl.String).to_list():
            if value is None:
                append(None)
                continue
            state = keyed.copy()
            state.update(value.encode())
            append(state.finalize())
        return pl.Series(values.name, digests, dtype=pl.Binary).bin.encode("hex")


__all__ = ["BlindIndex", "DecryptionError", "FieldCipher", "KeyringError"]
