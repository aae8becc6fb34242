"""Training a linkage model on the registry itself, as 'satudata linkage train' does."""

import io
import json

import polars as pl
import pytest
from django.core.management import call_command

from satudata.linkage.models import LinkageModel
from satudata.synthetic.sidt import generate_sidt

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry_with_updates(tmp_path):
    """300 businesses, then 100 of them sent again with another business name."""
    frame = generate_sidt(300, seed=7, within="32.73")
    first = tmp_path / "first.csv"
    frame.write_csv(first)
    again = frame.head(100).with_columns((pl.col("nama_usaha") + " Baru").alias("nama_usaha"))
    second = tmp_path / "second.csv"
    again.write_csv(second)
    for path in (first, second):
        call_command("submit", str(path), "--producer", "dinas-kumkm-bandung", "--reference-year", "2025",
                     "--accept", "--operator", "walidata", "--json", stdout=io.StringIO(), stderr=io.StringIO())


@pytest.mark.parametrize("sample", ["200000", "50", "0"])
def test_train_command_activates_model(registry_with_updates, sample):
    out = io.StringIO()
    call_command("linkage", "train", "--sample", sample, "--json", stdout=out, stderr=io.StringIO())
    printed = json.loads(out.getvalue())
    active = LinkageModel.objects.get(is_active=True)
    assert printed["version"] == active.version


def test_review_queue_says_when_no_model(client):
    from satudata.accounts.models import User
    from satudata.accounts.testing import sign_in_verified

    sign_in_verified(client, User.objects.get(username="walidata"))
    assert 'id="no-model"' in client.get("/linkage/review/").content.decode()


def test_review_queue_quiet_with_model(client, registry_with_updates):
    from satudata.accounts.models import User
    from satudata.accounts.testing import sign_in_verified

    call_command("linkage", "train", stdout=io.StringIO(), stderr=io.StringIO())
    sign_in_verified(client, User.objects.get(username="walidata"))
    assert 'id="no-model"' not in client.get("/linkage/review/").content.decode()
