"""The walidata adds a variable to the standard in a real browser; producers' uploads follow it."""

import io

import openpyxl
import pytest
from playwright.sync_api import expect

from satudata.submissions.tests.factories import rows_with, write_csv
from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_new_transaction_variable_reaches_template_and_validation(browser, installation, tmp_path):
    url = installation["url"]
    walidata = browser.new_context(locale="id-ID").new_page()
    sign_in(walidata, installation, "walidata")
    walidata.goto(url + "/standards/umkm-1/")
    walidata.click("form[action$='/draft/'] button")
    walidata.wait_for_url("**/standards/umkm-2/")

    walidata.click("a[href$='/standards/umkm-2/variables/add/']")
    walidata.fill("#id_code", "sells_online")
    walidata.fill("#id_name", "Berjualan daring")
    walidata.fill("#id_name_en", "Sells online")
    walidata.fill("#id_definition", "Apakah usaha menjual barang atau jasa melalui internet pada tahun referensi.")
    walidata.fill("#id_definition_en", "Whether the business sold over the internet in the reference year.")
    walidata.select_option("#id_datatype", "boolean")
    walidata.select_option("#id_kind", "transaction")
    walidata.fill("#id_time_reference", "Tahun referensi")
    walidata.fill("#id_aliases", "jualan online")
    walidata.click("main form.stacked button.primary")
    walidata.wait_for_url("**/standards/umkm-2/")
    assert "sells_online" in walidata.inner_text("main")

    walidata.click("form[action$='/propose/'] button")
    walidata.fill("#id_agreed_on", "2026-11-20")
    walidata.fill("#id_decision", "BA Forum Satu Data UMKM 3/2026")
    walidata.click("form[action$='/agree/'] button")
    walidata.fill("#id_effective_from", "2026-12-01")
    walidata.click("form[action$='/publish/'] button")
    expect(walidata.locator("main")).to_contain_text("BA Forum Satu Data UMKM 3/2026")

    producer = browser.new_context(locale="id-ID", accept_downloads=True).new_page()
    sign_in(producer, installation, "produsen-bandung")
    producer.goto(url + "/submissions/upload/")
    with producer.expect_download() as download:
        producer.click("a[href$='/standards/template.xlsx']")
    book = openpyxl.load_workbook(io.BytesIO(open(download.value.path(), "rb").read()))
    data = next(ws for ws in book.worksheets if ws.max_column > 10)
    assert "Berjualan daring" in [c.value for c in data[1]]

    rows = rows_with({"jualan online": "ya"}, {"jualan online": "kadang-kadang"})
    path = write_csv(tmp_path / "daring.csv", rows)
    producer.set_input_files("input[type=file]", str(path))
    producer.click("main button.primary")
    producer.wait_for_url("**/mapping/")
    column = producer.locator("tr", has_text="jualan online").locator("select")
    assert column.input_value() == "sells_online"
    producer.click("main button.primary")
    producer.wait_for_url("**/submissions/*/")
    producer.wait_for_selector("#state.checked", timeout=60_000)
    rejected = producer.locator("table.errors tbody tr")
    assert rejected.count() == 1
    assert "kadang-kadang" in rejected.first.inner_text()
    assert "umkm-2" in producer.inner_text("main")
