"""Working-day arithmetic for SLAs: Indonesian public holidays, joint leave and agency days off.

Plain Python (no Flask, no SQLAlchemy). Datetimes are naive and expressed in the agency's local
time; the caller converts.
"""
from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Iterable, Mapping

import holidays as holidays_lib

SLA_UNITS = ("working_days", "days", "hours", "minutes")
DAY_UNITS = frozenset({"working_days", "days"})
END_OF_DAY = time(23, 59, 59)


@lru_cache(maxsize=64)
def _national_holidays(country: str, categories: tuple[str, ...], year: int) -> frozenset[date]:
    cal = holidays_lib.country_holidays(country, years=year, categories=categories)
    return frozenset(cal.keys())


def _weekdays_up_to(ordinal: int) -> int:
    """Monday-to-Friday days among the proleptic ordinals 1..ordinal (ordinal 1, 0001-01-01, is a Monday)."""
    return 5 * (ordinal // 7) + min(ordinal % 7, 5)


@lru_cache(maxsize=256)
def _weekday_days_off(country: str, categories: tuple[str, ...], extra: frozenset[date], year: int) -> tuple[int, ...]:
    """Sorted ordinals of ``year``'s holidays and extra days off that fall on a weekday."""
    days = _national_holidays(country, categories, year) | {d for d in extra if d.year == year}
    return tuple(sorted(d.toordinal() for d in days if d.weekday() < 5))


@dataclass(frozen=True)
class WorkingCalendar:
    """Saturdays, Sundays, national holidays (with cuti bersama) and extra days off are not worked."""

    country: str = "ID"
    categories: tuple[str, ...] = ("public", "government")
    extra_days_off: frozenset[date] = field(default_factory=frozenset)

    @classmethod
    def from_rules(cls, calendar: Mapping | None, extra_days_off: Iterable = ()) -> "WorkingCalendar":
        calendar = calendar or {}
        days = frozenset(
            d if isinstance(d, date) else date.fromisoformat(str(d)) for d in extra_days_off
        )
        return cls(
            country=calendar.get("country", "ID"),
            categories=tuple(calendar.get("categories", ("public", "government"))),
            extra_days_off=days,
        )

    def is_working_day(self, day: date) -> bool:
        if day.weekday() >= 5 or day in self.extra_days_off:
            return False
        return day not in _national_holidays(self.country, self.categories, day.year)

    def next_working_day(self, day: date) -> date:
        day += timedelta(days=1)
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def add_working_days(self, start: datetime, n: int) -> datetime:
        """The same time of day on the n-th working day after ``start``.

        A start on a day off counts from the beginning of the next working day, so work
        submitted on Saturday is due as if it had arrived on Monday at 00:00.
        """
        if not self.is_working_day(start.date()):
            start = datetime.combine(self.next_working_day(start.date()), time.min)
        day = start.date()
        for _ in range(n):
            day = self.next_working_day(day)
        return datetime.combine(day, start.time())

    def end_of_working_day(self, when: datetime) -> datetime:
        """The close (23:59:59) of ``when``'s day, or of the next working day when that day is off."""
        day = when.date()
        if not self.is_working_day(day):
            day = self.next_working_day(day)
        return datetime.combine(day, END_OF_DAY)

    def working_days_between(self, start: datetime, end: datetime) -> int:
        """Working days d with start.date() < d <= end.date() (0 when end <= start).

        Arithmetic, not a walk over the days: weekdays in the range minus the days off that fall on a
        weekday (the queue shows this for every row, and a badge may span years)."""
        if end <= start:
            return 0
        first, last = start.date(), end.date()
        if last <= first:
            return 0
        weekdays = _weekdays_up_to(last.toordinal()) - _weekdays_up_to(first.toordinal())
        off = 0
        for year in range(first.year, last.year + 1):
            days = _weekday_days_off(self.country, self.categories, self.extra_days_off, year)
            off += bisect_right(days, last.toordinal()) - bisect_right(days, first.toordinal())
        return weekdays - off

    def add(self, start: datetime, sla: Mapping) -> datetime:
        """The deadline ``sla`` ({working_days|days|hours|minutes: n}) after ``start``."""
        unit, amount = sla_unit(sla)
        if unit == "working_days":
            return self.add_working_days(start, amount)
        return start + timedelta(**{unit: amount})

    def remaining(self, now: datetime, due: datetime, sla: Mapping) -> dict:
        """What is left of an SLA at ``now``, in the SLA's unit, to resume it later with ``add``."""
        unit, _ = sla_unit(sla)
        if unit == "working_days":
            left = self.working_days_between(now, due)
            return {"working_days": left}
        minutes = max(0, int((due - now).total_seconds() // 60))
        return {"minutes": minutes}


def sla_unit(sla: Mapping) -> tuple[str, int]:
    for unit in SLA_UNITS:
        if unit in sla:
            return unit, int(sla[unit])
    raise ValueError(f"SLA without a unit: {dict(sla)!r}")


def sla_status(now: datetime, due: datetime | None, due_soon: timedelta = timedelta(days=1)) -> str:
    """``on_time``, ``due_soon`` or ``overdue`` — the badge staff see."""
    if due is None:
        return "none"
    if now > due:
        return "overdue"
    if due - now <= due_soon:
        return "due_soon"
    return "on_time"
