"""Sealing the personal data of a batch of rows: tokens and blind indexes, optionally in a helper process.

Encryption and keyed hashing run one Python call per value, holding the interpreter lock. In a
bulk load they would compete with the thread that writes to the database, which needs the lock
between statements, and each would wait for the other. A ``Sealer`` with ``in_process=False``
does this work in one child process instead, on another core, and hands back Arrow-backed
columns. The child receives the keyring through its pipe at start and keeps it in memory only.
"""

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import polars as pl

from satudata.security.crypto import BlindIndex, FieldCipher
from satudata.security.keyring import Keyring, load_keyring

# What the child process seals, set once by ``_start_child``.
_child: "_Columns | None" = None


class _Columns:
    """Ciphers for the sealed columns and blind indexes for the indexed ones."""

    def __init__(self, sealed: tuple[str, ...], indexed: dict[str, str], keyring: Keyring) -> None:
        self.ciphers = {code: FieldCipher(code, keyring) for code in sealed}
        self.indexes = {code: BlindIndex(purpose, keyring) for code, purpose in indexed.items()}

    def seal(self, values: dict[str, pl.Series]) -> dict[str, pl.Series]:
        out: dict[str, pl.Series] = {}
        for code, series in values.items():
            out[f"__sealed_{code}"] = self.ciphers[code].encrypt_series(series).alias(f"__sealed_{code}")
            if code in self.indexes:
                out[f"__index_{code}"] = self.indexes[code].compute_series(series).alias(f"__index_{code}")
        return out


def _start_child(sealed: tuple[str, ...], indexed: dict[str, str], keyring: Keyring) -> None:
    global _child
    _child = _Columns(sealed, indexed, keyring)


def _seal_in_child(values: dict[str, pl.Series]) -> dict[str, pl.Series]:
    return _child.seal(values)


class Sealer:
    """Seals the columns ``sealed`` and computes blind indexes of the columns in ``indexed``.

    ``indexed`` maps a column to the purpose of its index (``BlindIndex``). ``seal`` takes the
    clear values by column and returns ``__sealed_<column>`` and ``__index_<column>`` series.
    Use as a context manager, so the child process ends with the load.
    """

    def __init__(self, sealed: tuple[str, ...], indexed: dict[str, str], *, in_process: bool = True,
                 keyring: Keyring | None = None) -> None:
        keyring = keyring or load_keyring()
        self._pool: ProcessPoolExecutor | None = None
        self._local: _Columns | None = None
        if in_process:
            self._local = _Columns(sealed, indexed, keyring)
        else:
            # "spawn" starts a fresh interpreter: forking a server process would copy its threads'
            # locks and its database connections into the child.
            self._pool = ProcessPoolExecutor(
                max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_child, initargs=(sealed, indexed, keyring),
            )
            # The pool starts its process on the first task. A task that does nothing starts it now,
            # so the interpreter loads while the caller prepares its first batch.
            self._pool.submit(int)

    def seal(self, values: dict[str, pl.Series]) -> dict[str, pl.Series]:
        if self._local is not None:
            return self._local.seal(values)
        return self._pool.submit(_seal_in_child, values).result()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __enter__(self) -> "Sealer":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()
