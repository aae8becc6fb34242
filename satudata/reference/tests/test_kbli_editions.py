"""KBLI editions 2015 (the 2017 revision), 2020 and 2025, with crosswalks proposed from codes and titles.

KBLI 2025 is read from the BPS JSON files in memory; its licence forbids redistributing
modified copies, so no converted copy is written anywhere.
"""

import datetime as dt
import json

import polars as pl
import pytest
from django.core.management import call_command
from django.utils import translation

from satudata.reference import services
from satudata.reference.counting import count_businesses
from satudata.reference.loaders import read_bps_json
from satudata.reference.lookups import code_list_lookup
from satudata.reference.models import Crosswalk, CrosswalkPair, Edition
from satudata.registry.models import Business
from satudata.accounts.models import User
from satudata.submissions import procedure
from satudata.submissions.tests.factories import rows_with, submit, write_csv
from satudata.validation.engine import Validator
from satudata.validation.rules import RuleContext
from satudata.validation.specs import StandardSpec, VariableSpec

pytestmark = [pytest.mark.django_db, pytest.mark.shared_data, pytest.mark.xdist_group("kbli_editions")]

KBLI = VariableSpec(code="kbli", datatype="code", code_list="kbli", required=True, domain={"level": 5})
# Pengusahaan Hutan Sonokeling: a group of the 2015 edition that neither 2020 nor 2025 has.
ONLY_IN_2015 = "02114"


def _crosswalk(older: str, newer: str) -> Crosswalk:
    return Crosswalk.objects.get(
        source_edition__code_list__kind="kbli", source_edition__name=older, target_edition__name=newer
    )


def _pairs(crosswalk: Crosswalk, source: str) -> set[tuple[str, str, str]]:
    return {(p.target_code, p.relation, p.status) for p in crosswalk.pairs.filter(source_code=source)}


def _validate(values: list[str], edition: str | None) -> pl.DataFrame:
    ctx = RuleContext(
        today=dt.date(2026, 12, 4), regions=None, code_lists={"kbli": code_list_lookup("kbli", edition)}
    )
    batch = pl.DataFrame(
        {"__row": list(range(2, len(values) + 2)), "kbli": values},
        schema={"__row": pl.Int64, "kbli": pl.String},
    )
    return Validator(StandardSpec("test", (KBLI,)), ctx, ["kbli"]).validate(batch).errors


# -- reading -------------------------------------------------------------------------------------------


def test_bps_json_has_22_categories(shared_data):
    rows = read_bps_json(shared_data / "kbli2025_bps_unmodified")
    categories = sorted(r.code for r in rows if r.level == 1)
    assert categories == [chr(c) for c in range(ord("A"), ord("W"))]


def test_bps_json_levels_have_published_counts(shared_data):
    rows = read_bps_json(shared_data / "kbli2025_bps_unmodified")
    counts = [sum(1 for r in rows if r.level == level) for level in range(1, 6)]
    assert counts == [22, 87, 257, 519, 1559]


def test_bps_json_group_names_its_subgroup(shared_data):
    rows = {r.code: r for r in read_bps_json(shared_data / "kbli2025_bps_unmodified")}
    assert (rows["01111"].level, rows["01111"].parent_code) == (5, "0111")


def test_single_json_file_without_parents_is_rejected(shared_data):
    from satudata.reference.loaders import CodeListImportError

    with translation.override("en"), pytest.raises(CodeListImportError, match="parent"):
        read_bps_json(shared_data / "kbli2025_bps_unmodified" / "05_kelompok.json")


# -- proposed crosswalks -------------------------------------------------------------------------------


def test_editions_are_stored_with_2020_current(kbli_editions):
    editions = dict(Edition.objects.filter(code_list__kind="kbli").values_list("name", "is_current"))
    assert editions["2020"] is True
    assert editions["2015"] is False
    assert editions["2025"] is False


def test_renumbered_group_is_confirmed(kbli_editions):
    # Pembangkitan Tenaga Listrik: 35101 in 2015, 35111 in 2020.
    assert _pairs(_crosswalk("2015", "2020"), "35101") == {("35111", "renumbered", "confirmed")}


def test_same_group_is_confirmed(kbli_editions):
    assert _pairs(_crosswalk("2015", "2020"), "62011") == {("62011", "same", "confirmed")}


def test_split_group_waits_for_review(kbli_editions):
    # Pertanian Sayuran, Buah dan Aneka Umbi Lainnya (2020) spreads over three 2025 groups.
    assert _pairs(_crosswalk("2020", "2025"), "01139") == {
        ("01133", "split", "proposed"),
        ("01134", "split", "proposed"),
        ("01139", "split", "proposed"),
    }


