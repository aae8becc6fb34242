"""Linking comparison records to the registry: deterministic rules, then the trained model.

This module has no Django dependency, so the benchmark and a Spark job can run it on frames
built anywhere. ``link_records`` returns one row per incoming record (``RESULT_SCHEMA``).
"""

import logging
import time
from dataclasses import dataclass, field

import duckdb
import polars as pl
from splink import DuckDBAPI, Linker

from satudata.linkage.model import SOURCE_INCOMING, SOURCE_REGISTRY, TrainedModel, connect, unique_table_name

# Comparison records of the registry: a Polars frame, or the name of a DuckDB table or view.
Registry = pl.DataFrame | str

logger = logging.getLogger(__name__)

LINK = "link"
NEW = "new"
REVIEW = "review"

RULE_NIB = "nib"
RULE_NIK_NAME = "nik_name"
RULE_MODEL = "model"
RULE_REVIEWED = "reviewed"
RULE_NONE = "none"

# Levels of the comparisons in model.comparisons(), counted from the "else" level (0) upward.
KBLI_EXACT = 2
YEAR_CLOSE = 1
ADDRESS_SAME = 2

RESULT_SCHEMA = {
    "unique_id": pl.Int64,
    "business_id": pl.Int64,
    "decision": pl.String,
    "match_probability": pl.Float64,
    "rule": pl.String,
    "candidate_id": pl.Int64,
    "second_probability": pl.Float64,
    "model_version": pl.String,
}


@dataclass(frozen=True)
class Thresholds:
    """Match probabilities that separate the three outcomes.

    At or above ``link`` the record is linked; below ``review`` it is a new business; in between a
    person decides. A record whose second-best candidate also reaches ``link`` goes to review too,
    because the model cannot tell which of two registered businesses it describes.
    """

    link: float = 0.95
    review: float = 0.5


DEFAULT_THRESHOLDS = Thresholds()


@dataclass
class LinkStats:
    incoming: int = 0
    registry: int = 0
    deterministic: int = 0
    candidate_pairs: int = 0
    scored_pairs: int = 0
    seconds: dict[str, float] = field(default_factory=dict)


def registry_table(con: duckdb.DuckDBPyConnection, registry: Registry) -> str:
    """Return the name of a table or view on ``con`` with the registry's comparison records.

    A name passes through. A Polars frame is registered as a view of itself, so DuckDB scans it
    where it is.
    """
    if isinstance(registry, str):
        return registry
    name = unique_table_name(SOURCE_REGISTRY)
    con.register(name, registry)
    return name


def _deterministic(con: duckdb.DuckDBPyConnection, incoming: str, registry: str) -> pl.DataFrame:
    """Incoming records that share a NIB with a registered business, else an owner NIK and business name.

    ``incoming`` and ``registry`` name tables or views on ``con``. When several registered
    businesses qualify, the one registered first (lowest id) wins, as in compilation. Returns
    ``unique_id``, ``business_id`` and ``rule``. The joins run in DuckDB, so a registry given as a
    table is never copied into Python.
    """
    # Only generated table names and rule constants enter the SQL text.
    sql = f"""
        with by_nib as (
            select i.unique_id, min(r.unique_id) as business_id
            from {incoming} i join {registry} r on i.nib = r.nib
            group by i.unique_id
        ),
        by_nik as (
            select i.unique_id, min(r.unique_id) as business_id
            from {incoming} i join {registry} r on i.nik_index = r.nik_index and i.biz_key = r.biz_key
            where i.unique_id not in (select unique_id from by_nib)
            group by i.unique_id
        )
        select unique_id, business_id, '{RULE_NIB}' as rule from by_nib
        union all
        select unique_id, business_id, '{RULE_NIK_NAME}' as rule from by_nik
    """  # noqa: S608
    found = pl.from_arrow(con.sql(sql).to_arrow_table())
    return found.select(
        pl.col("unique_id").cast(pl.Int64),
        pl.col("business_id").cast(pl.Int64),
        pl.col("rule").cast(pl.String),
    )


