"""The 2022 split of Papua: the 2020 region list (34 provinces) against the current 2025 list (38).

The crosswalk is proposed from the two lists themselves, since no official correspondence file
is loaded. Codes are real: 91.01 Kabupaten Merauke (province 91 Papua in 2020) is 93.01 under
93 Papua Selatan in 2025.
"""

import json

import pytest

from satudata.accounts.testing import sign_in_verified
from satudata.producers.services import create_producer
from satudata.reference import services
from satudata.reference.counting import count_businesses
from satudata.reference.lookups import region_lookup
from satudata.reference.models import CrosswalkPair, Edition
from satudata.registry.models import Business
from satudata.submissions.reports import row_errors
from satudata.submissions.tests.factories import errors_of, rows_with, submit, write_csv

pytestmark = [pytest.mark.django_db, pytest.mark.shared_data, pytest.mark.xdist_group("regions_2020")]

MERAUKE_2020_VILLAGE = "91.01.01.2001"
MERAUKE_2025_VILLAGE = "93.01.01.2001"
# Kogekotu appears twice in 94.03.01 (Paniai) in 2025 and once in 91.08.01 in 2020.
AMBIGUOUS_2020_VILLAGE = "91.08.01.2034"
AMBIGUOUS_CANDIDATES = ("94.03.01.2011", "94.03.01.2018")


def _pairs(crosswalk, source):
    return {(p.target_code, p.relation, p.status) for p in crosswalk.pairs.filter(source_code=source)}


@pytest.fixture
def crosswalk(regions_2020):
    return Edition.objects.get(code_list__kind="region", name="2020").crosswalks_from.get()


def test_crosswalk_goes_from_2020_to_current(crosswalk):
    assert (crosswalk.source_edition.name, crosswalk.target_edition.name) == ("2020", "2025")
    assert not crosswalk.is_official


def test_papua_province_splits_into_four(crosswalk):
    assert _pairs(crosswalk, "91") == {(code, "split", "confirmed") for code in ("91", "93", "94", "95")}


def test_papua_barat_splits_off_papua_barat_daya(crosswalk):
    assert _pairs(crosswalk, "92") == {("92", "split", "confirmed"), ("96", "split", "confirmed")}


def test_merauke_regency_is_renumbered(crosswalk):
    assert _pairs(crosswalk, "91.01") == {("93.01", "renumbered", "confirmed")}


def test_merauke_village_is_renumbered(crosswalk):
    assert _pairs(crosswalk, MERAUKE_2020_VILLAGE) == {(MERAUKE_2025_VILLAGE, "renumbered", "confirmed")}


def test_unchanged_village_keeps_its_code(crosswalk):
    assert _pairs(crosswalk, "32.73.01.1001") == {("32.73.01.1001", "same", "confirmed")}


def test_village_with_two_namesakes_is_left_for_review(crosswalk):
    assert _pairs(crosswalk, AMBIGUOUS_2020_VILLAGE) == {
        (code, "ambiguous", "proposed") for code in AMBIGUOUS_CANDIDATES
    }


def test_change_report_counts_the_26_moved_regencies(regions_2020):
    by_level = regions_2020.report.counts_by_level()
    assert by_level[2]["renumbered"] == 26
    assert by_level[2]["removed"] == 0
    assert by_level[1]["split"] == 2
    assert by_level[1]["added"] == 0


def test_change_report_reads_from_2020_to_2025(regions_2020):
    assert (regions_2020.report.old_edition, regions_2020.report.new_edition) == ("2020", "2025")
    assert regions_2020.report.old_count == 91227
    assert regions_2020.report.new_count == 91599


def test_lookup_carries_merauke_village_to_current(regions_2020):
    old = region_lookup().old_villages
    mapping = dict(zip(old.codes.to_list(), old.successors.to_list(), strict=True))
    assert mapping[MERAUKE_2020_VILLAGE] == MERAUKE_2025_VILLAGE


