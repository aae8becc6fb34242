"""Enumerator entry on a phone-sized screen: a typo is flagged as it is typed, corrected, saved,
a second record added, the draft submitted, and the walidata finds it to check."""

import os

import pytest

from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

PHONE = {"width": 360, "height": 740}
# Where screenshots of the pages go when SATUDATA_SCREENSHOTS names a folder.
SCREENSHOTS = os.environ.get("SATUDATA_SCREENSHOTS", "")


def _shot(page, name: str, selector: str = "h1") -> None:
    """Save what the phone shows around ``selector``."""
    if SCREENSHOTS:
        page.locator(selector).first.scroll_into_view_if_needed()
        page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}.png"))


def _fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def _pick_village(page, district: str, village: str) -> None:
    picker = page.locator(".region-picker[data-variable=business_village_code]")
    picker.locator("select.region-level").first.select_option(district)
    picker.locator("select.region-level").nth(1).wait_for()
    picker.locator("select.region-level").nth(1).select_option(village)


def _fill_record(page, *, name: str, nik: str, nib: str) -> None:
    page.fill("#id_business_name", name)
    page.fill("#id_nib", nib)
    page.fill("#id_kbli", "56103")
    page.fill("#id_business_address", "Jl. Sukajadi No. 5")
    _pick_village(page, "32.73.01", "32.73.01.1001")
    page.fill("#id_owner_nik", nik)
    page.fill("#id_owner_name", "Siti Aminah")
    page.select_option("#id_owner_sex", "P")
    page.fill("#id_reference_year", "2025")
    page.fill("#id_capital", "15.000.000")


def test_enumerator_entry_on_phone(browser, installation):
    url = installation["url"]
    context = browser.new_context(locale="id-ID", viewport=PHONE, is_mobile=True, has_touch=True)
    phone = context.new_page()
    phone.on("dialog", lambda dialog: dialog.accept())
    sign_in(phone, installation, "enumerator-bandung")

    phone.goto(url + "/entry/")
    assert _fits_the_screen(phone)
    _shot(phone, "entry-empty")
    phone.click("#add-record")
    phone.wait_for_url("**/entry/records/new/")
    assert _fits_the_screen(phone)
    _shot(phone, "entry-form")

    # A NIK typed with a digit missing is flagged when the field is left.
    _fill_record(phone, name="Warung Siti", nik="327301520390001", nib="5551000000001")
    phone.locator("#id_owner_name").focus()
    error = phone.locator("#err-owner_nik")
    error.filter(has_text="16 digit").wait_for()
    assert "327301520390001" in error.inner_text()
    assert _fits_the_screen(phone)
    _shot(phone, "entry-error", "#f-owner_nik")

    # Corrected, the message goes away as the digits are typed.
    phone.fill("#id_owner_nik", "3273015203900001")
    phone.wait_for_function("document.querySelector('#err-owner_nik').textContent === ''")
    save = phone.locator("#save-another")
    assert save.bounding_box()["height"] >= 44
    assert phone.locator("#id_owner_nik").bounding_box()["height"] >= 44
    save.click()
    phone.wait_for_url("**/entry/records/new/")
    assert phone.locator(".messages .success").count() == 1

    _fill_record(phone, name="Kedai Kopi Sukasari", nik="3273014101900001", nib="5551000000002")
    phone.click("#save-record")
    phone.wait_for_url(url + "/entry/")
    assert phone.locator("#records .record-card").count() == 2
    assert _fits_the_screen(phone)
    _shot(phone, "entry-draft")

    phone.click("#submit-draft button")
    phone.wait_for_url("**/submissions/*/")
    phone.wait_for_selector("#state.checked", timeout=60_000)
    assert _fits_the_screen(phone)
    detail_url = phone.url
    context.close()

    walidata = browser.new_context(locale="id-ID").new_page()
    sign_in(walidata, installation, "walidata")
    walidata.goto(url + "/submissions/overview/")
    assert walidata.locator(f"main a[href='{detail_url[len(url):]}']").count() >= 1
    walidata.goto(detail_url)
    assert walidata.locator("#decision").is_visible()
    assert walidata.locator(".card .figure").all_inner_texts()[1] == "2"
    walidata.click("#decision button[value=accept]")
    walidata.wait_for_selector("#state.compiled", timeout=60_000)
    assert walidata.locator(".card .figure").all_inner_texts()[3] == "2"
