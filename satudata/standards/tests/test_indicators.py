"""Indicators computed by the system from their formulas."""

import pytest

from satudata.registry.models import Business
from satudata.standards import services
from satudata.standards.computation import compute
from satudata.standards.formulas import FormulaError, parse
from satudata.standards.loading import current_version
from satudata.submissions.tests.factories import rows_with, submit, write_csv

pytestmark = pytest.mark.django_db
VARIABLES = {"business_scale", "nib", "owner_sex", "annual_sales", "workers_total"}


@pytest.mark.parametrize("formula", [
    "share(business_scale == 'MIKRO')", "share(present(nib))", "sum(annual_sales) / count()",
    "median(workers_total)", "share(owner_sex == 'P' and business_scale != 'MIKRO')", "count(annual_sales > 1000000)",
])
def test_valid_formulas(formula):
    assert parse(formula, VARIABLES).variables


@pytest.mark.parametrize("formula", [
    "__import__('os')", "business_scale", "share(unknown_variable == 1)", "sum(sum(annual_sales))",
    "annual_sales.mean()", "share(x for x in nib)", "lambda: 1", "share(business_scale == [1])",
])
def test_formulas_outside_the_language_are_refused(formula):
    with pytest.raises(FormulaError):
        parse(formula, VARIABLES)


def _registry(tmp_path, producer):
    rows = rows_with(
        {"Skala usaha": "Mikro", "NIB": "", "Hasil penjualan tahunan (omzet)": "100.000.000"},
        {"Skala usaha": "Kecil", "Modal usaha": "2.000.000.000", "Hasil penjualan tahunan (omzet)": "3.000.000.000"},
        {"NIK pemilik": "3273011203900001", "Jenis kelamin pemilik": "L", "Skala usaha": "Mikro",
         "Hasil penjualan tahunan (omzet)": "200.000.000"},
        {"Kode desa/kelurahan usaha": "32.04.05.2001", "Skala usaha": "Mikro",
         "Hasil penjualan tahunan (omzet)": "300.000.000"},
    )
    submit(write_csv(tmp_path / "r.csv", rows), producer)


def test_standard_indicators_over_the_registry(tmp_path, producer_jabar):
    _registry(tmp_path, producer_jabar)
    version = current_version()
    everything = Business.objects.all()
    micro = compute(version.indicators.get(code="share_micro"), everything)
    assert micro[0].value == 75.0
    assert micro[0].businesses == 4
    with_nib = compute(version.indicators.get(code="share_with_nib"), everything)
    assert with_nib[0].value == 75.0
    women = compute(version.indicators.get(code="share_women_owners"), everything, by="regency")
    assert {(v.key, v.value) for v in women} == {("32.04", 100.0), ("32.73", round(200 / 3, 4))}


def test_indicator_on_transaction_values_uses_the_reference_year(tmp_path, producer_jabar):
    _registry(tmp_path, producer_jabar)
    mean_sales = current_version().indicators.get(code="mean_annual_sales")
    value = compute(mean_sales, Business.objects.all(), period=2025)
    assert value[0].value == pytest.approx((100e6 + 3e9 + 200e6 + 300e6) / 4)
    assert compute(mean_sales, Business.objects.all(), period=2024)[0].value is None


def test_indicator_counts_only_the_given_scope(tmp_path, producer_jabar):
    _registry(tmp_path, producer_jabar)
    micro = current_version().indicators.get(code="share_micro")
    bandung = compute(micro, Business.objects.filter(regency_code="32.73"))
    assert bandung[0].businesses == 3
    assert bandung[0].value == pytest.approx(200 / 3)


def test_walidata_adds_an_indicator_to_a_draft():
    draft = services.create_draft(current_version())
    indicator = services.save_indicator(draft, "share_small", {
        "name": "Persentase usaha kecil", "concept": "Struktur skala usaha.", "definition": "Usaha kecil per seluruh UMKM.",
        "interpretation": "Makin tinggi makin banyak usaha kecil.", "formula": "share(business_scale == 'KECIL')",
        "disaggregations": ["regency"],
    })
    assert indicator.variables == ["business_scale"]
    with pytest.raises(FormulaError):
        services.save_indicator(draft, "broken", {
            "name": "x", "concept": "x", "definition": "x", "interpretation": "x", "formula": "share(nope == 1)"})
