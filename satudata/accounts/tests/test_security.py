"""Second factor, expiry, lockout, concurrent sessions, account requests and the user command."""

import io
import json
from datetime import timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from satudata.access.scope import scope_for
from satudata.accounts import requests as account_requests
from satudata.accounts.documents import DocumentRejected, check_pdf
from satudata.accounts.models import AccountRequest, ConcurrentUse, Role, User
from satudata.accounts.services import create_user
from satudata.accounts.testing import sign_in_verified
from satudata.audit.models import Action, AuditEntry

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def _sign_in_with_password(client: Client, username: str, password: str, address: str = "127.0.0.1"):
    return client.post(reverse("accounts:login"), {"username": username, "password": password},
                       REMOTE_ADDR=address)


def test_producer_without_second_factor_is_sent_to_verify(client):
    user, password = create_user(username="produsen-uji", role=Role.PRODUCER,
                                 producer=User.objects.get(username="produsen-bandung").producer)
    TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    _sign_in_with_password(client, "produsen-uji", password)
    response = client.get(reverse("registry:list"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:verify"))


def test_user_without_device_is_sent_to_enrollment(client):
    _user, password = create_user(username="analis-uji", role=Role.WALIDATA_ANALYST)
    _sign_in_with_password(client, "analis-uji", password)
    response = client.get(reverse("portal:home"))
    assert response.url.startswith(reverse("accounts:two_factor_setup"))


def test_enrollment_shows_qr_and_confirms_with_code(client):
    user, password = create_user(username="analis-qr", role=Role.WALIDATA_ANALYST)
    _sign_in_with_password(client, "analis-qr", password)
    page = client.get(reverse("accounts:two_factor_setup"))
    assert b"<svg" in page.content
    assert b"otpauth://totp/" in page.content
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    confirmed = client.post(reverse("accounts:two_factor_setup"), {"token": f"{totp(device.bin_key):06d}"})
    assert confirmed.status_code == 200
    assert len(confirmed.context["codes"]) == 10
    assert client.get(reverse("portal:home")).status_code == 200


def test_recovery_code_signs_in_once(client):
    user, password = create_user(username="analis-pulih", role=Role.WALIDATA_ANALYST)
    _sign_in_with_password(client, "analis-pulih", password)
    client.get(reverse("accounts:two_factor_setup"))
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    enrolled = client.post(reverse("accounts:two_factor_setup"), {"token": f"{totp(device.bin_key):06d}"})
    codes = enrolled.context["codes"]
    other = Client()
    _sign_in_with_password(other, "analis-pulih", password)
    assert other.post(reverse("accounts:verify"), {"token": codes[0]}).status_code == 302
    third = Client()
    _sign_in_with_password(third, "analis-pulih", password)
    assert third.post(reverse("accounts:verify"), {"token": codes[0]}).status_code == 200


def test_expired_account_cannot_sign_in(client):
    user, password = create_user(username="kadaluarsa", role=Role.DATA_USER, region_scope=["32.73"])
    User.objects.filter(pk=user.pk).update(expires_on=timezone.localdate() - timedelta(days=1))
    response = _sign_in_with_password(client, "kadaluarsa", password)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert AuditEntry.objects.filter(action=Action.SIGN_IN_EXPIRED, actor=user).exists()


def test_expired_session_is_ended(client):
    user, _password = create_user(username="kadaluarsa-sesi", role=Role.DATA_USER, region_scope=["32.73"])
    client.force_login(user)
    User.objects.filter(pk=user.pk).update(expires_on=timezone.localdate() - timedelta(days=1))
    response = client.get(reverse("registry:list"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_fifth_failure_locks_account(client, settings):
    _user, password = create_user(username="kunci", role=Role.DATA_USER, region_scope=["32"])
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        _sign_in_with_password(client, "kunci", "wrong-password")
    locked = _sign_in_with_password(client, "kunci", password)
    assert locked.status_code == 429
    assert b"locked-out" in locked.content
    assert AuditEntry.objects.filter(action=Action.LOCKED_OUT, actor_label="kunci").exists()


def test_unlock_command_lifts_lockout(client, settings):
    _user, password = create_user(username="kunci-cli", role=Role.DATA_USER, region_scope=["32"])
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        _sign_in_with_password(client, "kunci-cli", "wrong-password")
    call_command("user", "unlock", "kunci-cli", "--language", "en", stdout=io.StringIO())
    assert _sign_in_with_password(client, "kunci-cli", password).status_code == 302


def test_session_from_second_address_is_recorded(settings):
    user, password = create_user(username="berbagi", role=Role.DATA_USER, region_scope=["32.73"])
    first, second = Client(), Client()
    _sign_in_with_password(first, "berbagi", password, address="127.0.0.2")
    _sign_in_with_password(second, "berbagi", password, address="127.0.0.3")
    assert ConcurrentUse.objects.filter(user=user).count() == 1
    assert AuditEntry.objects.filter(action=Action.CONCURRENT_SESSION, actor=user).exists()


def test_walidata_sees_concurrent_use(client):
    user, password = create_user(username="berbagi-2", role=Role.DATA_USER, region_scope=["32.73"])
    _sign_in_with_password(Client(), "berbagi-2", password, address="127.0.0.2")
    _sign_in_with_password(Client(), "berbagi-2", password, address="127.0.0.3")
    sign_in_verified(client, User.objects.get(username="walidata"))
    page = client.get(reverse("accounts:sessions"))
    assert b"berbagi-2" in page.content


def test_check_pdf_rejects_renamed_text_file():
    with pytest.raises(DocumentRejected):
        check_pdf(io.BytesIO(b"not a pdf at all"), field="statement", label="Statement")


def test_check_pdf_rejects_oversized_file(settings):
    settings.SATUDATA_MAX_PDF_BYTES = 100
    with pytest.raises(DocumentRejected):
        check_pdf(io.BytesIO(PDF + b" " * 200), field="statement", label="Statement")


def test_check_pdf_accepts_pdf():
    check_pdf(io.BytesIO(PDF), field="statement", label="Statement")


def _request_form(**changes):
    data = {
        "organization": "Bappeda Kota Bandung", "purpose": "Perencanaan", "requested_role": "data_user",
        "requested_level": "aggregate", "requested_regions": "32.73", "requested_kbli": "",
        "full_name": "Rina",
        "nik": "3273015203900002", "phone": "081234567890", "position": "Analis", "email": "rina@example.org",
        "username": "bappeda-bdg", "accept": "on",
        "cover_letter": SimpleUploadedFile("surat.pdf", PDF, content_type="application/pdf"),
        "statement": SimpleUploadedFile("pernyataan.pdf", PDF, content_type="application/pdf"),
    }
    data.update(changes)
    return data


def test_account_request_stores_nik_encrypted(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:request"), _request_form())
    assert response.status_code == 302
    stored = AccountRequest.objects.get(username="bappeda-bdg")
    assert "3273015203900002" not in stored.nik_encrypted
    assert len(mail.outbox) >= 1


def test_account_request_rejects_file_that_is_not_pdf(client):
    fake = SimpleUploadedFile("surat.pdf", b"<html>not a pdf</html>", content_type="application/pdf")
    response = client.post(reverse("accounts:request"), _request_form(cover_letter=fake))
    assert response.status_code == 400
    assert not AccountRequest.objects.filter(username="bappeda-bdg").exists()


def test_approval_creates_scoped_user_and_mails_link(client, django_capture_on_commit_callbacks):
    client.post(reverse("accounts:request"), _request_form())
    account_request = AccountRequest.objects.get(username="bappeda-bdg")
    walidata = Client()
    sign_in_verified(walidata, User.objects.get(username="walidata"))
    with django_capture_on_commit_callbacks(execute=True):
        response = walidata.post(reverse("accounts:request_detail", args=[account_request.pk]),
                                 {"approve": "1", "role": "data_user", "regions": "32.73", "kbli": ""})
    assert response.status_code == 302
    user = User.objects.get(username="bappeda-bdg")
    assert user.region_scope == ["32.73"]
    assert not user.has_usable_password()
    assert "/accounts/set-password/" in mail.outbox[-1].body


def test_rejection_needs_reason_and_mails_it(client, django_capture_on_commit_callbacks):
    client.post(reverse("accounts:request"), _request_form())
    account_request = AccountRequest.objects.get(username="bappeda-bdg")
    walidata = User.objects.get(username="walidata")
    with pytest.raises(account_requests.AccountError):
        account_requests.reject_request(account_request, actor=walidata, reason=" ")
    with django_capture_on_commit_callbacks(execute=True):
        account_requests.reject_request(account_request, actor=walidata,
                                        reason="Surat pengantar tidak ditandatangani")
    assert "Surat pengantar tidak ditandatangani" in mail.outbox[-1].body


def test_by_name_without_statement_sees_masked_data():
    user, _password = create_user(username="tanpa-pernyataan", role=Role.DATA_USER, region_scope=["32"],
                                  by_name_access=True)
    assert scope_for(user).by_name is False


def test_by_name_export_refused_without_statement(client):
    user, _password = create_user(username="ekspor-uji", role=Role.DATA_USER, region_scope=["32"],
                                  by_name_access=True)
    sign_in_verified(client, user)
    response = client.get(reverse("access:export_businesses"))
    assert response.status_code == 403
    assert AuditEntry.objects.filter(action=Action.EXPORT_REFUSED, actor=user).exists()


def test_audit_export_is_logged(client):
    sign_in_verified(client, User.objects.get(username="auditor"))
    response = client.get(reverse("audit:export"))
    assert response.status_code == 200
    assert b"entry_hash" in b"".join(response.streaming_content)
    assert AuditEntry.objects.filter(action=Action.AUDIT_EXPORTED).exists()


def test_producer_cannot_open_audit_log(client):
    sign_in_verified(client, User.objects.get(username="produsen-bandung"))
    assert client.get(reverse("audit:log")).status_code == 403


def test_user_command_creates_and_lists_json():
    out = io.StringIO()
    call_command("user", "create", "cli-uji", "--role", "data_user", "--region", "32.73", "--region", "32.04",
                 "--kbli", "C,47", "--language", "en", stdout=out)
    assert "cli-uji" in out.getvalue()
    listing = io.StringIO()
    call_command("user", "list", "--json", stdout=listing)
    entry = next(u for u in json.loads(listing.getvalue()) if u["username"] == "cli-uji")
    assert entry["regions"] == ["32.04", "32.73"]
    assert entry["kbli"] == ["47", "C"]


def test_user_command_disables_account():
    create_user(username="cli-mati", role=Role.DATA_USER, region_scope=["32"])
    call_command("user", "disable", "cli-mati", "--reason", "pindah tugas", "--language", "en",
                 stdout=io.StringIO())
    assert User.objects.get(username="cli-mati").is_active is False
