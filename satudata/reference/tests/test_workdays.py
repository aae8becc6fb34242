"""Working-day deadlines on the Indonesian calendar."""

import datetime as dt

import pytest
from lokal import add_working_days as lokal_add_working_days

from satudata.reference.workdays import add_working_days, is_working_day, non_working_days, working_days_between


def test_nyepi_and_idulfitri_2026_are_skipped():
    # 19 March 2026 is Nyepi; 20–24 March are Idulfitri holidays and cuti bersama; 21–22 a weekend.
    assert add_working_days(dt.date(2026, 3, 18), 1) == dt.date(2026, 3, 25)
    assert add_working_days(dt.date(2026, 3, 18), 3) == dt.date(2026, 3, 27)


def test_independence_day_is_not_a_working_day():
    assert not is_working_day(dt.date(2026, 8, 17))
    assert add_working_days(dt.date(2026, 8, 14), 1) == dt.date(2026, 8, 18)


def test_weekend_is_skipped():
    assert add_working_days(dt.date(2026, 12, 4), 1) == dt.date(2026, 12, 7)


def test_agrees_with_lokal_id_for_its_years():
    for offset in range(0, 365, 7):
        start = dt.date(2026, 1, 1) + dt.timedelta(days=offset)
        for days in (1, 3, 5):
            assert add_working_days(start, days).isoformat() == lokal_add_working_days(start.isoformat(), days)


def test_years_outside_lokal_id_use_the_holidays_package():
    assert dt.date(2030, 8, 17) in non_working_days(2030)
    assert dt.date(2030, 12, 25) in non_working_days(2030)


@pytest.mark.parametrize(("start", "end", "days"), [
    (dt.date(2026, 3, 18), dt.date(2026, 3, 25), 1),
    (dt.date(2026, 12, 4), dt.date(2026, 12, 11), 5),
    (dt.date(2026, 12, 11), dt.date(2026, 12, 4), -5),
])
def test_working_days_between(start, end, days):
    assert working_days_between(start, end) == days
