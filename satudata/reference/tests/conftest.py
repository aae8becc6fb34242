"""Real editions imported once per test module, because a crosswalk of 91,000 regions takes seconds.

The editions are committed outside the per-test transaction and deleted when the module's
tests end, so tests of other modules never see them.
"""

import pytest

from conftest import SHARED_DATA


def _shared_file(name: str):
    path = SHARED_DATA / name
    if not path.exists():
        pytest.skip(f"reference file {path} is absent (set SATUDATA_SHARED_DATA to the shared data folder)")
    return path


def _restore(kind: str, imported: list, previous_current_id: int | None) -> None:
    from satudata.reference.lookups import clear_cache
    from satudata.reference.models import Edition

    Edition.objects.filter(pk__in=[e.pk for e in imported]).delete()
    if previous_current_id is not None:
        Edition.objects.filter(pk=previous_current_id).update(is_current=True)
    clear_cache()


@pytest.fixture(scope="module")
def regions_2020(django_db_setup, django_db_blocker):
    """The Kemendagri 2020 edition (34 provinces) beside the current 2025 one, with the proposed crosswalk."""
    from satudata.reference import services

    path = _shared_file("wilayah_2020.csv")
    with django_db_blocker.unblock():
        plan = services.plan_import("region", path, "2020", older=True)
        edition = services.apply_import(plan, source="wilayah_2020.csv")
    yield plan
    with django_db_blocker.unblock():
        _restore("region", [edition], None)


@pytest.fixture(scope="module")
def kbli_editions(django_db_setup, django_db_blocker):
    """KBLI 2015 and 2020 from CSV and KBLI 2025 from the BPS JSON, 2020 current, with proposed crosswalks.

    Returns the import plans by edition name.
    """
    from satudata.reference import services
    from satudata.reference.models import Edition

    paths = {
        "2020": _shared_file("kbli2020.csv"),
        "2015": _shared_file("kbli2015.csv"),
        "2025": _shared_file("kbli2025_bps_unmodified"),
    }
    with django_db_blocker.unblock():
        previous = (
            Edition.objects.filter(code_list__kind="kbli", is_current=True)
            .values_list("pk", flat=True)
            .first()
        )
        plans, imported = {}, []
        plans["2020"] = services.plan_import("kbli", paths["2020"], "2020")
        imported.append(services.apply_import(plans["2020"], source="kbli2020.csv"))
        plans["2015"] = services.plan_import("kbli", paths["2015"], "2015", older=True)
        imported.append(services.apply_import(plans["2015"], source="kbli2015.csv"))
        # KBLI 2025 is compared with 2020 and stored beside it, so 2020 stays the edition new files use.
        plans["2025"] = services.plan_import("kbli", paths["2025"], "2025", make_current=False)
        imported.append(services.apply_import(plans["2025"], source="kbli2025_bps_unmodified"))
    yield plans
    with django_db_blocker.unblock():
        _restore("kbli", imported, previous)
