"""A file declares the KBLI edition its codes are written in; codes are checked and kept in it."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from satudata.registry.models import Business
from satudata.submissions import services
from satudata.submissions.models import Submission
from satudata.submissions.tests.factories import errors_of, rows_with, submit, write_csv

pytestmark = [pytest.mark.django_db, pytest.mark.shared_data]

# 02114 (Pengusahaan Hutan Sonokeling) exists in KBLI 2015 only; 56103 is in both editions.
OLD_ONLY = "02114"


@pytest.fixture
def two_editions(shared_data):
    from satudata.reference.loaders import import_code_list_csv

    import_code_list_csv("kbli", shared_data / "kbli2020.csv", "2020")
    import_code_list_csv("kbli", shared_data / "kbli2015.csv", "2015", make_current=False)


def _file(tmp_path):
    return write_csv(tmp_path / "k.csv", rows_with({"Kode KBLI": "56103"}, {"Kode KBLI": OLD_ONLY}))


def test_undeclared_edition_uses_current(tmp_path, producer_bandung, two_editions):
    submission = submit(_file(tmp_path), producer_bandung)
    assert errors_of(submission) == [(3, "kbli", "kbli.unknown")]
    assert submission.summary["kbli_edition"] == "2020"


def test_declared_old_edition_kept(tmp_path, producer_bandung, two_editions):
    path = _file(tmp_path)
    with open(path, "rb") as source:
        submission = services.receive_file(producer=producer_bandung, source=source, original_name=path.name,
                                           channel=Submission.Channel.CLI, kbli_edition="2015")
    from satudata.accounts.models import User
    from satudata.submissions import procedure

    services.inspect(submission)
    procedure.submit(submission, background=False)
    procedure.accept(submission, actor=User.objects.get(username="walidata"), background=False)
    submission.refresh_from_db()
    assert (submission.rows_accepted, submission.rows_rejected) == (2, 0)
    assert submission.state == Submission.State.COMPILED
    stored = dict(Business.objects.values_list("kbli", "kbli_edition"))
    assert stored == {"56103": "2015", OLD_ONLY: "2015"}


def test_unloaded_edition_rejected_before_storing(tmp_path, producer_bandung, two_editions):
    path = _file(tmp_path)
    with open(path, "rb") as source, pytest.raises(services.UnknownKbliEdition) as raised:
        services.receive_file(producer=producer_bandung, source=source, original_name=path.name,
                              kbli_edition="2009")
    assert "2009" in raised.value.message
    assert "2020, 2015" in raised.value.message
    assert not Submission.objects.exists()


def test_cli_declares_edition(tmp_path, two_editions):
    out = io.StringIO()
    call_command("submit", str(_file(tmp_path)), "--producer", "dinas-kumkm-bandung", "--kbli-edition", "2015",
                 "--json", stdout=out, stderr=io.StringIO())
    result = json.loads(out.getvalue())
    assert (result["kbli_edition"], result["rows_accepted"]) == ("2015", 2)
    with pytest.raises(CommandError, match="2009"):
        call_command("submit", str(_file(tmp_path)), "--producer", "dinas-kumkm-bandung",
                     "--kbli-edition", "2009", stdout=io.StringIO(), stderr=io.StringIO())


def test_upload_form_lists_editions(client, two_editions):
    from satudata.accounts.models import User
    from satudata.accounts.testing import sign_in_verified

    sign_in_verified(client, User.objects.get(username="produsen-bandung"))
    page = client.get("/submissions/upload/").content.decode()
    assert 'value="2015"' in page
    assert 'value="2020"' in page
