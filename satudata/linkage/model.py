"""The Fellegi–Sunter model: Splink comparisons, blocking rules, training and the stored form.

The settings use only Splink's comparison-level library (exact, Jaro–Winkler, Damerau–Levenshtein,
absolute difference, null checks and their And/Or compositions), which Splink writes for each
backend, so the same model runs on DuckDB here and on Spark at national scale.

Owner identity (NIK, owner name) is one comparison, not several: NIK and name agree together
for the same person, and counting both as independent evidence would let one owner's second
business look like the first. The business name, the address, KBLI and year started tell the
businesses of one owner apart.
"""

import hashlib
import json
import logging
import secrets
from dataclasses import dataclass
from typing import Any

import duckdb
import polars as pl
import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator

logger = logging.getLogger(__name__)

SOURCE_REGISTRY = "registry"
SOURCE_INCOMING = "incoming"
NEAR_COLUMNS = ("nik_near_1", "nik_near_2", "nik_near_3", "nik_near_4")

# Candidate pairs. Every rule joins on codes or keyed hashes, never on a name alone: a village
# name such as Sidomulyo repeats across the country, and so do owner names. Village rules carry
# a second key, which splits the large villages of cities into small blocks.
BLOCKING_RULES = (
    "l.nik_index = r.nik_index",
    # One mistyped NIK digit changes one 4-digit block; the other three blocks still agree.
    # Masking the first block leaves date of birth and serial, shared by many people across the
    # country, so that rule also asks for the owner's distinctive name.
    "l.nik_near_1 = r.nik_near_1 and l.owner_token = r.owner_token",
    "l.nik_near_2 = r.nik_near_2",
    "l.nik_near_3 = r.nik_near_3",
    "l.nik_near_4 = r.nik_near_4",
    "l.phone_index = r.phone_index",
    "l.village_code = r.village_code and l.owner_token = r.owner_token",
    "l.village_code = r.village_code and l.biz_prefix = r.biz_prefix",
    "l.village_code = r.village_code and l.street = r.street and l.house_no = r.house_no",
    "l.district_code = r.district_code and l.owner_key = r.owner_key",
)
# Blocks for expectation maximisation: each leaves out the comparison it fixes, so together they
# estimate every m probability.
TRAINING_BLOCKS = (
    "l.nik_index = r.nik_index",
    "l.village_code = r.village_code and l.biz_key = r.biz_key",
    "l.phone_index = r.phone_index",
)
# Pairs that are almost surely the same business, to estimate how often two records match.
DETERMINISTIC_RULES = (
    "l.nik_index = r.nik_index and l.biz_key = r.biz_key",
    "l.nib = r.nib",
)


def _owner_similar() -> cll.Or:
    """Same person's name: equal or close after normalization, or one side a single name that the other
    contains ("Sutrisno" and "Sutrisno Hadi"). Two full names sharing only a family name do not count."""
    return cll.Or(
        cll.ExactMatchLevel("owner_key"),
        cll.JaroWinklerLevel("owner_key", 0.9),
        cll.And(
            cll.ExactMatchLevel("owner_token"),
            cll.CustomLevel("owner_words_l = 1 OR owner_words_r = 1", label_for_charts="a single name"),
        ),
    )


def _nik_near() -> cll.Or:
    return cll.Or(*[cll.ExactMatchLevel(column) for column in NEAR_COLUMNS])


def _nik_missing() -> cll.CustomLevel:
    return cll.CustomLevel("nik_index_l IS NULL OR nik_index_r IS NULL", label_for_charts="NIK missing")


def comparisons() -> list:
    owner = cl.CustomComparison(
        output_column_name="owner",
        comparison_description="Owner: NIK (blind index, near hashes) and normalized name",
        comparison_levels=[
            cll.And(cll.NullLevel("owner_key"), _nik_missing()).configure(is_null_level=True),
            cll.And(cll.ExactMatchLevel("nik_index"), _owner_similar()).configure(
                label_for_charts="NIK equal, name similar"
            ),
            cll.ExactMatchLevel("nik_index").configure(label_for_charts="NIK equal, name different"),
            cll.And(_nik_near(), _owner_similar()).configure(
                label_for_charts="NIK one block off, name similar"
            ),
            _nik_near().configure(label_for_charts="NIK one block off"),
            cll.And(_nik_missing(), _owner_similar()).configure(label_for_charts="NIK missing, name similar"),
            _nik_missing().configure(label_for_charts="NIK missing, name different"),
            _owner_similar().configure(label_for_charts="NIK different, name similar"),
            cll.ElseLevel(),
        ],
    )
    business_name = cl.CustomComparison(
        output_column_name="business_name",
        comparison_levels=[
            cll.NullLevel("biz_key"),
            cll.ExactMatchLevel("biz_key"),
            cll.DamerauLevenshteinLevel("biz_key", 2),
            cll.JaroWinklerLevel("biz_key", 0.88),
            cll.ElseLevel(),
        ],
    )
    address = cl.CustomComparison(
        output_column_name="address",
        comparison_levels=[
            cll.NullLevel("address"),
            cll.ExactMatchLevel("address"),
            cll.And(cll.ExactMatchLevel("street"), cll.ExactMatchLevel("house_no")),
            cll.JaroWinklerLevel("address", 0.9),
            cll.ElseLevel(),
        ],
    )
    village = cl.CustomComparison(
        output_column_name="village",
        comparison_levels=[
            cll.NullLevel("village_code"),
            cll.ExactMatchLevel("village_code"),
            cll.ExactMatchLevel("district_code"),
            cll.ExactMatchLevel("regency_code"),
            cll.ElseLevel(),
        ],
    )
    kbli = cl.CustomComparison(
        output_column_name="kbli",
        comparison_levels=[
            cll.NullLevel("kbli"),
            cll.ExactMatchLevel("kbli"),
            cll.ExactMatchLevel("kbli_division"),
            cll.ElseLevel(),
        ],
    )
    year = cl.CustomComparison(
        output_column_name="year_started",
        comparison_levels=[
            cll.NullLevel("year_started"),
            cll.ExactMatchLevel("year_started"),
            cll.AbsoluteDifferenceLevel("year_started", 1),
            cll.ElseLevel(),
        ],
    )
    return [
        owner,
        business_name,
        address,
        village,
        cl.ExactMatch("phone_index"),
        kbli,
        year,
        cl.ExactMatch("nib"),
    ]


