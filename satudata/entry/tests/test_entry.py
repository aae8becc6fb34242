"""Enumerator entry: the form follows the standard, fields are checked as files are, records stay
in the enumerator's region and draft, and a submitted draft goes through the procedure."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import translation

from satudata.accounts.models import Role, User
from satudata.accounts.services import AccountError, create_user
from satudata.accounts.testing import sign_in_verified
from satudata.entry import services
from satudata.producers.models import Producer
from satudata.standards import services as standards
from satudata.standards.loading import current_version
from satudata.submissions import procedure
from satudata.submissions.models import Submission

pytestmark = pytest.mark.django_db

# NIK 3273015203900001: district 32.73.01, born 12-03-1990, female (day 52 = 12 + 40).
VALID = {
    "business_name": "Warung Siti",
    "kbli": "56103",
    "business_address": "Jl. Sukajadi No. 5",
    "business_village_code": "32.73.01.1001",
    "owner_nik": "3273015203900001",
    "owner_name": "Siti Aminah",
    "owner_sex": "P",
    "owner_birth_date": "1990-03-12",
    "reference_year": "2025",
    "capital": "15.000.000",
    "annual_sales": "120.000.000",
    "workers_total": "2",
}
OTHER_DISTRICT_VILLAGE = "32.73.02.1003"
SELLS_ONLINE = {
    "name": "Berjualan daring", "name_en": "Sells online",
    "definition": "Apakah usaha menjual melalui internet.",
    "definition_en": "Whether the business sells online.",
    "datatype": "boolean", "kind": "transaction", "time_reference": "Tahun referensi",
    "time_reference_en": "Reference year",
}


@pytest.fixture
def enumerator(producer_bandung):
    user, _password = create_user(username="enumerator-sukasari", role=Role.ENUMERATOR,
                                  producer=producer_bandung, region_scope=["32.73.01"])
    return user


@pytest.fixture
def enumerator_client(client, enumerator):
    sign_in_verified(client, enumerator)
    return client


def record_with(**changes) -> dict:
    return {**VALID, **changes}


def _publish_version_with(code: str, data: dict):
    draft = standards.create_draft(current_version())
    standards.add_variable(draft, code, data)
    standards.propose(draft)
    standards.record_agreement(draft, agreed_on=dt.date(2026, 11, 20),
                               decision="BA Forum Satu Data UMKM 3/2026")
    return standards.publish(draft, effective_from=dt.date(2026, 12, 1))


# -- the form follows the standard ----------------------------------------------------------------

def test_form_shows_new_version_variable(enumerator_client):
    _publish_version_with("sells_online", SELLS_ONLINE)

    response = enumerator_client.get(reverse("entry:new"))

    assert 'name="sells_online"' in response.content.decode()


def test_new_variable_is_a_select_of_its_domain(enumerator_client):
    _publish_version_with("sells_online", SELLS_ONLINE)

    response = enumerator_client.get(reverse("entry:new"))

    fields = {f.code: f for section in response.context["sections"] for f in section.fields}
    assert [o.value for o in fields["sells_online"].options] == ["ya", "tidak"]


def test_form_leaves_out_region_names(enumerator_client):
    response = enumerator_client.get(reverse("entry:new"))

    codes = {f.code for section in response.context["sections"] for f in section.fields}
    assert "business_village_name" not in codes


def test_code_list_variable_offers_its_codes(enumerator_client):
    response = enumerator_client.get(reverse("entry:new"))

    fields = {f.code: f for section in response.context["sections"] for f in section.fields}
    assert {o.value for o in fields["owner_sex"].options} == {"L", "P"}


def test_nik_field_opens_the_numeric_keyboard(enumerator_client):
    response = enumerator_client.get(reverse("entry:new"))

    fields = {f.code: f for section in response.context["sections"] for f in section.fields}
    assert fields["owner_nik"].inputmode == "numeric"


# -- checks as typed and on saving ----------------------------------------------------------------

def test_check_rejects_short_nik_with_message(enumerator_client):
    response = enumerator_client.post(reverse("entry:check"), record_with(owner_nik="327301520390000"),
                                      HTTP_ACCEPT_LANGUAGE="en")

    assert response.json()["errors"]["owner_nik"] == [
        "NIK 327301520390000 is invalid: a NIK has exactly 16 digits. Check it against the identity card."
    ]


def test_check_message_speaks_of_record_not_cell(enumerator_client):
    response = enumerator_client.post(reverse("entry:check"), record_with(owner_email="siti-at-contoh"),
                                      HTTP_ACCEPT_LANGUAGE="en")

    assert response.json()["errors"]["owner_email"] == [
        "siti-at-contoh is not an e-mail address. Write it as name@domain, or leave it empty."
    ]


def test_check_message_in_user_language(enumerator_client):
    with translation.override("id"):
        expected = services.check_record(
            User.objects.get(username="enumerator-sukasari"), current_version(),
            record_with(owner_nik="327301520390000"),
        ).errors["owner_nik"]
    with translation.override("en"):
        english = services.check_record(
            User.objects.get(username="enumerator-sukasari"), current_version(),
            record_with(owner_nik="327301520390000"),
        ).errors["owner_nik"]

    enumerator_client.post(reverse("set_language"), {"language": "id"})
    response = enumerator_client.post(reverse("entry:check"), record_with(owner_nik="327301520390000"))

    assert response.json()["errors"]["owner_nik"] == expected
    assert expected != english


def test_check_of_a_valid_record_has_no_errors(enumerator_client):
    response = enumerator_client.post(reverse("entry:check"), VALID)

    assert response.json()["errors"] == {}


def test_check_reads_amounts_in_indonesian_notation(enumerator_client):
    response = enumerator_client.post(reverse("entry:check"), record_with(capital="1,500"),
                                      HTTP_ACCEPT_LANGUAGE="en")

    assert list(response.json()["errors"]) == ["capital"]


def test_save_rejects_bad_nik(enumerator_client, enumerator):
    response = enumerator_client.post(reverse("entry:new"), record_with(owner_nik="327301520390000"),
                                      HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert "a NIK has exactly 16 digits" in response.content.decode()
    assert services.current_draft(enumerator) is None


def test_save_opens_producer_draft(enumerator_client, enumerator, producer_bandung):
    response = enumerator_client.post(reverse("entry:new"), VALID)

    assert response.status_code == 302
    draft = services.current_draft(enumerator)
    assert (draft.producer, draft.channel, draft.state) == (producer_bandung, Submission.Channel.FORM,
                                                             Submission.State.DRAFT)
    assert draft.records.get().values["owner_nik"] == VALID["owner_nik"]


def test_second_record_goes_to_the_same_draft(enumerator_client, enumerator):
    enumerator_client.post(reverse("entry:new"), VALID)
    enumerator_client.post(reverse("entry:new"), record_with(business_name="Kedai Kopi", nib="1234567890123"))

    assert services.current_draft(enumerator).records.count() == 2


def test_save_rejects_business_twice_in_draft(enumerator_client, enumerator):
    enumerator_client.post(reverse("entry:new"), VALID)

    response = enumerator_client.post(reverse("entry:new"), record_with(business_name="warung  siti"))

    assert response.status_code == 400
    assert services.current_draft(enumerator).records.count() == 1


def test_editing_a_record_replaces_its_values(enumerator_client, enumerator):
    enumerator_client.post(reverse("entry:new"), VALID)

    enumerator_client.post(reverse("entry:edit", args=[1]), record_with(owner_name="Siti Rahma"))

    assert services.current_draft(enumerator).records.get(sequence=1).values["owner_name"] == "Siti Rahma"


def test_edit_is_not_own_duplicate(enumerator_client):
    enumerator_client.post(reverse("entry:new"), VALID)

    response = enumerator_client.post(reverse("entry:edit", args=[1]), record_with(workers_total="3"))

    assert response.status_code == 302


def test_deleting_a_record_removes_it_from_the_draft(enumerator_client, enumerator):
    enumerator_client.post(reverse("entry:new"), VALID)
    enumerator_client.post(reverse("entry:new"), record_with(business_name="Kedai Kopi"))

    enumerator_client.post(reverse("entry:delete", args=[1]))

    assert list(services.current_draft(enumerator).records.values_list("sequence", flat=True)) == [2]


def test_numbers_follow_position_after_delete(enumerator_client, enumerator):
    # Record numbers in the draft are the ones the submitted file and its error report use.
    enumerator_client.post(reverse("entry:new"), VALID)
    enumerator_client.post(reverse("entry:new"), record_with(business_name="Kedai Kopi", nib="1234567890123"))
    enumerator_client.post(reverse("entry:new"), record_with(business_name="Toko Roti", nib="1234567890124"))

    deleted = enumerator_client.post(reverse("entry:delete", args=[2]), follow=True)
    page = enumerator_client.get(reverse("entry:draft")).content.decode()
    edit = enumerator_client.get(reverse("entry:edit", args=[3])).content.decode()

    assert "Data 2 telah dihapus." in deleted.content.decode()
    assert page.count('class="badge">#') == 2
    assert 'class="badge">#2<' in page
    assert 'class="badge">#3<' not in page
    assert 'id="record-3"' in page
    assert "Toko Roti" in page
    assert "<h1>" in edit
    assert "3</h1>" not in edit
    assert "2</h1>" in edit


def test_draft_changes_are_audited_without_values(enumerator_client, enumerator):
    from satudata.audit.models import Action, AuditEntry

    enumerator_client.post(reverse("entry:new"), VALID)
    enumerator_client.post(reverse("entry:edit", args=[1]), record_with(owner_name="Siti Rahma"))
    enumerator_client.post(reverse("entry:delete", args=[1]))

    entries = AuditEntry.objects.filter(action=Action.DRAFT_RECORDS_CHANGED).order_by("id")
    assert [e.data for e in entries] == [{"added": 1, "first": 1, "last": 1}, {"changed": 1}, {"deleted": 1}]
    assert {e.actor_id for e in entries} == {enumerator.pk}
    assert {e.object_id for e in entries} == {str(services.current_draft(enumerator).pk)}
    assert not any("Siti" in str(e.data) for e in entries)


# -- region and producer scope --------------------------------------------------------------------

def test_save_rejects_village_outside_region(enumerator_client, enumerator):
    outside = record_with(business_village_code=OTHER_DISTRICT_VILLAGE)

    response = enumerator_client.post(reverse("entry:new"), outside, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert f"Village {OTHER_DISTRICT_VILLAGE} is outside your region" in response.content.decode()
    assert services.current_draft(enumerator) is None


def test_check_flags_village_outside_region(enumerator_client):
    response = enumerator_client.post(reverse("entry:check"),
                                      record_with(business_village_code=OTHER_DISTRICT_VILLAGE))

    assert list(response.json()["errors"]) == ["business_village_code"]


def test_village_picker_limited_to_district(enumerator_client):
    response = enumerator_client.get(reverse("entry:new"))

    fields = {f.code: f for section in response.context["sections"] for f in section.fields}
    villages = [o.value for o in fields["business_village_code"].picker.levels[0].options]
    assert villages and all(code.startswith("32.73.01.") for code in villages)


def test_region_list_empty_outside_region(enumerator_client):
    response = enumerator_client.get(reverse("entry:regions"),
                                     {"variable": "business_village_code", "parent": "32.73.02"})

    assert response.json()["regions"] == []


def test_owners_home_village_may_be_chosen_anywhere(enumerator_client):
    query = {"variable": "owner_village_code", "parent": "32.04"}

    response = enumerator_client.get(reverse("entry:regions"), query)

    assert len(response.json()["regions"]) > 1


def test_enumerator_region_outside_producer_rejected(producer_bandung):
    with pytest.raises(AccountError):
        create_user(username="enumerator-bogor", role=Role.ENUMERATOR, producer=producer_bandung,
                    region_scope=["32.01"])


def test_enumerator_does_not_reach_another_producers_draft(client, enumerator, producer_jabar):
    other, _password = create_user(username="enumerator-jabar", role=Role.ENUMERATOR, producer=producer_jabar)
    services.save_record(other, VALID)
    other_draft = services.current_draft(other)
    sign_in_verified(client, enumerator)

    assert client.get(reverse("submissions:detail", args=[other_draft.pk])).status_code == 404
    assert client.get(reverse("entry:edit", args=[1])).status_code == 404
    assert services.current_draft(enumerator) is None


def test_draft_page_hides_other_producer_records(client, enumerator, producer_jabar):
    other, _password = create_user(username="enumerator-jabar", role=Role.ENUMERATOR, producer=producer_jabar)
    services.save_record(other, record_with(business_name="Usaha Rahasia Jabar"))
    sign_in_verified(client, enumerator)

    response = client.get(reverse("entry:draft"))

    assert "Usaha Rahasia Jabar" not in response.content.decode()


def test_data_user_cannot_open_record_entry(client):
    sign_in_verified(client, User.objects.get(username="pengguna-bandung"))

    assert client.get(reverse("entry:draft")).status_code == 403


# -- submitting --------------------------------------------------------------------------------------

def test_submitted_draft_is_checked(enumerator_client, enumerator):
    enumerator_client.post(reverse("entry:new"), VALID)
    enumerator_client.post(reverse("entry:new"), record_with(business_name="Kedai Kopi", nib="1234567890123"))
    draft = services.current_draft(enumerator)

    response = enumerator_client.post(reverse("entry:submit"))
    # The background worker's job, run here in the test's thread.
    procedure.run_validation(draft.pk)

    draft.refresh_from_db()
    assert response.url == reverse("submissions:detail", args=[draft.pk])
    assert (draft.state, draft.rows_accepted, draft.rows_rejected) == (Submission.State.CHECKED, 2, 0)


def test_submitted_draft_appears_to_the_walidata(client, enumerator_client, enumerator):
    enumerator_client.post(reverse("entry:new"), VALID)
    draft = services.current_draft(enumerator)
    enumerator_client.post(reverse("entry:submit"))
    procedure.run_validation(draft.pk)
    sign_in_verified(client, User.objects.get(username="walidata"))

    response = client.get(reverse("submissions:overview"))

    assert draft in list(response.context["waiting"])


def test_record_after_submit_opens_new_draft(enumerator_client, enumerator):
    enumerator_client.post(reverse("entry:new"), VALID)
    first = services.current_draft(enumerator)
    enumerator_client.post(reverse("entry:submit"))

    enumerator_client.post(reverse("entry:new"), VALID)

    assert services.current_draft(enumerator).pk != first.pk


def test_submit_rejects_empty_draft(enumerator_client, enumerator):
    enumerator_client.post(reverse("entry:submit"))

    assert not Submission.objects.filter(submitted_by=enumerator).exists()


def test_producer_account_also_enters_records(client):
    sign_in_verified(client, User.objects.get(username="produsen-bandung"))

    response = client.post(reverse("entry:new"), record_with(business_village_code=OTHER_DISTRICT_VILLAGE))

    assert response.status_code == 302


def test_entry_pages_render_in_english(enumerator_client):
    enumerator_client.post(reverse("entry:new"), VALID)
    enumerator_client.post(reverse("set_language"), {"language": "en"})

    response = enumerator_client.get(reverse("entry:draft"))

    assert "Submit 1 record" in response.content.decode()


def test_producer_without_region_lets_its_enumerator_enter_anywhere(client):
    national = Producer.objects.get(code="kementerian-umkm")
    user, _password = create_user(username="enumerator-nasional", role=Role.ENUMERATOR, producer=national)

    assert services.entry_regions(user) == ()


# -- region pickers without script -------------------------------------------------------------------

def test_save_takes_village_from_picker_selects(enumerator_client, enumerator):
    record = record_with(business_village_code="")
    record["business_village_code__pick"] = ["32.73.01", "32.73.01.1001"]

    enumerator_client.post(reverse("entry:new"), record)

    saved = services.current_draft(enumerator).records.get().values
    assert saved["business_village_code"] == "32.73.01.1001"


def test_edit_form_preselects_saved_village(enumerator_client):
    enumerator_client.post(reverse("entry:new"), VALID)

    response = enumerator_client.get(reverse("entry:edit", args=[1]))

    fields = {f.code: f for section in response.context["sections"] for f in section.fields}
    levels = fields["business_village_code"].picker.levels
    assert [level.selected for level in levels] == ["32.73.01.1001"]


def test_mapping_page_not_offered_for_entry_draft(client, enumerator):
    services.save_record(enumerator, VALID)
    draft = services.current_draft(enumerator)
    sign_in_verified(client, User.objects.get(username="produsen-bandung"))

    response = client.post(reverse("submissions:mapping", args=[draft.pk]))

    draft.refresh_from_db()
    assert response.url == reverse("submissions:detail", args=[draft.pk])
    assert draft.state == Submission.State.DRAFT


def test_owner_village_picker_starts_at_enumerator_region(enumerator_client):
    response = enumerator_client.get(reverse("entry:new"))

    fields = {f.code: f for section in response.context["sections"] for f in section.fields}
    levels = fields["owner_village_code"].picker.levels
    assert [level.selected for level in levels] == ["32", "32.73", "32.73.01", ""]