def test_fast_path_and_rule_agree_on_old_code(regions_2020):
    import datetime as dt

    import polars as pl

    from satudata.validation.fast import region_fast
    from satudata.validation.rules import RuleContext, region_rule
    from satudata.validation.specs import VariableSpec

    spec = VariableSpec(code="business_village_code", datatype="region")
    ctx = RuleContext(today=dt.date(2026, 12, 4), regions=region_lookup(), code_lists={})
    cells = pl.DataFrame({"cell": [MERAUKE_2020_VILLAGE, MERAUKE_2020_VILLAGE.replace(".", "")]})
    fast_value, fast_ok = region_fast(pl.col("cell"), pl.lit(False), spec, ctx)
    rule = region_rule(pl.col("cell"), pl.lit(False), spec, ctx)
    result = cells.select(
        fast_value.alias("fast"), fast_ok.alias("ok"), rule.value.alias("rule"), rule.error.alias("error")
    )
    assert result.get_column("ok").to_list() == [True, True]
    assert result.get_column("error").to_list() == [None, None]
    assert (
        result.get_column("fast").to_list()
        == result.get_column("rule").to_list()
        == [MERAUKE_2020_VILLAGE] * 2
    )


# -- submissions coded in the 2020 edition ------------------------------------------------------------


def test_old_village_code_is_accepted(tmp_path, regions_2020, producer_national):
    rows = rows_with({"Kode desa/kelurahan usaha": MERAUKE_2020_VILLAGE})
    submission = submit(write_csv(tmp_path / "merauke.csv", rows), producer_national)
    assert errors_of(submission) == []


def test_old_village_code_is_stored_in_current_edition(tmp_path, regions_2020, producer_national):
    rows = rows_with({"Kode desa/kelurahan usaha": MERAUKE_2020_VILLAGE})
    submission = submit(write_csv(tmp_path / "merauke.csv", rows), producer_national)
    business = Business.objects.get(first_submission=submission)
    assert business.village_code == MERAUKE_2025_VILLAGE
    assert (business.province_code, business.regency_code) == ("93", "93.01")
    assert business.region_edition == "2025"


def test_old_village_code_is_kept_as_submitted(tmp_path, regions_2020, producer_national):
    rows = rows_with({"Kode desa/kelurahan usaha": MERAUKE_2020_VILLAGE.replace(".", "")})
    submission = submit(write_csv(tmp_path / "merauke.csv", rows), producer_national)
    business = Business.objects.get(first_submission=submission)
    assert business.submitted_village_code == MERAUKE_2020_VILLAGE
    assert business.submitted_region_edition == "2020"


def test_current_village_code_leaves_submitted_fields_empty(tmp_path, regions_2020, producer_national):
    submission = submit(write_csv(tmp_path / "bandung.csv", rows_with({})), producer_national)
    business = Business.objects.get(first_submission=submission)
    assert (business.submitted_village_code, business.submitted_region_edition) == ("", "")


def test_ambiguous_old_code_is_rejected_with_candidates(tmp_path, regions_2020, producer_national):
    rows = rows_with({"Kode desa/kelurahan usaha": AMBIGUOUS_2020_VILLAGE})
    submission = submit(write_csv(tmp_path / "paniai.csv", rows), producer_national)
    assert errors_of(submission) == [(2, "business_village_code", "region.old_code_ambiguous")]
    message = row_errors(submission)[0].message
    for candidate in AMBIGUOUS_CANDIDATES:
        assert candidate in message


def test_confirmed_candidate_makes_old_code_valid(tmp_path, crosswalk, producer_national):
    # given
    chosen = crosswalk.pairs.get(source_code=AMBIGUOUS_2020_VILLAGE, target_code=AMBIGUOUS_CANDIDATES[1])
    services.review_pair(chosen, services.CONFIRM)
    # when
    rows = rows_with({"Kode desa/kelurahan usaha": AMBIGUOUS_2020_VILLAGE})
    submission = submit(write_csv(tmp_path / "paniai.csv", rows), producer_national)
    # then
    assert errors_of(submission) == []
    assert Business.objects.get(first_submission=submission).village_code == AMBIGUOUS_CANDIDATES[1]


def test_confirming_a_candidate_rejects_the_other(crosswalk):
    chosen = crosswalk.pairs.get(source_code=AMBIGUOUS_2020_VILLAGE, target_code=AMBIGUOUS_CANDIDATES[0])
    services.review_pair(chosen, services.CONFIRM)
    assert _pairs(crosswalk, AMBIGUOUS_2020_VILLAGE) == {
        (AMBIGUOUS_CANDIDATES[0], "renumbered", "confirmed"),
        (AMBIGUOUS_CANDIDATES[1], "ambiguous", "rejected"),
    }