def test_renumbered_2025_group_is_found_by_title(kbli_editions):
    # Jasa Perkawinan Ternak moved from 01622 to 01621, and 01621 now means something else.
    assert _pairs(_crosswalk("2020", "2025"), "01622") == {("01621", "renumbered", "confirmed")}


def test_every_proposed_pair_has_a_score(kbli_editions):
    unscored = _crosswalk("2020", "2025").pairs.filter(
        status=CrosswalkPair.Status.PROPOSED, score__isnull=True
    )
    assert not unscored.exists()


def test_report_of_2025_counts_one_more_category(kbli_editions):
    report = kbli_editions["2025"].report
    assert (report.old_edition, report.new_edition) == ("2020", "2025")
    assert (report.old_count, report.new_count) == (2712, 2444)


def test_import_dry_run_stores_nothing(kbli_editions, shared_data, capsys):
    before = Edition.objects.count()
    call_command(
        "codelist",
        "import",
        "kbli",
        str(shared_data / "kbli2025_bps_unmodified"),
        "--edition",
        "2025-check",
        "--dry-run",
        "--json",
    )
    printed = json.loads(capsys.readouterr().out)
    assert printed["applied"] is False
    assert printed["entries"] == 2444
    assert set(printed["report"]["counts"]) == {
        "unchanged",
        "renamed",
        "renumbered",
        "split",
        "merged",
        "ambiguous",
        "removed",
        "added",
    }
    assert Edition.objects.count() == before


def test_import_prints_report_before_applying(kbli_editions, shared_data, capsys):
    call_command(
        "codelist",
        "import",
        "kbli",
        str(shared_data / "kbli2015.csv"),
        "--edition",
        "2015-again",
        "--keep-current",
        "--language",
        "en",
    )
    printed = capsys.readouterr().out
    assert printed.index("Changes from kbli edition 2015-again") < printed.index(
        "Imported kbli edition 2015-again"
    )


# -- official tables and review ------------------------------------------------------------------------


def test_official_table_replaces_proposal(kbli_editions, tmp_path):
    table = tmp_path / "kbli-2015-2020.csv"
    table.write_text("source_code,target_code\n35101,35111\n35102,35112\n01464,01465\n01464,01466\n")
    older, newer = (Edition.objects.get(code_list__kind="kbli", name=n) for n in ("2015", "2020"))
    crosswalk = services.import_crosswalk_csv(older, newer, table, source="test table")
    assert crosswalk.is_official
    assert _pairs(crosswalk, "35101") == {("35111", "renumbered", "confirmed")}
    assert _pairs(crosswalk, "01464") == {("01465", "split", "confirmed"), ("01466", "split", "confirmed")}


def test_official_table_with_unknown_code_is_rejected(kbli_editions, tmp_path):
    table = tmp_path / "bad.csv"
    table.write_text("source_code,target_code\n99999,35111\n")
    older, newer = (Edition.objects.get(code_list__kind="kbli", name=n) for n in ("2015", "2020"))
    with pytest.raises(services.CrosswalkError, match="99999"):
        services.import_crosswalk_csv(older, newer, table)


def test_rejecting_a_split_part_leaves_the_rest(kbli_editions):
    crosswalk = _crosswalk("2020", "2025")
    services.review_pair(crosswalk.pairs.get(source_code="01139", target_code="01139"), services.REJECT)
    assert _pairs(crosswalk, "01139") == {
        ("01133", "split", "proposed"),
        ("01134", "split", "proposed"),
        ("01139", "split", "rejected"),
    }


def test_review_writes_audit_entry(kbli_editions):
    from satudata.audit.models import AuditEntry

    pair = _crosswalk("2020", "2025").pairs.get(source_code="01139", target_code="01133")
    services.review_pair(pair, services.CONFIRM)
    entry = AuditEntry.objects.order_by("-id").first()
    assert (entry.action, entry.data["decision"]) == (services.CROSSWALK_REVIEWED, "confirm")


# -- validation and storage in the declared edition ---------------------------------------------------


def test_code_of_declared_older_edition_is_accepted(kbli_editions):
    assert _validate([ONLY_IN_2015], "2015").height == 0


def test_code_of_older_edition_is_rejected_by_default(kbli_editions):
    errors = _validate([ONLY_IN_2015], None)
    assert errors.get_column("code").to_list() == ["kbli.unknown"]


def test_code_of_2025_edition_is_accepted_when_declared(kbli_editions):
    # 01138 Pertanian Cabai exists only from 2025.
    assert _validate(["01138"], "2025").height == 0


