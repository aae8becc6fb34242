"""Clerical review in a real browser: a held near-duplicate compared side by side and linked."""

import json
import subprocess
import sys

import pytest

from satudata.linkage.testing import NEAR_DUPLICATE, REGISTERED
from satudata.submissions.tests.factories import write_csv
from tests.browser.conftest import run_cli, running_installation, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


@pytest.fixture(scope="module")
def linked_installation(tmp_path_factory):
    """Start an installation of its own with an active linkage model, so the other browser tests
    compile without one. It has a registered business and a compiled submission whose
    near-duplicate row is held."""
    folder = tmp_path_factory.mktemp("linkage")
    with running_installation() as installation:
        load = ("--producer", "dinas-kumkm-bandung", "--reference-year", "2025", "--accept", "--operator",
                "walidata", "--json")
        run_cli(installation, "submit", str(write_csv(folder / "registered.csv", [REGISTERED])), *load)
        subprocess.run([sys.executable, "-m", "satudata.linkage.testing"], env=installation["env"],
                       check=True, capture_output=True)
        incoming = write_csv(folder / "incoming.csv", [NEAR_DUPLICATE])
        output = run_cli(installation, "submit", str(incoming), *load)
        yield {**installation, "submission": json.loads(output)["submission"]}


def test_review_link_updates_business(browser, linked_installation):
    url = linked_installation["url"]
    detail = f"{url}/submissions/{linked_installation['submission']}/"
    page = browser.new_context(locale="en-US").new_page()
    sign_in(page, linked_installation, "walidata")

    page.goto(detail)
    assert "1 row waits for clerical review" in page.inner_text("#held-for-review")
    page.click("#held-for-review a")
    page.wait_for_url(f"**/linkage/review/?submission={linked_installation['submission']}")
    assert REGISTERED["Nama usaha"] in page.inner_text("table.review-queue")
    page.click("table.review-queue a[href*='/linkage/review/']")

    comparison = page.locator("table.comparison")
    name_row = comparison.locator("tr", has_text="Business name")
    assert NEAR_DUPLICATE["Nama usaha"] in name_row.inner_text()
    assert REGISTERED["Nama usaha"] in name_row.inner_text()
    assert "disagree" in name_row.get_attribute("class")
    assert comparison.locator("tr", has_text="Owner name").get_attribute("class") == "agree"
    assert comparison.locator("tr", has_text="Village code").get_attribute("class") == "agree"
    assert page.locator("#row-held").is_visible()
    code = page.inner_text("table.comparison thead").split("Registered business ")[1].split()[0]

    page.click("button[value=link]")
    page.wait_for_url("**/linkage/review/")
    page.goto(f"{url}/registry/{code}/")
    assert NEAR_DUPLICATE["Nama usaha"] in page.inner_text("main")
    page.goto(detail)
    assert page.locator("#held-for-review").count() == 0