def _best_candidates(
    con: duckdb.DuckDBPyConnection, predictions: str, separated: pl.DataFrame | None
) -> pl.DataFrame:
    """The best and second-best registered business for each incoming record, by match probability,
    with whether the best one agrees on the business itself (name or NIB) and on its activity (KBLI)."""
    # Splink numbers the levels of a comparison from the "else" level (0) upward; null is -1.
    # Only generated table names and integer constants enter the SQL text.
    incoming_left = f"source_dataset_l = '{SOURCE_INCOMING}'"
    same_place_and_activity = (
        f"gamma_kbli = {KBLI_EXACT} and gamma_year_started >= {YEAR_CLOSE} "
        f"and gamma_address >= {ADDRESS_SAME}"
    )
    pairs_sql = f"""
        select
            case when {incoming_left} then unique_id_l else unique_id_r end as unique_id,
            case when {incoming_left} then unique_id_r else unique_id_l end as business_id,
            match_probability,
            (gamma_business_name <> 0 or gamma_nib = 1 or ({same_place_and_activity})) as business_agrees,
            gamma_kbli = {KBLI_EXACT} as activity_agrees
        from {predictions}
    """  # noqa: S608
    if separated is not None and separated.height:
        con.register("__separated", separated.select("unique_id", "business_id").to_arrow())
        pairs_sql = f"""
            select p.* from ({pairs_sql}) p
            anti join __separated s on p.unique_id = s.unique_id and p.business_id = s.business_id
        """  # noqa: S608
    ranked_sql = f"""
        with ranked as (
            select *, row_number() over (
                partition by unique_id order by match_probability desc, business_id
            ) as position
            from ({pairs_sql})
        )
        select
            unique_id,
            max(case when position = 1 then business_id end) as candidate_id,
            max(case when position = 1 then match_probability end) as match_probability,
            bool_or(case when position = 1 then business_agrees end) as business_agrees,
            bool_or(case when position = 1 then activity_agrees end) as activity_agrees,
            max(case when position = 2 then match_probability end) as second_probability
        from ranked where position <= 2
        group by unique_id
    """  # noqa: S608
    ranked = con.sql(ranked_sql).to_arrow_table()
    return pl.from_arrow(ranked)


def _decision(thresholds: Thresholds) -> pl.Expr:
    """The outcome for an incoming record from its best candidate.

    An owner may run several businesses, so agreement on the owner alone never links. The business
    itself must agree too: by name, by NIB, or by the same KBLI, a start year at most one year apart
    and the same street address together. A candidate without that goes to review when its KBLI
    code is the same, and is a new business otherwise.
    """
    probability = pl.col("match_probability")
    ambiguous = pl.col("second_probability").fill_null(0.0) >= thresholds.link
    business = pl.col("business_agrees").fill_null(True)
    activity = pl.col("activity_agrees").fill_null(True)
    return (
        pl.when(probability < thresholds.review)
        .then(pl.lit(NEW))
        .when(~business & ~activity)
        .then(pl.lit(NEW))
        .when((probability >= thresholds.link) & business & ~ambiguous)
        .then(pl.lit(LINK))
        .otherwise(pl.lit(REVIEW))
    )


def score_pairs(
    incoming: pl.DataFrame,
    registry: str,
    model: TrainedModel,
    *,
    con: duckdb.DuckDBPyConnection,
    threshold: float = 0.01,
    stats: LinkStats | None = None,
) -> str:
    """Block and score candidate pairs; return the name of the DuckDB table holding them.

    ``registry`` names a table or view of comparison records on ``con``. Only pairs with a match
    probability of at least ``threshold`` are kept.
    """
    stats = stats or LinkStats()
    db_api = DuckDBAPI(connection=con)
    # A view adds the source column without copying the registry.
    registry_view = unique_table_name(SOURCE_REGISTRY)
    con.execute(
        f"create temp view {registry_view} as select *, '{SOURCE_REGISTRY}' as source_dataset from {registry}"  # noqa: S608
    )
    left = db_api.register(registry_view, dataset_display_name=SOURCE_REGISTRY)
    right = db_api.register(
        incoming.with_columns(pl.lit(SOURCE_INCOMING).alias("source_dataset")),
        dataset_display_name=SOURCE_INCOMING,
        table_name=unique_table_name(SOURCE_INCOMING),
    )
    linker = Linker([left, right], model.settings, log_level=None)
    started = time.monotonic()
    predictions = linker.inference.predict(threshold_match_probability=threshold, warning_mode="never")
    stats.seconds["score"] = round(time.monotonic() - started, 2)
    stats.scored_pairs = con.sql(f"select count(*) from {predictions.physical_name}").fetchall()[0][0]  # noqa: S608
    return predictions.physical_name