def test_compile_stores_declared_kbli_edition(kbli_editions, tmp_path, producer_national):
    # given a file validated against the edition its producer declared
    submission = submit(
        write_csv(tmp_path / "k.csv", rows_with({"Kode KBLI": "62011"})),
        producer_national,
        compile_rows=False,
    )
    submission.summary = {**submission.summary, "kbli_edition": "2015"}
    submission.save(update_fields=["summary"])
    # when
    procedure.accept(submission, actor=User.objects.get(username="walidata"), background=False)
    # then
    business = Business.objects.get(first_submission=submission)
    assert (business.kbli, business.kbli_edition) == ("62011", "2015")


def test_compile_uses_current_kbli_edition_by_default(kbli_editions, tmp_path, producer_national):
    submission = submit(write_csv(tmp_path / "k.csv", rows_with({"Kode KBLI": "62011"})), producer_national)
    assert Business.objects.get(first_submission=submission).kbli_edition == "2020"


# -- counting in other editions ------------------------------------------------------------------------


def _count(edition: str, level: int) -> dict[str, int]:
    counts = count_businesses(
        Business.objects.all(), "kbli", Edition.objects.get(code_list__kind="kbli", name=edition), level
    )
    return {row.code: row.count for row in counts.rows}


def test_business_of_2020_counts_under_2015_code(kbli_editions, tmp_path, producer_national):
    submit(write_csv(tmp_path / "k.csv", rows_with({"Kode KBLI": "35111"})), producer_national)
    assert _count("2015", 5) == {"35101": 1}


def test_business_counts_in_2025_once_its_pair_is_confirmed(kbli_editions, tmp_path, producer_national):
    # given a business coded 62019 Aktivitas Pemrograman Komputer Lainnya, category J in 2020
    submit(write_csv(tmp_path / "k.csv", rows_with({"Kode KBLI": "62019"})), producer_national)
    pair = _crosswalk("2020", "2025").pairs.get(source_code="62019", target_code="62199")
    assert pair.status == CrosswalkPair.Status.PROPOSED
    # when the walidata confirms the proposed pair
    services.review_pair(pair, services.CONFIRM)
    # then it counts in category K of 2025, where ISIC Rev. 5 moved computer programming
    assert _count("2025", 1) == {"K": 1}


def test_business_with_several_2025_candidates_is_ambiguous(kbli_editions, tmp_path, producer_national):
    submit(write_csv(tmp_path / "k.csv", rows_with({"Kode KBLI": "35111"})), producer_national)
    counts = count_businesses(
        Business.objects.all(), "kbli", Edition.objects.get(code_list__kind="kbli", name="2025"), 5
    )
    assert (counts.rows, counts.ambiguous) == ([], 1)
    assert counts.ambiguous_examples == [("35111", "2020", ["35111", "35112", "35120"])]


def test_business_checked_against_categories_counts_in_full_edition(
    kbli_editions, tmp_path, producer_national
):
    submission = submit(write_csv(tmp_path / "k.csv", rows_with({"Kode KBLI": "62011"})), producer_national)
    Business.objects.filter(first_submission=submission).update(kbli_edition="2020-kategori")
    assert _count("2020", 1) == {"J": 1}


# -- the OSS variant of KBLI 2020 ----------------------------------------------------------------------


def test_oss_variant_needs_missing_parents_allowed(kbli_editions, shared_data):
    from satudata.reference.loaders import CodeListImportError

    with translation.override("en"), pytest.raises(CodeListImportError, match="parent"):
        services.plan_import("kbli", shared_data / "kbli2020_oss.csv", "2020-oss", make_current=False)


def _oss_changes(shared_data) -> set[tuple[str, str]]:
    plan = services.plan_import(
        "kbli", shared_data / "kbli2020_oss.csv", "2020-oss", make_current=False, allow_missing_parents=True
    )
    return {(c.change, c.code) for c in plan.report.changes}


def test_oss_variant_leaves_out_gambling(kbli_editions, shared_data):
    # KBLI is statistical and lists gambling (92000); OSS licenses businesses and leaves it out.
    assert ("removed", "92000") in _oss_changes(shared_data)


def test_oss_variant_adds_codes_of_2017_edition(kbli_editions, shared_data):
    changes = _oss_changes(shared_data)
    assert {code for change, code in changes if change == "added"} == {"61925", "74100", "77301"}


def test_oss_variant_respells_mahad_aly(kbli_editions, shared_data):
    assert ("renamed", "85340") in _oss_changes(shared_data)
