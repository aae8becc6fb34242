"""The whole procedure in real browsers: upload, return with reasons, correction, acceptance, compilation."""

import pytest

from satudata.submissions.tests.factories import rows_with, write_csv
from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_return_correct_accept_and_compile(browser, installation, tmp_path):
    url = installation["url"]
    # NIBs of their own, so businesses registered by other tests of the same installation do not match.
    rows = rows_with({"Nama usaha": "Kedai Kopi Sukasari", "NIB": "5550000000001"},
                     {"Nama usaha": "Toko Jahit Ceria", "NIB": "12345"})
    path = write_csv(tmp_path / "kiriman.csv", rows)

    producer = browser.new_context(locale="id-ID").new_page()
    sign_in(producer, installation, "produsen-bandung")
    producer.goto(url + "/submissions/upload/")
    producer.set_input_files("input[type=file]", str(path))
    producer.click("main button.primary")
    producer.wait_for_url("**/mapping/")
    producer.click("main button.primary")
    producer.wait_for_url("**/submissions/*/")
    producer.wait_for_selector("#state.checked", timeout=60_000)
    detail_url = producer.url

    walidata = browser.new_context(locale="id-ID").new_page()
    sign_in(walidata, installation, "walidata")
    walidata.goto(detail_url)
    assert walidata.locator("#decision").is_visible()
    walidata.fill("#decision-reason", "NIB baris 3 salah; perbaiki dari sertifikat OSS.")
    walidata.click("#decision button[value=return]")
    walidata.wait_for_selector("#state.returned")

    producer.goto(detail_url)
    assert "NIB baris 3 salah" in producer.inner_text("main")
    producer.click(f"a[href$='/corrections/']")
    row = producer.locator("form#row-3")
    row.locator("input[name=v_nib]").fill("5550000000002")
    row.locator("button.primary").click()
    producer.wait_for_selector("form#row-3 .badge")
    producer.click("form[action$='/resubmit/'] button")
    producer.wait_for_url(detail_url)
    producer.wait_for_selector("#state.checked", timeout=60_000)
    assert producer.locator(".card .figure.bad").inner_text() == "0"

    walidata.goto(detail_url)
    walidata.click("#decision button[value=accept]")
    walidata.wait_for_selector("#state.compiled", timeout=60_000)
    figures = walidata.locator(".card .figure").all_inner_texts()
    assert figures[1] == "2"
    assert figures[3] == "2"
    # draft → submitted → validating → checked → returned → resubmitted → validating → checked
    # → accepted → compiled: every transition is a row of the history.
    history = walidata.locator("h2 + table").last.locator("tbody tr")
    assert history.count() == 9
