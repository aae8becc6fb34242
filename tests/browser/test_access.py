"""Signing in with a TOTP code, lockout after failed sign-ins, and an account request from the
office's form to a signed-in regency user, in Debian's Chromium."""

import json
import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from satudata.submissions.tests.factories import rows_with, write_csv
from tests.browser.conftest import run_cli, sign_in, totp_code

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

# The smallest file the account request accepts: a PDF header and an end-of-file marker.
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def test_sign_in_asks_for_totp_code(page, installation):
    page.goto(installation["url"] + "/accounts/login/")
    page.fill("#id_username", "produsen-jabar")
    page.fill("#id_password", installation["passwords"]["produsen-jabar"])
    page.click("main button.primary")
    page.wait_for_url("**/accounts/verify/**")

    page.goto(installation["url"] + "/registry/")
    assert "/accounts/verify/" in page.url

    page.fill("#id_token", "000000")
    page.click("main button.primary")
    # The click returns once the response starts loading; expect() waits for the rendered page.
    expect(page.locator(".errorlist")).to_have_count(1)

    # django-otp refuses codes for 2^(failures-1) seconds after a wrong one.
    time.sleep(1.5)
    page.fill("#id_token", totp_code(installation["totp_secrets"]["produsen-jabar"], "produsen-jabar"))
    page.click("main button.primary")
    # The verification returns to the page that asked for it.
    page.wait_for_url(installation["url"] + "/registry/")
    assert page.locator("nav.mainnav").is_visible()


def test_repeated_failures_lock_the_account_until_unlocked(page, installation):
    output = run_cli(installation, "user", "create", "kunci-uji", "--role", "data_user", "--region", "32",
                     "--language", "en")
    password = re.search(r"\(shown only now\): (\S+)", output).group(1)

    for _attempt in range(5):
        page.goto(installation["url"] + "/accounts/login/")
        page.fill("#id_username", "kunci-uji")
        page.fill("#id_password", "wrong-password")
        page.click("main button.primary")
    expect(page.locator("#locked-out")).to_be_visible()

    page.goto(installation["url"] + "/accounts/login/")
    page.fill("#id_username", "kunci-uji")
    page.fill("#id_password", password)
    page.click("main button.primary")
    expect(page.locator("#locked-out")).to_be_visible()

    run_cli(installation, "user", "unlock", "kunci-uji", "--language", "en")
    sign_in(page, installation, "kunci-uji", password=password)
    assert page.locator("nav.mainnav").is_visible()


def _latest_mail(installation, containing: str) -> str:
    folder = Path(installation["home"]) / "mail"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        for path in sorted(folder.glob("*.log"), key=lambda p: p.stat().st_mtime, reverse=True):
            text = path.read_text(errors="replace")
            if containing in text:
                return text
        time.sleep(0.2)
    raise AssertionError(f"no e-mail containing {containing!r} in {folder}")


def test_account_request_to_signed_in_regency_user(browser, installation, tmp_path):
    # Two businesses in Jawa Barat: one in Kota Bandung (32.73), one in Kabupaten Bandung (32.04).
    rows = rows_with({"Nama usaha": "Kedai Kota Bandung"},
                     {"Nama usaha": "Kedai Kabupaten Bandung", "Kode desa/kelurahan usaha": "32.04.05.2001"})
    run_cli(installation, "submit", str(write_csv(tmp_path / "jabar.csv", rows)), "--producer",
            "dinas-kukm-jabar", "--reference-year", "2025", "--language", "en", "--accept", "--operator", "walidata")
    cover, statement = tmp_path / "surat.pdf", tmp_path / "pernyataan.pdf"
    cover.write_bytes(PDF)
    statement.write_bytes(PDF)

    # The office requests an account.
    office = browser.new_context(locale="id-ID").new_page()
    office.goto(installation["url"] + "/accounts/request/")
    office.fill("#id_organization", "Bappeda Kota Bandung")
    office.fill("#id_purpose", "Perencanaan program UMKM 2026")
    office.select_option("#id_requested_role", "data_user")
    office.select_option("#id_requested_level", "aggregate")
    office.fill("#id_requested_regions", "32.73")
    office.fill("#id_full_name", "Rina Kusuma")
    office.fill("#id_nik", "3273015203900002")
    office.fill("#id_phone", "081234567890")
    office.fill("#id_position", "Analis Perencanaan")
    office.fill("#id_email", "rina@bappeda.example")
    office.fill("#id_username", "bappeda-bandung")
    office.set_input_files("#id_cover_letter", str(cover))
    office.set_input_files("#id_statement", str(statement))
    office.check("#id_accept")
    office.click("#account-request button.primary")
    office.wait_for_url("**/accounts/request/sent/")
    number = re.search(r"\d+", office.locator("#request-number").inner_text()).group(0)
    assert number in _latest_mail(installation, "rina@bappeda.example")

    # The walidata approves it with a regency scope.
    walidata = browser.new_context(locale="en-US").new_page()
    sign_in(walidata, installation, "walidata")
    walidata.goto(f"{installation['url']}/accounts/requests/{number}/")
    walidata.select_option("#approve-form select[name=role]", "data_user")
    walidata.fill("#approve-form input[name=regions]", "32.73")
    walidata.click("#approve-form button[name=approve]")
    expect(walidata.locator("#request-state")).to_have_text("Approved")

    # The applicant sets a password through the e-mailed link and signs in.
    mail = _latest_mail(installation, "/accounts/set-password/")
    link = re.search(r"http://\S+/accounts/set-password/\S+/", mail).group(0)
    office.goto(link)
    office.wait_for_url("**/set-password/**")
    office.fill("#id_new_password1", "Kedai-Bandung-2026")
    office.fill("#id_new_password2", "Kedai-Bandung-2026")
    office.click("main button.primary")
    office.wait_for_url("**/set-password/done/")
    sign_in(office, installation, "bappeda-bandung", password="Kedai-Bandung-2026")

    # Without by-name access the registry opens as counts (Pasal 27 ayat 4-6), of the regency only.
    office.goto(installation["url"] + "/registry/")
    office.wait_for_url("**/registry/counts/**")
    # One business in Kota Bandung is counted; the one in Kabupaten Bandung is not.
    total = office.locator("main table tr.total td").last.inner_text()
    assert total == "1"


def test_audit_chain_of_running_installation_verifies(installation):
    output = run_cli(installation, "audit", "verify", "--json", "--language", "en")
    report = json.loads(output)
    assert report["ok"] is True
    assert report["entries"] > 0
