"""Column encryption and blind indexes of personal data."""

import base64
import hashlib
import hmac

import polars as pl
import pytest

from satudata.security.crypto import NONCE_BYTES, BlindIndex, DecryptionError, FieldCipher
from satudata.security.keyring import new_keyring

VALUES = ["3273015203900001", None, "", "Jl. Sukajadi No. 5, RT 001"]


@pytest.fixture
def keyring():
    return new_keyring()


def test_encrypt_series_round_trip(keyring):
    cipher = FieldCipher("owner_nik", keyring)
    tokens = cipher.encrypt_series(pl.Series("nik", VALUES))

    assert tokens.name == "nik"
    assert tokens.dtype == pl.String
    assert [cipher.decrypt(token) for token in tokens] == VALUES


def test_encrypt_series_token_format(keyring):
    cipher = FieldCipher("owner_nik", keyring)
    token = cipher.encrypt_series(pl.Series([VALUES[0]]))[0]

    key_id, _separator, body = token.partition(":")
    assert key_id == keyring.active
    raw = base64.b64decode(body, validate=True)
    # Nonce, ciphertext of the same length as the value, 16-byte tag.
    assert len(raw) == NONCE_BYTES + len(VALUES[0]) + 16
    assert VALUES[0].encode() not in raw


def test_encrypt_series_uses_fresh_nonces(keyring):
    cipher = FieldCipher("owner_nik", keyring)
    tokens = cipher.encrypt_series(pl.Series([VALUES[0]] * 1000)).to_list()

    assert len(set(tokens)) == 1000
    nonces = {base64.b64decode(t.partition(":")[2])[:NONCE_BYTES] for t in tokens}
    assert len(nonces) == 1000


def test_token_of_other_column_fails(keyring):
    token = FieldCipher("owner_nik", keyring).encrypt_series(pl.Series([VALUES[0]]))[0]
    with pytest.raises(DecryptionError):
        FieldCipher("owner_phone", keyring).decrypt(token)


def test_encrypt_many_matches_single_decrypt(keyring):
    cipher = FieldCipher("owner_phone", keyring)
    tokens = cipher.encrypt_many(["+6281234567890", None])

    assert tokens[1] is None
    assert cipher.decrypt(tokens[0]) == "+6281234567890"
    assert cipher.decrypt(cipher.encrypt("+6281234567890")) == "+6281234567890"


def test_compute_series_equals_compute(keyring):
    index = BlindIndex("nik", keyring)
    computed = index.compute_series(pl.Series(VALUES)).to_list()

    assert computed == [index.compute(value) for value in VALUES]
    assert computed[1] is None
    assert index.compute_many(VALUES) == computed


def test_blind_index_is_hmac_sha256(keyring):
    key = hmac.new(keyring.index_key, b"nik", hashlib.sha256).digest()
    expected = hmac.new(key, VALUES[0].encode(), hashlib.sha256).hexdigest()

    assert BlindIndex("nik", keyring).compute_series(pl.Series([VALUES[0]]))[0] == expected


def test_blind_index_differs_by_purpose(keyring):
    assert BlindIndex("nik", keyring).compute(VALUES[0]) != BlindIndex("phone", keyring).compute(VALUES[0])
