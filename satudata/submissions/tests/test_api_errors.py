"""The API's errors in the user's language and in one JSON shape, including the errors Django
Ninja raises itself: authentication, a body that is not JSON, invalid input and not found."""

import json

import pytest
from django.test import Client
from django.utils import translation
from django.utils.translation import trans_real

from satudata.accounts.models import User
from satudata.accounts.testing import sign_in_verified
from satudata.api import INVALID_INPUT, NINJA_ERRORS
from satudata.producers.tokens import create_token
from satudata.submissions import api as submissions_api

pytestmark = pytest.mark.django_db
BASE = "/api/v1/submissions/"
LANGUAGES = ("id", "en")


@pytest.fixture
def indonesian_catalog():
    """Give the API's error messages an Indonesian text where the catalog has none yet.

    The translators' catalog follows the code, so a new message is English in both languages until
    it is translated. A test would then not see whether a response was rendered in the request's
    language, so the messages get a stand-in text here for the test's duration.
    """
    catalog = trans_real.translation("id")._catalog
    added = []
    templates = [message for _code, message in NINJA_ERRORS.values()] + list(INVALID_INPUT.values())
    for template in templates:
        with translation.override("en"):
            english = str(template)
        with translation.override("id"):
            untranslated = str(template) == english
        if untranslated and english not in added:
            catalog[english] = f"(id) {english}"
            added.append(english)
    yield
    for english in added:
        # TranslationCatalog writes new entries to its first catalog and has no way to delete them.
        catalog._catalogs[0].pop(english, None)


@pytest.fixture
def token(producer_bandung) -> str:
    return create_token(producer_bandung, name="simumkm")[1]


def _rendered(template, language: str, **params) -> str:
    with translation.override(language):
        return str(template).format(**params)


def _in_both_languages(request) -> dict[str, dict]:
    """Send the same request once in Indonesian and once in English, and return both responses."""
    answers = {}
    for language in LANGUAGES:
        response = request(language)
        answers[language] = {"status": response.status_code, **response.json()}
    return answers


def _get(path: str, token: str | None):
    def send(language: str):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
        return Client().get(BASE + path, HTTP_ACCEPT_LANGUAGE=language, **headers)
    return send


def _post(path: str, body: str, token: str):
    def send(language: str):
        return Client().post(BASE + path, body, content_type="application/json", HTTP_ACCEPT_LANGUAGE=language,
                             HTTP_AUTHORIZATION=f"Bearer {token}")
    return send


@pytest.mark.parametrize("sent_token", [None, "sdu_00000000_not-a-token"], ids=["no token", "unknown token"])
def test_unauthenticated_request_gets_401(sent_token, indonesian_catalog):
    answers = _in_both_languages(_get("", sent_token))

    for language in LANGUAGES:
        assert answers[language] == {"status": 401, "code": "auth.required", "field": None,
                                     "message": _rendered(NINJA_ERRORS[401][1], language)}
    assert answers["id"]["message"] != answers["en"]["message"]


def test_default_language_is_indonesian(indonesian_catalog):
    response = Client().get(BASE)

    assert response.json()["message"] == _rendered(NINJA_ERRORS[401][1], "id")


def test_malformed_json_gets_400(token, indonesian_catalog):
    answers = _in_both_languages(_post("", '{"reference_year": 2025,', token))

    for language in LANGUAGES:
        assert answers[language] == {"status": 400, "code": "request.unreadable", "field": None,
                                     "message": _rendered(NINJA_ERRORS[400][1], language)}
    assert answers["id"]["message"] != answers["en"]["message"]


def test_invalid_field_gets_422(token, indonesian_catalog):
    answers = _in_both_languages(_post("1/records", json.dumps({"records": "not a list"}), token))

    for language in LANGUAGES:
        message = _rendered(INVALID_INPUT["list_type"], language, field="records")
        assert answers[language] == {
            "status": 422, "code": "request.invalid", "field": "records", "message": message,
            "errors": [{"field": "records", "code": "list_type", "message": message}],
        }
    assert answers["id"]["message"] != answers["en"]["message"]


def test_invalid_input_names_each_field(token, indonesian_catalog):
    answer = _post("", json.dumps({"reference_year": "2025a"}), token)("en").json()
    records = _post("1/records", json.dumps({"records": [{"owner_nik": "1"}, 7]}), token)("en").json()
    missing = _post("1/records", json.dumps({}), token)("en").json()

    assert answer["field"] == "reference_year"
    assert answer["message"] == "reference_year must be a whole number."
    assert records["errors"] == [{"field": "records.1", "code": "dict_type",
                                  "message": "records.1 must be a JSON object."}]
    assert missing["message"] == "records is missing."


def test_unknown_submission_gets_404_in_shape(token):
    response = _get("999999", token)("en")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert set(response.json()) == {"code", "message", "field"}


def test_account_without_producer_cannot_push():
    client = Client()
    sign_in_verified(client, User.objects.get(username="walidata"))

    response = client.post(BASE, json.dumps({"reference_year": 2025}), content_type="application/json",
                           HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 403
    assert response.json() == {"code": "permission_denied", "field": None,
                               "message": "Only a producer's token or a producer account can push records."}


def test_too_many_records_gets_413(token, monkeypatch):
    monkeypatch.setattr(submissions_api, "MAX_RECORDS_PER_PUSH", 2)

    response = _post("1/records", json.dumps({"records": [{}, {}, {}]}), token)("en")

    assert response.status_code == 413
    assert response.json() == {"code": "records.too_many", "field": "records",
                               "message": "Push at most 2 records per request."}


@pytest.mark.parametrize("path", ["/api/v1/no-such-route/", "/api/v1/submissions/1/no-such-part"])
def test_unknown_path_gets_json_404(path, token):
    answers = {}
    for language in LANGUAGES:
        response = Client().get(path, HTTP_ACCEPT_LANGUAGE=language, HTTP_AUTHORIZATION=f"Bearer {token}")
        assert response["Content-Type"].startswith("application/json")
        answers[language] = {"status": response.status_code, **response.json()}

    for language in LANGUAGES:
        assert answers[language]["status"] == 404
        assert answers[language]["code"] == "not_found.endpoint"
        assert answers[language]["field"] is None
        assert path in answers[language]["message"]
    assert answers["en"]["message"].startswith("There is no API endpoint at")
    assert answers["id"]["message"].startswith("Tidak ada titik akhir API di")
