"""UMKM reference codes: ``UM`` + a 10-digit sequence number + a Damm check digit.

The Damm algorithm catches every single-digit error and every swap of adjacent digits, the two
mistakes people make when copying a code by hand. ``stdnum.damm`` checks single codes; the
vectorized version below produces a million codes in milliseconds and is tested against it.
"""

import re

import polars as pl
from stdnum import damm

PREFIX = "UM"
DIGITS = 10
CODE_PATTERN = re.compile(r"^UM[0-9]{11}$")

# The Damm quasigroup table (weakly totally anti-symmetric, order 10).
_DAMM_TABLE = (
    (0, 3, 1, 7, 5, 9, 8, 6, 4, 2),
    (7, 0, 9, 2, 1, 5, 4, 8, 6, 3),
    (4, 2, 0, 6, 8, 7, 1, 3, 5, 9),
    (1, 7, 5, 0, 9, 8, 3, 4, 2, 6),
    (6, 1, 2, 3, 0, 4, 5, 9, 7, 8),
    (3, 6, 7, 4, 2, 0, 9, 5, 8, 1),
    (5, 8, 6, 9, 7, 2, 0, 1, 3, 4),
    (8, 9, 4, 5, 3, 6, 2, 0, 1, 7),
    (9, 4, 3, 8, 6, 1, 7, 2, 0, 5),
    (2, 5, 8, 1, 4, 3, 6, 7, 9, 0),
)
_FLAT = pl.Series("damm", [v for row in _DAMM_TABLE for v in row], dtype=pl.Int64)


def format_code(sequence: int) -> str:
    digits = f"{sequence:0{DIGITS}d}"
    return f"{PREFIX}{digits}{damm.calc_check_digit(digits)}"


def is_valid_code(code: str) -> bool:
    code = code.strip().upper().replace("-", "").replace(" ", "")
    return bool(CODE_PATTERN.match(code)) and damm.is_valid(code[len(PREFIX):])


def normalize_code(code: str) -> str:
    return code.strip().upper().replace("-", "").replace(" ", "")


def format_codes(first: int, count: int) -> pl.Series:
    """Codes for the sequence numbers ``first`` … ``first + count - 1``."""
    sequence = pl.int_range(first, first + count, eager=True, dtype=pl.Int64)
    digits = sequence.cast(pl.String).str.zfill(DIGITS)
    frame = pl.DataFrame({"digits": digits})
    interim = pl.lit(0, dtype=pl.Int64)
    for position in range(DIGITS):
        digit = pl.col("digits").str.slice(position, 1).cast(pl.Int64)
        interim = pl.lit(_FLAT).gather(interim * 10 + digit)
    codes = frame.select(
        pl.concat_str([pl.lit(PREFIX), pl.col("digits"), interim.cast(pl.String)]).alias("code")
    )
    return codes.get_column("code")