def link_records(
    incoming: pl.DataFrame,
    registry: Registry,
    model: TrainedModel,
    *,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    con: duckdb.DuckDBPyConnection | None = None,
    fixed_links: pl.DataFrame | None = None,
    separated: pl.DataFrame | None = None,
    stats: LinkStats | None = None,
    rules_only: bool = False,
) -> pl.DataFrame:
    """Decide for every incoming record: link to a registered business, new business, or review.

    ``incoming`` and ``registry`` are comparison records; the registry's ``unique_id`` is the
    business id. ``registry`` may also name a table or view of them on ``con``, such as a view of
    Parquet files, so a large registry is read by DuckDB alone. ``fixed_links`` (``unique_id``,
    ``business_id``) are decisions a reviewer made earlier and are applied as they are.
    ``separated`` pairs were judged different businesses and are never linked. With
    ``rules_only`` no pair is scored and every record the rules leave is new. Returns one row per
    incoming record with the columns of ``RESULT_SCHEMA``.
    """
    stats = stats if stats is not None else LinkStats()
    own_connection = con is None
    con = con or connect()
    try:
        registry = registry_table(con, registry)
        stats.incoming = incoming.height
        stats.registry = con.sql(f"select count(*) from {registry}").fetchall()[0][0]  # noqa: S608
        started = time.monotonic()
        decided = []
        if fixed_links is not None and fixed_links.height:
            decided.append(
                fixed_links.select(
                    "unique_id", pl.col("business_id").cast(pl.Int64), pl.lit(RULE_REVIEWED).alias("rule")
                )
            )
        remaining = incoming
        if decided:
            remaining = incoming.filter(
                ~pl.col("unique_id").is_in(decided[0].get_column("unique_id").implode())
            )
        remaining_table = unique_table_name(SOURCE_INCOMING)
        con.register(remaining_table, remaining)
        deterministic = _deterministic(con, remaining_table, registry)
        con.unregister(remaining_table)
        if separated is not None and separated.height:
            deterministic = deterministic.join(
                separated.select("unique_id", "business_id"), on=["unique_id", "business_id"], how="anti"
            )
        decided.append(deterministic)
        fixed = pl.concat(decided).with_columns(
            pl.lit(LINK).alias("decision"),
            pl.lit(1.0).alias("match_probability"),
            pl.col("business_id").alias("candidate_id"),
            pl.lit(None, dtype=pl.Float64).alias("second_probability"),
        )
        stats.deterministic = deterministic.height
        stats.seconds["deterministic"] = round(time.monotonic() - started, 2)

        remaining = remaining.filter(~pl.col("unique_id").is_in(fixed.get_column("unique_id").implode()))
        scored = pl.DataFrame(
            schema={
                "unique_id": pl.Int64,
                "candidate_id": pl.Int64,
                "match_probability": pl.Float64,
                "business_agrees": pl.Boolean,
                "activity_agrees": pl.Boolean,
                "second_probability": pl.Float64,
            }
        )
        if remaining.height and stats.registry and not rules_only:
            table = score_pairs(remaining, registry, model, con=con, stats=stats)
            started = time.monotonic()
            scored = _best_candidates(con, table, separated)
            stats.seconds["decide"] = round(time.monotonic() - started, 2)
        probable = (
            remaining.select("unique_id")
            .join(scored, on="unique_id", how="left")
            .with_columns(pl.col("match_probability").fill_null(0.0))
        )
        probable = probable.with_columns(
            _decision(thresholds).alias("decision"),
            pl.when(pl.col("candidate_id").is_null())
            .then(pl.lit(RULE_NONE))
            .otherwise(pl.lit(RULE_MODEL))
            .alias("rule"),
        ).with_columns(
            pl.when(pl.col("decision") == LINK).then(pl.col("candidate_id")).alias("business_id"),
        )
        result = pl.concat([fixed, probable], how="diagonal_relaxed").with_columns(
            pl.lit(model.version).alias("model_version")
        )
        return result.select([pl.col(name).cast(dtype) for name, dtype in RESULT_SCHEMA.items()]).sort(
            "unique_id"
        )
    finally:
        if own_connection:
            con.close()