def settings_creator() -> SettingsCreator:
    return SettingsCreator(
        link_type="link_only",
        unique_id_column_name="unique_id",
        source_dataset_column_name="source_dataset",
        comparisons=comparisons(),
        blocking_rules_to_generate_predictions=list(BLOCKING_RULES),
        # Splink keeps the comparison levels (gamma columns) of each pair only with the matching
        # columns; the decision rules read the levels.
        retain_matching_columns=True,
        retain_intermediate_calculation_columns=False,
        em_convergence=0.001,
        max_iterations=20,
    )


@dataclass
class TrainedModel:
    """A trained Splink model and its version: ``m`` followed by the first 12 hex digits of its SHA-256."""

    settings: dict[str, Any]
    sha256: str
    summary: dict[str, Any]

    @property
    def version(self) -> str:
        return "m" + self.sha256[:12]

    @classmethod
    def from_settings(cls, settings: dict[str, Any], summary: dict[str, Any] | None = None) -> "TrainedModel":
        canonical = json.dumps(settings, sort_keys=True, separators=(",", ":"))
        return cls(
            settings=settings, sha256=hashlib.sha256(canonical.encode()).hexdigest(), summary=summary or {}
        )


def connect(
    *, threads: int | None = None, memory_limit: str | None = None, temp_directory: str | None = None
) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection for a linkage job.

    Comparison records carry blind indexes, never clear NIKs or phone numbers, so the job may
    spill to ``temp_directory`` when it passes ``memory_limit``.
    """
    con = duckdb.connect(":memory:")
    con.execute("SET enable_progress_bar = false")
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    if memory_limit:
        con.execute("SET memory_limit = ?", [memory_limit])
    if temp_directory:
        con.execute("SET temp_directory = ?", [str(temp_directory)])
    return con


def unique_table_name(source: str) -> str:
    """A fresh table name, so several jobs can share one DuckDB connection."""
    return f"__linkage_{source}_{secrets.token_hex(4)}"


def _with_source(records: pl.DataFrame, source: str) -> pl.DataFrame:
    return records.with_columns(pl.lit(source).alias("source_dataset"))


def train(
    registry: pl.DataFrame,
    incoming: pl.DataFrame,
    *,
    seed: int = 1,
    max_u_pairs: float = 2e6,
    max_em_pairs: float = 1e6,
    con: duckdb.DuckDBPyConnection | None = None,
) -> TrainedModel:
    """Estimate the model's parameters without labels.

    u probabilities come from random pairs of records (almost all non-matches); the prior match
    probability from pairs that agree on NIB, or on NIK and business name; m probabilities from
    expectation maximisation over samples of blocked pairs (``max_em_pairs`` per session).
    Both frames are comparison records (``features.RECORD_SCHEMA``).
    """
    con = con or connect()
    db_api = DuckDBAPI(connection=con)
    left = db_api.register(
        _with_source(registry, SOURCE_REGISTRY),
        dataset_display_name=SOURCE_REGISTRY,
        table_name=unique_table_name(SOURCE_REGISTRY),
    )
    right = db_api.register(
        _with_source(incoming, SOURCE_INCOMING),
        dataset_display_name=SOURCE_INCOMING,
        table_name=unique_table_name(SOURCE_INCOMING),
    )
    linker = Linker([left, right], settings_creator(), log_level=None)
    linker.training.estimate_probability_two_random_records_match(list(DETERMINISTIC_RULES), recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=max_u_pairs, seed=seed)
    sessions = []
    for rule in TRAINING_BLOCKS:
        linker.training.estimate_parameters_using_expectation_maximisation(
            rule,
            estimate_without_term_frequencies=True,
            max_pairs=max_em_pairs,
        )
        sessions.append(rule)
    settings = linker.misc.save_model_to_json()
    # The connection may go on to link: free the sampled pairs and the registered samples now.
    linker.table_management.delete_tables_created_by_splink_from_db()
    for table in (left, right):
        con.unregister(table.physical_name)
    summary = {
        "registry_records": registry.height,
        "incoming_records": incoming.height,
        "training_blocks": sessions,
        "probability_two_random_records_match": settings.get("probability_two_random_records_match"),
    }
    return TrainedModel.from_settings(settings, summary)
