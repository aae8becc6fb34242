"""Measuring linkage against labelled synthetic data, side by side with exact matching.

``evaluate`` generates a labelled set, trains the model on it without the labels, links, and
scores both the linkage and the baseline (the rules compilation uses without linkage: same NIB,
else same owner NIK and business name key) in one run.
"""

import time
from dataclasses import asdict, dataclass, field

import polars as pl

from satudata.linkage.engine import DEFAULT_THRESHOLDS, LINK, REVIEW, LinkStats, Thresholds, link_records
from satudata.linkage.features import comparison_records
from satudata.linkage.model import connect, train
from satudata.registry.keys import name_key_expr
from satudata.security.keyring import Keyring, new_keyring
from satudata.synthetic.linkage import LabelledSet, generate_labelled


@dataclass
class Scores:
    """Quality of link decisions against the labels; a review item counts as not linked."""

    precision: float
    recall: float
    f1: float
    review_rate: float
    links: int
    correct_links: int
    true_matches: int
    reviews: int
    records: int


@dataclass
class EvaluationReport:
    records: int
    registry: int
    seed: int
    linkage: Scores
    baseline: Scores
    model_version: str
    thresholds: dict[str, float]
    by_case: list[dict] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict:
        return asdict(self)


def score(decisions: pl.DataFrame, labels: pl.DataFrame) -> Scores:
    """``decisions`` has ``unique_id``, ``decision`` and ``business_id``; ``labels`` has ``unique_id``
    and ``true_business_id`` (null for a new business)."""
    joined = labels.join(decisions, on="unique_id", how="left")
    linked = joined.filter(pl.col("decision") == LINK)
    correct = linked.filter(pl.col("business_id") == pl.col("true_business_id")).height
    true_matches = joined.filter(pl.col("true_business_id").is_not_null()).height
    reviews = joined.filter(pl.col("decision") == REVIEW).height
    precision = correct / linked.height if linked.height else 1.0
    recall = correct / true_matches if true_matches else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Scores(
        precision=round(precision, 4),
        recall=round(recall, 4),
        f1=round(f1, 4),
        review_rate=round(reviews / joined.height, 4) if joined.height else 0.0,
        links=linked.height,
        correct_links=correct,
        true_matches=true_matches,
        reviews=reviews,
        records=joined.height,
    )


def exact_baseline(labelled: LabelledSet) -> pl.DataFrame:
    """Decisions of exact matching alone: same NIB, else same owner NIK and ``registry.keys`` name key."""
    registry = labelled.registry.select(
        "business_id",
        "nib",
        "owner_nik",
        name_key_expr(pl.col("business_name")).alias("name_key"),
    )
    incoming = labelled.incoming.select(
        pl.col("row_id").alias("unique_id"),
        "nib",
        "owner_nik",
        name_key_expr(pl.col("business_name")).alias("name_key"),
    )
    by_nib = (
        incoming.filter(pl.col("nib").is_not_null())
        .join(registry.filter(pl.col("nib").is_not_null()).select("business_id", "nib"), on="nib")
        .group_by("unique_id")
        .agg(pl.col("business_id").min())
    )
    by_nik = (
        incoming.join(registry.select("business_id", "owner_nik", "name_key"), on=["owner_nik", "name_key"])
        .group_by("unique_id")
        .agg(pl.col("business_id").min())
    )
    matched = pl.concat([by_nib, by_nik.join(by_nib, on="unique_id", how="anti")])
    return (
        incoming.select("unique_id")
        .join(matched, on="unique_id", how="left")
        .with_columns(
            pl.when(pl.col("business_id").is_not_null())
            .then(pl.lit(LINK))
            .otherwise(pl.lit("new"))
            .alias("decision")
        )
    )


def _by_case(labelled: LabelledSet, decisions: pl.DataFrame, baseline: pl.DataFrame) -> list[dict]:
    labels = labelled.incoming.select(pl.col("row_id").alias("unique_id"), "true_business_id", "case")
    right = (pl.col("decision") == LINK) & (pl.col("business_id") == pl.col("true_business_id"))
    new_right = (pl.col("decision") != LINK) & pl.col("true_business_id").is_null()
    joined = labels.join(decisions.select("unique_id", "decision", "business_id"), on="unique_id").join(
        baseline.select(
            "unique_id", pl.col("decision").alias("b_decision"), pl.col("business_id").alias("b_business_id")
        ),
        on="unique_id",
    )
    baseline_right = (
        (pl.col("b_decision") == LINK) & (pl.col("b_business_id") == pl.col("true_business_id"))
    ) | ((pl.col("b_decision") != LINK) & pl.col("true_business_id").is_null())
    table = (
        joined.group_by("case")
        .agg(
            pl.len().alias("records"),
            (right | new_right).sum().alias("linkage_correct"),
            (pl.col("decision") == REVIEW).sum().alias("linkage_review"),
            baseline_right.sum().alias("baseline_correct"),
        )
        .sort("case")
    )
    return table.to_dicts()


def evaluate(
    records: int,
    seed: int,
    *,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    villages: pl.DataFrame | None = None,
    keyring: Keyring | None = None,
    labelled: LabelledSet | None = None,
) -> EvaluationReport:
    """Generate ``records`` labelled incoming records (and a registry twice as large), link them and
    the exact baseline, and score both against the labels.

    The model is trained on the generated registry and incoming records by expectation maximisation;
    the labels are used only for scoring. A throwaway keyring keys the hashes unless one is given.
    """
    seconds: dict[str, float] = {}
    started = time.monotonic()
    labelled = labelled or generate_labelled(records, seed=seed, villages=villages)
    keyring = keyring or new_keyring()
    seconds["generate"] = round(time.monotonic() - started, 2)

    started = time.monotonic()
    registry = comparison_records(labelled.registry, id_column="business_id", keyring=keyring)
    incoming = comparison_records(
        labelled.incoming, id_column="row_id", crosswalk=labelled.crosswalk, keyring=keyring
    )
    seconds["features"] = round(time.monotonic() - started, 2)

    con = connect()
    try:
        started = time.monotonic()
        model = train(registry, incoming, seed=seed, con=con)
        seconds["train"] = round(time.monotonic() - started, 2)
        started = time.monotonic()
        stats = LinkStats()
        decisions = link_records(incoming, registry, model, thresholds=thresholds, con=con, stats=stats)
        seconds["link"] = round(time.monotonic() - started, 2)
    finally:
        con.close()

    labels = labelled.incoming.select(pl.col("row_id").alias("unique_id"), "true_business_id")
    baseline = exact_baseline(labelled)
    return EvaluationReport(
        records=labelled.incoming.height,
        registry=labelled.registry.height,
        seed=seed,
        linkage=score(decisions, labels),
        baseline=score(baseline, labels),
        model_version=model.version,
        thresholds={"link": thresholds.link, "review": thresholds.review},
        by_case=_by_case(labelled, decisions, baseline),
        seconds=seconds,
    )
