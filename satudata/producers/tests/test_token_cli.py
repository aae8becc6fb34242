"""The 'satudata token' command: create a producer's API token once, list tokens, revoke one."""

import datetime as dt
import hashlib
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from satudata.audit.models import AuditEntry
from satudata.producers.models import ApiToken

pytestmark = pytest.mark.django_db


def _run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def _create(*extra) -> dict:
    return json.loads(_run("token", "create", "--producer", "dinas-kumkm-bandung", "--json", *extra))


def _api_status(secret: str) -> int:
    return Client().get("/api/v1/submissions/", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code


def test_token_create_prints_secret_and_stores_only_hash():
    created = _create("--name", "SIMUMKM Bandung")
    stored = ApiToken.objects.get(pk=created["id"])
    assert created["token"].startswith("sdu_")
    assert stored.token_hash == hashlib.sha256(created["token"].encode()).hexdigest()
    assert created["token"] not in json.dumps(list(ApiToken.objects.values()), default=str)
    assert stored.name == "SIMUMKM Bandung"


def test_token_create_text_output_shows_secret_once():
    output = _run("token", "create", "--producer", "dinas-kumkm-bandung", "--language", "en")
    secret = next(line for line in output.splitlines() if line.startswith("sdu_"))
    assert _api_status(secret) == 200
    assert "cannot be shown again" in output


def test_token_list_never_shows_secret():
    created = _create()
    listing = json.loads(_run("token", "list", "--producer", "dinas-kumkm-bandung", "--json"))
    text = _run("token", "list")
    assert [t["id"] for t in listing] == [created["id"]]
    assert listing[0]["state"] == "active"
    assert "token" not in listing[0]
    assert created["token"] not in text
    assert created["prefix"] in text


def test_token_list_filters_by_producer():
    _create()
    json.loads(_run("token", "create", "--producer", "dinas-kukm-jabar", "--json"))
    listing = json.loads(_run("token", "list", "--producer", "dinas-kukm-jabar", "--json"))
    assert [t["producer"] for t in listing] == ["dinas-kukm-jabar"]


def test_token_revoke_makes_api_answer_401():
    created = _create()
    assert _api_status(created["token"]) == 200
    _run("token", "revoke", str(created["id"]))
    listing = json.loads(_run("token", "list", "--json"))
    assert _api_status(created["token"]) == 401
    assert listing[0]["state"] == "revoked"


def test_token_revoke_twice_is_refused():
    created = _create()
    _run("token", "revoke", str(created["id"]))
    with pytest.raises(CommandError, match="already revoked"):
        _run("token", "revoke", str(created["id"]), "--language", "en")


def test_token_expires_after_given_days():
    created = _create("--expires", "30")
    stored = ApiToken.objects.get(pk=created["id"])
    assert abs(stored.expires_at - stored.created_at - dt.timedelta(days=30)) < dt.timedelta(minutes=1)
    ApiToken.objects.filter(pk=stored.pk).update(expires_at=stored.created_at)
    listing = json.loads(_run("token", "list", "--json"))
    assert _api_status(created["token"]) == 401
    assert listing[0]["state"] == "expired"


def test_token_create_rejects_unknown_producer_and_bad_expiry():
    with pytest.raises(CommandError, match="no-such-office"):
        _run("token", "create", "--producer", "no-such-office")
    with pytest.raises(CommandError, match="at least 1 day"):
        _run("token", "create", "--producer", "dinas-kumkm-bandung", "--expires", "0", "--language", "en")


def test_token_actions_are_audited():
    created = _create()
    _run("token", "revoke", str(created["id"]))
    entries = list(AuditEntry.objects.filter(action__startswith="api_token.").order_by("id"))
    assert [e.action for e in entries] == ["api_token.created", "api_token.revoked"]
    assert all(e.data["token"] == created["id"] for e in entries)
    assert all(e.actor_label.startswith("cli") for e in entries)
    assert created["token"] not in json.dumps([e.data for e in entries])
