"""Masa berlaku: the validity period the rules give a document, as agency-local calendar dates.

``validity: {years: 5, from: signed}`` (or ``months``/``days``; ``from`` is ``issued``, ``signed``
or ``field:<key>`` — a date in the application's data or the issuing form). Plain Python.
"""
from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta
from typing import Any, Mapping

from app.rules.vocabulary import VALIDITY_FROM_PATTERN, VALIDITY_UNITS  # noqa: F401 (the format's words)


def add_months(day: date, months: int) -> date:
    """``day`` moved by whole months; the 31st (or 29 February) falls back to the month's last day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _as_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and len(value) >= 10:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def validity_start(spec: Mapping[str, Any], issued: date, values: Mapping[str, Any]) -> date | None:
    """The first day of validity: the issue (or signing) date, or the date a field holds."""
    source = str(spec.get("from") or "issued")
    if source.startswith("field:"):
        return _as_date(values.get(source.split(":", 1)[1]))
    return issued


def validity_end(spec: Mapping[str, Any], start: date) -> date:
    """The last day on which the document is valid: ``start`` plus the period, less one day
    (5 years from 30-11-2026 runs through 29-11-2031)."""
    if spec.get("years"):
        end = add_months(start, 12 * int(spec["years"]))
    elif spec.get("months"):
        end = add_months(start, int(spec["months"]))
    else:
        end = start + timedelta(days=int(spec["days"]))
    return end - timedelta(days=1)


def validity_dates(spec: Mapping[str, Any] | None, issued: date,
                   values: Mapping[str, Any]) -> tuple[date | None, date | None]:
    if not spec:
        return None, None
    start = validity_start(spec, issued, values)
    if start is None:
        return None, None
    return start, validity_end(spec, start)


def due_reminder(days_before: list[int], sent: list[int], days_left: int) -> tuple[int | None, list[int]]:
    """The reminder to send now (the nearest threshold reached and not sent yet) and every
    threshold it covers (a missed earlier one is not sent late on top of it)."""
    reached = sorted(d for d in days_before if days_left <= d and d not in sent)
    if not reached or days_left < 0:
        return None, []
    return reached[0], reached


def next_reminder_on(valid_until: date | None, days_before: list[int], sent: list[int]) -> date | None:
    """The day the next reminder not yet sent falls due (None: none left)."""
    pending = [d for d in days_before if d not in sent]
    if valid_until is None or not pending:
        return None
    return valid_until - timedelta(days=max(pending))
