"""An import that would remove most of the current edition's codes needs --force."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from satudata.reference.models import Edition

pytestmark = pytest.mark.django_db


def _short_list(tmp_path):
    path = tmp_path / "kbli-short.csv"
    path.write_text("code,level,title,parent\nA,1,Pertanian,\nB,1,Pertambangan,\n", encoding="utf-8")
    return path


def _current_kbli() -> Edition:
    return Edition.objects.get(code_list__kind="kbli", is_current=True)


def test_shrinking_import_is_rejected(tmp_path):
    before = _current_kbli()
    with pytest.raises(CommandError, match="--force"):
        call_command("codelist", "import", "kbli", str(_short_list(tmp_path)), "--edition", "2099",
                     stdout=io.StringIO(), stderr=io.StringIO())
    assert _current_kbli().pk == before.pk
    assert not Edition.objects.filter(name="2099").exists()


def test_shrinking_import_applies_with_force(tmp_path):
    call_command("codelist", "import", "kbli", str(_short_list(tmp_path)), "--edition", "2099", "--force",
                 stdout=io.StringIO(), stderr=io.StringIO())
    current = _current_kbli()
    assert current.name == "2099"
    assert current.entries.count() == 2
