"""Key screens as producers and the walidata use them, in both languages."""

import io
import re

import openpyxl
import pytest
from django.conf import settings
from django.urls import reverse

from satudata.accounts.models import User
from satudata.accounts.testing import sign_in_verified
from satudata.submissions.models import Submission
from satudata.submissions.tests.factories import rows_with, submit, write_csv

pytestmark = pytest.mark.django_db


@pytest.fixture
def walidata_client(client):
    sign_in_verified(client, User.objects.get(username="walidata"))
    return client


@pytest.fixture
def bandung_client(client):
    sign_in_verified(client, User.objects.get(username="produsen-bandung"))
    return client


def _upload(client, path, reference_year=2025):
    with open(path, "rb") as handle:
        response = client.post(reverse("submissions:upload"), {"file": handle, "reference_year": reference_year})
    assert response.status_code == 302, response.content[:500]
    submission = Submission.objects.order_by("-id").first()
    assert response.url == reverse("submissions:mapping", args=[submission.pk])
    return submission


def test_sign_in_page_renders_in_both_languages(client):
    indonesian = client.get(reverse("accounts:login"))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(reverse("accounts:login"))
    assert indonesian.status_code == english.status_code == 200
    assert b"Sign in" in english.content
    assert b'lang="id"' in indonesian.content
    assert b'lang="en"' in english.content


def test_unknown_page_in_both_languages(bandung_client):
    indonesian = bandung_client.get("/tidak-ada/")
    bandung_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = bandung_client.get("/submissions/999999/")

    assert indonesian.status_code == english.status_code == 404
    assert b'lang="id"' in indonesian.content
    assert "Halaman tidak ditemukan" in indonesian.content.decode()
    assert b'lang="en"' in english.content
    assert b"Page not found" in english.content
    assert b"999999" not in english.content


def test_server_error_page_in_indonesian(rf):
    from django.utils import translation
    from django.views.defaults import server_error

    with translation.override("id"):
        response = server_error(rf.get("/"))

    assert response.status_code == 500
    assert "Kesalahan server" in response.content.decode()


def test_sign_in_links_account_request(client):
    page = client.get(reverse("accounts:login")).content.decode()
    assert f'href="{reverse("accounts:request")}"' in page


def test_api_docs_load_no_outside_files(client):
    sign_in_verified(client, User.objects.get(username="walidata"))
    page = client.get("/api/v1/docs").content.decode()
    assert "swagger-ui-bundle.js" in page
    assert "http://" not in page
    assert "https://" not in page


def test_console_mail_keeps_stdout_clean(capsys):
    from django.core.mail import get_connection, send_mail

    # The tests' own settings replace the default backend with an in-memory one, so name it.
    connection = get_connection("satudata.portal.mail.ConsoleEmailBackend")
    send_mail("Subjek", "Isi", "a@localhost", ["b@localhost"], connection=connection)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "Subjek" in captured.err


def test_aggregate_only_user_gets_counts(client, tmp_path, producer_bandung):
    from satudata.registry.models import Business

    submit(write_csv(tmp_path / "a.csv", rows_with({})), producer_bandung)
    code = Business.objects.get().umkm_code
    sign_in_verified(client, User.objects.get(username="pengguna-bandung"))
    listing = client.get(reverse("registry:list"))
    assert listing.status_code == 302
    assert listing.url == reverse("registry:counts")
    assert client.get(reverse("registry:detail", args=[code])).status_code == 404
    counts = client.get(reverse("registry:counts"))
    assert counts.context["grand_total"] == 1


