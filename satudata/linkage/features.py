"""The comparison record: one row per business, in the form both sides of a linkage job share.

Incoming rows arrive with the data standard's variable codes (``business_name``, ``owner_nik``, …)
and clear personal data in memory; registry rows arrive with blind indexes instead. Both become
the columns of ``RECORD_SCHEMA``, which hold no clear NIK or phone number.
"""

from collections.abc import Callable, Mapping

import polars as pl

from satudata.linkage import normalize
from satudata.linkage.fingerprints import add_keyed_hashes
from satudata.security.keyring import Keyring

RECORD_SCHEMA = {
    "unique_id": pl.Int64,
    "nib": pl.String,
    "nik_index": pl.String,
    "nik_near_1": pl.Int64,
    "nik_near_2": pl.Int64,
    "nik_near_3": pl.Int64,
    "nik_near_4": pl.Int64,
    "phone_index": pl.String,
    "biz_name": pl.String,
    "biz_key": pl.String,
    "biz_prefix": pl.String,
    "owner_name": pl.String,
    "owner_key": pl.String,
    "owner_token": pl.String,
    "owner_words": pl.Int32,
    "address": pl.String,
    "street": pl.String,
    "house_no": pl.String,
    "rt": pl.Int32,
    "rw": pl.Int32,
    "village_code": pl.String,
    "district_code": pl.String,
    "regency_code": pl.String,
    "kbli": pl.String,
    "kbli_division": pl.String,
    "year_started": pl.Int32,
}
# Standard variables read from an incoming frame; the others may be absent.
STANDARD_INPUTS = (
    "nib",
    "business_name",
    "owner_name",
    "owner_nik",
    "owner_phone",
    "business_address",
    "business_rt",
    "business_rw",
    "business_village_code",
    "kbli",
    "year_started",
)
BUSINESS_PREFIX_CHARS = 4
NEAR_COLUMNS = tuple(f"nik_near_{block}" for block in range(1, 5))

VillageCrosswalk = Mapping[str, str] | Callable[[pl.Series], pl.Series]


def map_village_codes(codes: pl.Series, crosswalk: VillageCrosswalk | None) -> pl.Series:
    """Village codes of an older edition replaced by their current code; codes not in the crosswalk stay.

    ``crosswalk`` is a mapping of old code to current code, or a function from a Series of codes to a
    Series of the same length (null where it has no mapping).
    """
    if crosswalk is None:
        return codes
    if callable(crosswalk):
        mapped = crosswalk(codes)
    else:
        mapped = codes.replace_strict(
            list(crosswalk.keys()), list(crosswalk.values()), default=None, return_dtype=pl.String
        )
    return pl.select(pl.coalesce(mapped, codes)).to_series().alias(codes.name)


def _text(frame: pl.DataFrame, column: str) -> pl.Expr:
    if column not in frame.columns:
        return pl.lit(None, dtype=pl.String)
    return pl.col(column).cast(pl.String).str.strip_chars().replace("", None)


def comparison_records(
    frame: pl.DataFrame,
    *,
    id_column: str,
    crosswalk: VillageCrosswalk | None = None,
    keyring: Keyring | None = None,
) -> pl.DataFrame:
    """Build comparison records from rows named by the data standard's variable codes.

    Rows with clear ``owner_nik`` / ``owner_phone`` get keyed hashes computed in memory; rows that
    already carry ``nik_index``, ``nik_near_*`` and ``phone_index`` (the registry side) keep them.
    """
    if "owner_nik" in frame.columns or "owner_phone" in frame.columns:
        frame = add_keyed_hashes(frame, nik="owner_nik", phone="owner_phone", keyring=keyring)
    if "business_village_code" in frame.columns:
        frame = frame.with_columns(
            map_village_codes(frame.get_column("business_village_code").cast(pl.String), crosswalk)
        )
    biz_name = normalize.business_name(_text(frame, "business_name"))
    owner_name = normalize.person_name(_text(frame, "owner_name"))
    address = normalize.address(_text(frame, "business_address"))
    village = _text(frame, "business_village_code")
    kbli = _text(frame, "kbli")
    year = (
        pl.col("year_started").cast(pl.Int32, strict=False)
        if "year_started" in frame.columns
        else pl.lit(None, dtype=pl.Int32)
    )
    records = frame.select(
        pl.col(id_column).cast(pl.Int64).alias("unique_id"),
        _text(frame, "nib").alias("nib"),
        (pl.col("nik_index") if "nik_index" in frame.columns else pl.lit(None, dtype=pl.String)).alias(
            "nik_index"
        ),
        *[
            (pl.col(name) if name in frame.columns else pl.lit(None, dtype=pl.Int64)).alias(name)
            for name in NEAR_COLUMNS
        ],
        (pl.col("phone_index") if "phone_index" in frame.columns else pl.lit(None, dtype=pl.String)).alias(
            "phone_index"
        ),
        biz_name.alias("biz_name"),
        owner_name.alias("owner_name"),
        address.alias("address"),
        normalize.small_number(_text(frame, "business_rt")).alias("rt"),
        normalize.small_number(_text(frame, "business_rw")).alias("rw"),
        village.alias("village_code"),
        kbli.alias("kbli"),
        year.alias("year_started"),
    )
    records = records.with_columns(
        normalize.compact(pl.col("biz_name")).alias("biz_key"),
        normalize.compact(pl.col("owner_name")).alias("owner_key"),
        normalize.distinctive_token(pl.col("owner_name")).alias("owner_token"),
        pl.col("owner_name").str.split(" ").list.len().cast(pl.Int32).alias("owner_words"),
        normalize.street(pl.col("address")).alias("street"),
        normalize.house_number(pl.col("address")).alias("house_no"),
        pl.col("village_code").str.slice(0, 8).alias("district_code"),
        pl.col("village_code").str.slice(0, 5).alias("regency_code"),
        pl.col("kbli").str.slice(0, 2).alias("kbli_division"),
    ).with_columns(
        pl.col("biz_key").str.slice(0, BUSINESS_PREFIX_CHARS).alias("biz_prefix"),
    )
    return records.select([pl.col(name).cast(dtype) for name, dtype in RECORD_SCHEMA.items()])
