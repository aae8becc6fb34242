"""Keyed hashes of NIK and phone numbers, so records are compared without their clear values.

``nik_index`` and ``phone_index`` are the registry's blind indexes (HMAC-SHA256 of the whole
value, the same as ``security.crypto.BlindIndex``), for exact agreement. A mistyped digit makes
those differ, so each NIK also gets four *near* hashes (``nik_near_1`` … ``nik_near_4``): the
HMAC of the NIK with one of its four 4-digit blocks masked. Two NIKs that differ in one digit
differ in one block, so they share the hash that masks that block; two unrelated NIKs share one
only when twelve of their sixteen digits agree (same district, same date of birth, for example).

The hashes are computed in an in-memory DuckDB connection whose spilling to disk is switched
off, because its input holds clear NIKs: they stay in memory and are never written out.
"""

import hashlib
import hmac

import duckdb
import polars as pl

from satudata.security.keyring import Keyring, load_keyring

NIK_PURPOSE = "nik"
PHONE_PURPOSE = "phone"
NEAR_PURPOSE = "nik-near"
NIK_BLOCKS = 4
BLOCK_DIGITS = 4
# Each near hash keeps 60 bits of the HMAC, so it fits a signed 64-bit integer on every backend.
NEAR_HEX_DIGITS = 15


def purpose_key(purpose: str, keyring: Keyring | None = None) -> bytes:
    """The HMAC key of one purpose, derived from the keyring's index key as BlindIndex derives it."""
    keyring = keyring or load_keyring()
    return hmac.new(keyring.index_key, purpose.encode(), hashlib.sha256).digest()


def _pads(key: bytes) -> tuple[bytes, bytes]:
    block = key.ljust(64, b"\0")
    return bytes(b ^ 0x5C for b in block), bytes(b ^ 0x36 for b in block)


def _hmac_sql(value_sql: str, outer: str, inner: str) -> str:
    """HMAC-SHA256 as DuckDB SQL: H(K ⊕ opad ‖ H(K ⊕ ipad ‖ m)), hex-encoded like hmac.hexdigest()."""
    return f"sha256({outer}::BLOB || unhex(sha256({inner}::BLOB || encode({value_sql}))))"


def _masked_sql(column: str, block: int) -> str:
    start = block * BLOCK_DIGITS
    before = f"substr({column}, 1, {start})" if start else "''"
    after = f"substr({column}, {start + BLOCK_DIGITS + 1})"
    return f"{before} || '{'#' * BLOCK_DIGITS}' || {after}"


def add_keyed_hashes(
    frame: pl.DataFrame,
    *,
    nik: str | None = "owner_nik",
    phone: str | None = "owner_phone",
    keyring: Keyring | None = None,
) -> pl.DataFrame:
    """Add ``nik_index``, ``nik_near_1`` … ``nik_near_4`` and ``phone_index``; drop the clear columns.

    A null or missing NIK or phone gives null hashes. The clear columns are dropped from the
    returned frame, so callers keep no clear NIK beyond the frame they passed in.
    """
    keyring = keyring or load_keyring()
    con = duckdb.connect(":memory:")
    try:
        con.execute("SET temp_directory = ''")
        con.execute("SET enable_progress_bar = false")
        con.register("source", frame.select([c for c in (nik, phone) if c and c in frame.columns]).to_arrow())
        params: list[bytes] = []
        selects = []
        if nik and nik in frame.columns:
            outer, inner = _pads(purpose_key(NIK_PURPOSE, keyring))
            near_outer, near_inner = _pads(purpose_key(NEAR_PURPOSE, keyring))
            params += [outer, inner]
            selects.append(
                f"case when {nik} is null then null else {_hmac_sql(nik, '$1', '$2')} end as nik_index"
            )
            params += [near_outer, near_inner]
            for block in range(NIK_BLOCKS):
                digest = _hmac_sql(_masked_sql(nik, block), "$3", "$4")
                selects.append(
                    f"case when {nik} is null then null else "
                    f"('0x' || left({digest}, {NEAR_HEX_DIGITS}))::BIGINT end as nik_near_{block + 1}"
                )
        else:
            selects.append("null::VARCHAR as nik_index")
            selects += [f"null::BIGINT as nik_near_{block + 1}" for block in range(NIK_BLOCKS)]
        if phone and phone in frame.columns:
            outer, inner = _pads(purpose_key(PHONE_PURPOSE, keyring))
            slot = len(params)
            params += [outer, inner]
            selects.append(
                f"case when {phone} is null then null else "
                f"{_hmac_sql(phone, f'${slot + 1}', f'${slot + 2}')} end as phone_index"
            )
        elif "phone_index" not in frame.columns:
            selects.append("null::VARCHAR as phone_index")
        hashed = pl.from_arrow(
            con.sql(f"select {', '.join(selects)} from source", params=params).to_arrow_table()  # noqa: S608
        )
    finally:
        con.close()
    dropped = frame.drop([c for c in (nik, phone) if c and c in frame.columns])
    return pl.concat([dropped, hashed], how="horizontal")