def test_anonymous_user_is_sent_to_sign_in(client):
    response = client.get(reverse("registry:list"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response.url


def test_producer_uploads_confirms_and_sees_result(bandung_client, tmp_path):
    path = write_csv(tmp_path / "up.csv", rows_with({}, {"NIB": "12"}))
    submission = _upload(bandung_client, path)
    page = bandung_client.get(reverse("submissions:mapping", args=[submission.pk]))
    assert page.status_code == 200
    assert b"NIK pemilik" in page.content
    choices = {f"column_{c['index']}": c["variable"] for c in submission.mapping["columns"]}
    response = bandung_client.post(reverse("submissions:mapping", args=[submission.pk]), choices)
    assert response.status_code == 302
    submission.refresh_from_db()
    assert (submission.state, submission.rows_accepted, submission.rows_rejected) == ("checked", 1, 1)
    detail = bandung_client.get(reverse("submissions:detail", args=[submission.pk]))
    assert detail.status_code == 200
    assert b"nib.format" in detail.content


def test_history_translates_system_actor(bandung_client, tmp_path, producer_bandung, monkeypatch):
    submission = submit(write_csv(tmp_path / "h.csv", rows_with({})), producer_bandung, compile_rows=False)
    # Replaces the catalog, so the test checks that the system's name is translated.
    monkeypatch.setattr("satudata.submissions.models.pgettext", lambda context, text: f"[{text}]")
    page = bandung_client.get(reverse("submissions:detail", args=[submission.pk]))
    history = page.content.decode().split('<h2>Riwayat</h2>')[1]
    assert "<td>[system]</td>" in history
    assert "<td>system</td>" not in history


def test_mapping_counts_upload_year_as_supplied(bandung_client, tmp_path):
    rows = [{k: v for k, v in row.items() if k != "Tahun referensi"} for row in rows_with({})]
    with_year = _upload(bandung_client, write_csv(tmp_path / "with-year.csv", rows))
    page = bandung_client.get(reverse("submissions:mapping", args=[with_year.pk]))
    assert "reference_year" in with_year.mapping["missing_required"]
    assert page.context["missing"] == []


def test_error_report_xlsx_marks_the_faulty_cell(bandung_client, tmp_path, producer_bandung):
    bandung = User.objects.get(username="produsen-bandung")
    submission = submit(write_csv(tmp_path / "bad.csv", rows_with({}, {"NIB": "12"})), producer_bandung)
    Submission.objects.filter(pk=submission.pk).update(submitted_by=bandung)
    response = bandung_client.get(reverse("submissions:errors_xlsx", args=[submission.pk]))
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = book.worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    nib_column = headers.index("NIB") + 1
    cell = sheet.cell(row=2, column=nib_column)
    assert sheet.cell(row=2, column=1).value == 3
    assert cell.value == "12"
    assert cell.fill.fgColor.rgb.endswith("F8C9C4")
    assert cell.comment is not None
    assert "13" in cell.comment.text


def test_error_report_csv_lists_row_column_value_and_message(bandung_client, tmp_path, producer_bandung):
    submission = submit(write_csv(tmp_path / "bad.csv", rows_with({"NIB": "12"})), producer_bandung)
    response = bandung_client.get(reverse("submissions:errors_csv", args=[submission.pk]))
    lines = response.content.decode("utf-8-sig").splitlines()
    assert len(lines) == 2
    assert lines[1].startswith("2,NIB,nib,12,nib.format,")


def test_other_producers_submission_is_not_found(client, tmp_path, producer_jabar):
    submission = submit(write_csv(tmp_path / "jabar.csv", rows_with({})), producer_jabar)
    sign_in_verified(client, User.objects.get(username="produsen-bandung"))
    assert client.get(reverse("submissions:detail", args=[submission.pk])).status_code == 404
    assert client.get(reverse("submissions:errors_csv", args=[submission.pk])).status_code == 404


def test_regency_producer_sees_only_its_regency(client, tmp_path, producer_jabar):
    # Jawa Barat submits one business in Kota Bandung and one in Kabupaten Bandung.
    rows = rows_with({}, {"Kode desa/kelurahan usaha": "32.04.05.2001"})
    submit(write_csv(tmp_path / "two.csv", rows), producer_jabar)
    sign_in_verified(client, User.objects.get(username="produsen-bandung"))
    listing = client.get(reverse("registry:list"))
    assert listing.context["page"].paginator.count == 1
    assert all(b.regency_code == "32.73" for b in listing.context["businesses"])
    counts = client.get(reverse("registry:counts"))
    assert counts.context["grand_total"] == 1
    sign_in_verified(client, User.objects.get(username="produsen-jabar"))
    assert client.get(reverse("registry:list")).context["page"].paginator.count == 2


def test_business_outside_scope_is_not_found(client, tmp_path, producer_jabar):
    from satudata.registry.models import Business

    submit(write_csv(tmp_path / "kab.csv", rows_with({"Kode desa/kelurahan usaha": "32.04.05.2001"})), producer_jabar)
    business = Business.objects.get(regency_code="32.04")
    sign_in_verified(client, User.objects.get(username="produsen-bandung"))
    assert client.get(reverse("registry:detail", args=[business.umkm_code])).status_code == 404


def test_walidata_sees_business_with_personal_data(walidata_client, tmp_path, producer_bandung):
    from satudata.registry.models import Business

    submit(write_csv(tmp_path / "b.csv", rows_with({})), producer_bandung)
    business = Business.objects.get()
    page = walidata_client.get(reverse("registry:detail", args=[business.umkm_code]))
    assert page.status_code == 200
    assert b"3273015203900001" in page.content
    assert b"Warung Siti 0" in page.content
    text = page.content.decode()
    # Amounts are grouped the Indonesian way and codes are shown by their names.
    assert "15.000.000" in text
    assert "MIKRO" not in text


def test_business_page_shows_labels_and_dates(walidata_client, tmp_path, producer_bandung):
    from satudata.registry.models import Business

    submit(write_csv(tmp_path / "b.csv", rows_with({"Status badan usaha": "perorangan"})), producer_bandung)
    business = Business.objects.get()
    page = walidata_client.get(reverse("registry:detail", args=[business.umkm_code]))
    text = page.content.decode()
    assert business.legal_form == "PERORANGAN"
    assert "Perorangan / belum berbadan usaha" in text
    assert "PERORANGAN" not in text
    # The birth date in the format of the history's "valid from" dates, DATE_FORMAT "j N Y" in Indonesian.
    assert "<dd>12 Maret 1990</dd>" in text
    assert "1990-03-12" not in text
    # Without an imported KBLI list the edition is the built-in list of categories, named plainly.
    assert business.kbli_edition == "2020-kategori"
    assert "KBLI 2020, daftar kategori A–U saja" in text
    assert "2020-kategori" not in text
    # No markup between the code and a comma, so no text reader puts a space before the comma.
    assert re.search(r"\)</span>\s*,", text) is None
    assert "Sukarasa, Sukasari, Kota Bandung, Jawa Barat" in text


def test_registry_list_shows_scale_label(walidata_client, tmp_path, producer_bandung):
    submit(write_csv(tmp_path / "b.csv", rows_with({})), producer_bandung)
    page = walidata_client.get(reverse("registry:list"))
    rows = page.content.decode().split("<tbody>")[1]
    assert "<td>Usaha mikro</td>" in rows
    assert "MIKRO" not in rows


def test_english_screens_show_english_code_labels(walidata_client, tmp_path, producer_bandung):
    from satudata.registry.models import Business

    submit(write_csv(tmp_path / "b.csv", rows_with({"Status badan usaha": "perorangan"})), producer_bandung)
    business = Business.objects.get()
    walidata_client.cookies["django_language"] = "en"
    rows = walidata_client.get(reverse("registry:list")).content.decode().split("<tbody>")[1]
    detail = walidata_client.get(reverse("registry:detail", args=[business.umkm_code])).content.decode()
    counts = walidata_client.get(reverse("registry:counts")).content.decode()

    assert "<td>Micro</td>" in rows
    assert "Usaha mikro" not in rows
    assert "Sole proprietor / unincorporated" in detail
    assert "Perorangan / belum berbadan usaha" not in detail
    assert "Micro" in counts


def test_producer_without_by_name_access_sees_masked_nik(bandung_client, tmp_path, producer_bandung):
    from satudata.registry.models import Business

    submit(write_csv(tmp_path / "b.csv", rows_with({})), producer_bandung)
    business = Business.objects.get()
    page = bandung_client.get(reverse("registry:detail", args=[business.umkm_code]))
    assert b"3273015203900001" not in page.content
    assert b"327301**********" in page.content


def test_registry_filters_by_region_kbli_and_scale(walidata_client, tmp_path, producer_jabar):
    rows = rows_with({}, {"Kode desa/kelurahan usaha": "32.04.05.2001", "Kode KBLI": "47111"})
    submit(write_csv(tmp_path / "f.csv", rows), producer_jabar)
    url = reverse("registry:list")
    assert walidata_client.get(url, {"province": "32", "regency": "32.04"}).context["page"].paginator.count == 1
    assert walidata_client.get(url, {"kbli": "G"}).context["page"].paginator.count == 1
    assert walidata_client.get(url, {"kbli": "561"}).context["page"].paginator.count == 1
    assert walidata_client.get(url, {"scale": "KECIL"}).context["page"].paginator.count == 0


@pytest.mark.parametrize("language", ["id", "en"])
@pytest.mark.parametrize("name", ["portal:home", "submissions:list", "submissions:upload", "registry:list",
                                  "registry:counts", "standards:list", "publishedstats:compare"])
def test_key_screens_render(walidata_client, language, name):
    walidata_client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = walidata_client.get(reverse(name))
    assert response.status_code == 200
    assert f'lang="{language}"'.encode() in response.content


def test_template_download_is_a_workbook_with_drop_downs(bandung_client):
    response = bandung_client.get(reverse("standards:template"))
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    data = next(ws for ws in book.worksheets if ws.max_column > 10)
    headers = [c.value for c in data[1]]
    assert "NIK pemilik" in headers
    assert len(data.data_validations.dataValidation) >= 4
