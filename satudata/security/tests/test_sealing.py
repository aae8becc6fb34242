"""Sealing personal data in a child process gives what sealing in the caller's process gives."""

import polars as pl

from satudata.security.crypto import BlindIndex, FieldCipher
from satudata.security.keyring import new_keyring
from satudata.security.sealing import Sealer

SEALED = ("owner_nik", "owner_phone")
INDEXED = {"owner_nik": "nik"}


def clear_values() -> dict[str, pl.Series]:
    return {
        "owner_nik": pl.Series("owner_nik", ["3273015203900001", None, "3273015203900002"]),
        "owner_phone": pl.Series("owner_phone", ["+6281234567890", "+6281111111111", None]),
    }


def test_child_process_seals_as_the_caller_would():
    keyring = new_keyring()
    with Sealer(SEALED, INDEXED, keyring=keyring) as here, \
            Sealer(SEALED, INDEXED, in_process=False, keyring=keyring) as child:
        local, remote = here.seal(clear_values()), child.seal(clear_values())
        # A second batch through the same child, which keeps its keys between batches.
        again = child.seal(clear_values())

    assert set(remote) == set(local) == {"__sealed_owner_nik", "__index_owner_nik", "__sealed_owner_phone"}
    assert remote["__index_owner_nik"].to_list() == local["__index_owner_nik"].to_list()
    assert remote["__index_owner_nik"].to_list()[0] == BlindIndex("nik", keyring).compute("3273015203900001")
    for code in SEALED:
        cipher = FieldCipher(code, keyring)
        expected = clear_values()[code].to_list()
        assert [cipher.decrypt(t) for t in remote[f"__sealed_{code}"].to_list()] == expected
        assert [cipher.decrypt(t) for t in again[f"__sealed_{code}"].to_list()] == expected
        # Fresh nonces: the same value never gives the same token twice.
        assert remote[f"__sealed_{code}"].to_list()[0] != local[f"__sealed_{code}"].to_list()[0]
