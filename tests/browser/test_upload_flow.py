"""A producer uploads its own spreadsheet in a real browser and reads the result."""

import io

import openpyxl
import pytest
from playwright.sync_api import expect

from satudata.submissions.tests.factories import rows_with, write_csv
from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_upload_confirm_mapping_and_read_rejected_row(page, installation, tmp_path):
    rows = rows_with({}, {}, {"NIB": "12345"})
    # An office header that needs confirming, and a column the standard does not know.
    for row in rows:
        row["Omzet pertahun"] = row.pop("Hasil penjualan tahunan (omzet)")
        row["Catatan"] = "-"
    path = write_csv(tmp_path / "umkm-bandung.csv", rows)

    sign_in(page, installation, "produsen-bandung")
    page.click("a[href$='/submissions/upload/']")
    page.set_input_files("input[type=file]", str(path))
    page.fill("input[name=reference_year]", "2025")
    page.click("main button.primary")

    page.wait_for_url("**/mapping/")
    omzet = page.locator("tr", has_text="Omzet pertahun").locator("select")
    assert omzet.input_value() == "annual_sales"
    catatan = page.locator("tr", has_text="Catatan").locator("select")
    assert catatan.input_value() == ""
    page.click("main button.primary")

    page.wait_for_url("**/submissions/*/")
    # Validation runs in the background worker; the page follows its progress and reloads.
    page.wait_for_selector("#state.checked", timeout=60_000)
    cards = page.locator(".card .figure").all_inner_texts()
    assert cards[:3] == ["3", "2", "1"]
    rejected = page.locator("table.errors tbody tr")
    assert rejected.count() == 1
    assert "12345" in rejected.first.inner_text()
    assert "13" in rejected.first.inner_text()

    with page.expect_download() as download_info:
        page.click("a[href$='errors.xlsx']")
    book = openpyxl.load_workbook(io.BytesIO(open(download_info.value.path(), "rb").read()))
    sheet = book.worksheets[0]
    assert sheet.cell(row=2, column=1).value == 4


def test_english_interface(page, installation):
    sign_in(page, installation, "walidata")
    with page.expect_navigation():
        page.select_option("#language", "en")
    assert page.locator("nav.mainnav").inner_text().startswith("Submissions")
    page.click("a[href$='/registry/counts/']")
    expect(page.locator("h1")).to_have_text("Counts by region and scale")


def test_regency_producer_region_filter_is_fixed(page, installation):
    sign_in(page, installation, "produsen-bandung")
    page.goto(installation["url"] + "/registry/")
    province = page.locator("select[name=province]")
    regency = page.locator("select[name=regency]")
    assert province.is_disabled()
    assert regency.is_disabled()
    assert "32.73" in regency.inner_text()
