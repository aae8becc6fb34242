"""Drafting, agreeing and publishing a standard version, and what a new version changes."""

import datetime as dt
import io

import openpyxl
import pytest
from django.urls import reverse

from satudata.accounts.testing import sign_in_verified
from satudata.accounts.models import User
from satudata.registry.models import TransactionRecord
from satudata.standards import services
from satudata.standards.loading import current_version
from satudata.standards.models import StandardVersion, Variable, VersionLocked
from satudata.submissions.tests.factories import errors_of, rows_with, submit, write_csv

pytestmark = pytest.mark.django_db

SELLS_ONLINE = {
    "name": "Berjualan daring", "name_en": "Sells online",
    "definition": "Apakah usaha menjual barang atau jasa melalui internet selama tahun referensi.",
    "definition_en": "Whether the business sold goods or services over the internet in the reference year.",
    "datatype": "boolean", "kind": "transaction", "time_reference": "Tahun referensi",
    "time_reference_en": "Reference year", "aliases": ["jualan online", "berjualan daring"],
}


def _publish_new_version(walidata=None, **variable_changes):
    draft = services.create_draft(current_version(), actor=walidata)
    services.add_variable(draft, "sells_online", {**SELLS_ONLINE, **variable_changes}, actor=walidata)
    services.propose(draft, actor=walidata)
    services.record_agreement(draft, agreed_on=dt.date(2026, 11, 20), decision="BA Forum Satu Data UMKM 3/2026",
                              actor=walidata)
    return services.publish(draft, effective_from=dt.date(2026, 12, 1), actor=walidata)


def test_new_variable_is_validated_without_code_change(tmp_path, producer_bandung):
    version = _publish_new_version()
    assert current_version() == version
    rows = rows_with({"Berjualan daring": "Ya"}, {"Berjualan daring": "mungkin"}, {"Berjualan daring": ""})
    submission = submit(write_csv(tmp_path / "v2.csv", rows), producer_bandung)
    assert submission.standard_version == version
    assert errors_of(submission) == [(3, "sells_online", "boolean.invalid")]
    values = {r.row_number: r.values.get("sells_online") for r in TransactionRecord.objects.filter(submission=submission)}
    assert values == {2: True, 4: None}


def test_published_variable_reaches_producer(client, tmp_path, producer_bandung):
    sign_in_verified(client, User.objects.get(username="walidata"))
    base = current_version()
    response = client.post(reverse("standards:new_draft", args=[base.label]))
    draft = StandardVersion.objects.get(based_on=base)
    assert response.url == reverse("standards:version", args=[draft.label])
    form = {"code": "sells_online", **{k: v for k, v in SELLS_ONLINE.items() if k != "aliases"},
            "aliases": "jualan online", "confidentiality": "public", "is_public": "on"}
    response = client.post(reverse("standards:variable_add", args=[draft.label]), form)
    assert response.status_code == 302, response.content[:400]
    client.post(reverse("standards:propose", args=[draft.label]))
    client.post(reverse("standards:agree", args=[draft.label]), {"agreed_on": "2026-11-20", "decision": "BA 3/2026"})
    client.post(reverse("standards:publish", args=[draft.label]), {"effective_from": "2026-12-01"})
    draft.refresh_from_db()
    assert draft.status == "published"
    assert draft.forum_decision == "BA 3/2026"

    sign_in_verified(client, User.objects.get(username="produsen-bandung"))
    template = client.get(reverse("standards:template"))
    book = openpyxl.load_workbook(io.BytesIO(template.content))
    data = next(ws for ws in book.worksheets if ws.max_column > 10)
    assert "Berjualan daring" in [c.value for c in data[1]]
    submission = submit(write_csv(tmp_path / "b.csv", rows_with({"jualan online": "tidak"})), producer_bandung)
    assert submission.rows_accepted == 1
    assert TransactionRecord.objects.get(submission=submission).values["sells_online"] is False


def test_version_not_yet_effective_is_not_in_force():
    base = current_version()
    draft = services.create_draft(base)
    services.propose(draft)
    services.record_agreement(draft, agreed_on=dt.date(2026, 11, 1), decision="BA 1")
    services.publish(draft, effective_from=dt.date(2027, 1, 1))
    assert current_version(on=dt.date(2026, 12, 4)) == base
    assert current_version(on=dt.date(2027, 1, 1)) == draft


def test_published_version_is_immutable():
    version = current_version()
    with pytest.raises(services.WrongStatus):
        services.add_variable(version, "x_new", SELLS_ONLINE)
    variable = version.variables.first()
    variable.name = "changed"
    with pytest.raises(VersionLocked):
        variable.save()
    with pytest.raises(VersionLocked):
        Variable.objects.create(version=version, code="sneaky", position=999, **{
            k: v for k, v in SELLS_ONLINE.items() if k != "aliases"})


def test_steps_happen_in_order():
    draft = services.create_draft(current_version())
    with pytest.raises(services.WrongStatus):
        services.publish(draft, effective_from=dt.date(2026, 12, 1))
    services.propose(draft)
    with pytest.raises(services.WrongStatus):
        services.publish(draft, effective_from=dt.date(2026, 12, 1))
    with pytest.raises(services.StandardError):
        services.record_agreement(draft, agreed_on=dt.date(2026, 12, 1), decision=" ")


def test_diff_names_added_changed_and_removed_variables():
    base = current_version()
    draft = services.create_draft(base)
    services.add_variable(draft, "sells_online", SELLS_ONLINE)
    services.update_variable(draft.variables.get(code="products"), {"required": True})
    services.remove_variable(draft.variables.get(code="month_started"))
    diff = services.compare(base, draft)
    assert [v.code for v in diff.added] == ["sells_online"]
    assert [v.code for v in diff.removed] == ["month_started"]
    assert [(c.code, [f.field for f in c.changes]) for c in diff.changed] == [("products", ["required"])]


def test_variable_used_by_an_indicator_cannot_be_removed():
    draft = services.create_draft(current_version())
    with pytest.raises(services.StandardError):
        services.remove_variable(draft.variables.get(code="business_scale"))


def test_invalid_variable_definitions_are_refused():
    draft = services.create_draft(current_version())
    with pytest.raises(services.StandardError):
        services.add_variable(draft, "Bad Code", SELLS_ONLINE)
    with pytest.raises(services.StandardError):
        services.add_variable(draft, "coded", {**SELLS_ONLINE, "datatype": "code", "code_list": "no_such_list"})
    with pytest.raises(services.StandardError):
        services.add_variable(draft, "nameless", {**SELLS_ONLINE, "definition": ""})


def test_further_characteristic_is_typed_and_checked():
    services.declare_characteristic({"target": "variable", "code": "sdg_target", "name": "Target SDGs",
                                     "name_en": "SDG target", "description": "", "datatype": "choice",
                                     "choices": ["8.3", "9.3"], "required": False})
    draft = services.create_draft(current_version())
    services.add_variable(draft, "sells_online", {**SELLS_ONLINE, "extra": {"sdg_target": "8.3"}})
    assert draft.variables.get(code="sells_online").extra == {"sdg_target": "8.3"}
    with pytest.raises(services.StandardError):
        services.update_variable(draft.variables.get(code="sells_online"), {"extra": {"sdg_target": "1.1"}})
    with pytest.raises(services.StandardError):
        services.update_variable(draft.variables.get(code="sells_online"), {"extra": {"undeclared": "x"}})