def test_rejected_pair_makes_old_code_unknown(tmp_path, crosswalk, producer_national):
    pair = crosswalk.pairs.get(source_code=MERAUKE_2020_VILLAGE)
    services.review_pair(pair, services.REJECT)
    rows = rows_with({"Kode desa/kelurahan usaha": MERAUKE_2020_VILLAGE})
    submission = submit(write_csv(tmp_path / "merauke.csv", rows), producer_national)
    assert errors_of(submission) == [(2, "business_village_code", "region.unknown")]


def test_producer_of_new_province_may_submit_old_code(tmp_path, regions_2020):
    papua_selatan = create_producer(
        code="dinas-papua-selatan", name="Dinas Papua Selatan", kind="regional", region_code="93"
    )
    rows = rows_with({"Kode desa/kelurahan usaha": MERAUKE_2020_VILLAGE})
    submission = submit(write_csv(tmp_path / "merauke.csv", rows), papua_selatan)
    assert errors_of(submission) == []


def test_producer_of_old_province_cannot_submit_moved_village(tmp_path, regions_2020):
    papua = create_producer(code="dinas-papua", name="Dinas Papua", kind="regional", region_code="91")
    rows = rows_with({"Kode desa/kelurahan usaha": MERAUKE_2020_VILLAGE})
    submission = submit(write_csv(tmp_path / "merauke.csv", rows), papua)
    assert errors_of(submission) == [(2, "business_village_code", "region.outside_scope")]


# -- counting in either edition ----------------------------------------------------------------------


@pytest.fixture
def papua_businesses(tmp_path, regions_2020, producer_national):
    """Businesses in Merauke (93), Mimika (94), Jayawijaya (95), Jayapura (91) and Bandung (32)."""
    villages = {
        "Merauke": "93.01.01.2001",
        "Mimika": "94.04.01.1001",
        "Jayawijaya": "95.01.01.1001",
        "Jayapura": "91.03.01.1001",
        "Bandung": "32.73.01.1001",
    }
    current = {code for code, _level, _name, _parent in region_lookup().entries}
    assert set(villages.values()) <= current
    rows = rows_with(*[{"Kode desa/kelurahan usaha": code} for code in villages.values()])
    submission = submit(write_csv(tmp_path / "papua.csv", rows), producer_national)
    assert submission.rows_accepted == len(villages)
    return villages


def _counts(kind, edition, level):
    counts = count_businesses(
        Business.objects.all(), kind, Edition.objects.get(code_list__kind=kind, name=edition), level
    )
    return {row.code: row.count for row in counts.rows}, counts


def test_papua_counts_as_four_provinces_in_2025(papua_businesses):
    by_code, counts = _counts("region", "2025", 1)
    assert by_code == {"32": 1, "91": 1, "93": 1, "94": 1, "95": 1}


def test_papua_counts_as_one_province_in_2020(papua_businesses):
    by_code, counts = _counts("region", "2020", 1)
    assert by_code == {"32": 1, "91": 4}
    assert (counts.ambiguous, counts.unmapped) == (0, 0)


def test_merauke_counts_under_its_2020_regency_code(papua_businesses):
    by_code, _counts_ = _counts("region", "2020", 2)
    assert by_code["91.01"] == 1


def test_count_cli_prints_2020_provinces(papua_businesses, capsys):
    from django.core.management import call_command

    call_command("codelist", "count", "region", "--edition", "2020", "--level", "1", "--json")
    printed = json.loads(capsys.readouterr().out)
    assert {row["code"]: row["count"] for row in printed["rows"]} == {"32": 1, "91": 4}


def test_pairs_left_for_review_are_few(crosswalk):
    proposed = crosswalk.pairs.filter(status=CrosswalkPair.Status.PROPOSED).count()
    assert 0 < proposed < crosswalk.pairs.count() / 100


def test_review_page_shows_village_names(client, regions_2020):
    from django.urls import reverse

    from satudata.accounts.models import User

    sign_in_verified(client, User.objects.get(username="walidata"))
    response = client.get(
        reverse("reference:crosswalk", args=["region", "2020", "2025"]),
        {"relation": "ambiguous", "q": "91.08.01"},
    )
    rows = [(r["pair"].target_code, r["source_name"], r["target_name"]) for r in response.context["rows"]]
    assert rows == [(code, "Kogekotu", "Kogekotu") for code in AMBIGUOUS_CANDIDATES]
