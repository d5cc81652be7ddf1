"""Times at the database boundary and deadlines in the agency's zone.

- every stored time comes back aware (UTC) — SQLite and PostgreSQL ``timestamp`` return naive values;
- a naive datetime is refused when stored, compared in a query, or given to a command as ``now``;
- a deadline in days ends at 23:59:59 of a working day in the agency's zone: never a Saturday,
  a Sunday, a national holiday or cuti bersama.
"""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.exc import StatementError

from app.core.formatting import NaiveDatetimeError

UTC = timezone.utc


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield
        from app.extensions import db
        db.session.rollback()
        db.session.remove()


def test_stored_times_come_back_aware_in_utc(ctx):
    from app.extensions import db
    from models import NumberSequence

    when = datetime(2026, 12, 31, 23, 30, tzinfo=timezone.utc).astimezone()  # any aware zone
    row = NumberSequence(scope="h7-test-aware", value=1, updated_at=when)
    db.session.add(row)
    db.session.commit()
    db.session.expire_all()
    loaded = db.session.scalar(select(NumberSequence).where(NumberSequence.scope == "h7-test-aware"))
    assert loaded.updated_at == when
    assert loaded.updated_at.tzinfo is not None and loaded.updated_at.utcoffset().total_seconds() == 0
    # the raw column holds the UTC wall-clock time
    raw = db.session.execute(select(NumberSequence.__table__.c.updated_at.cast(db.String))
                             .where(NumberSequence.scope == "h7-test-aware")).scalar()
    assert raw.startswith("2026-12-31 23:30:00")
    db.session.delete(loaded)
    db.session.commit()


@pytest.mark.parametrize("naive", [datetime(2026, 11, 29, 17, 29), datetime(2026, 12, 31, 23, 30, 0, 1)])
def test_naive_datetimes_are_refused_when_stored(ctx, naive):
    from app.extensions import db
    from models import NumberSequence

    db.session.add(NumberSequence(scope="h7-test-naive", value=1, updated_at=naive))
    with pytest.raises(StatementError) as raised:
        db.session.flush()
    assert isinstance(raised.value.orig, NaiveDatetimeError)


def test_naive_datetimes_are_refused_in_a_query(ctx):
    from app.extensions import db
    from models import Application

    with pytest.raises(StatementError) as raised:
        db.session.scalar(select(Application.id).where(Application.due_at < datetime(2026, 11, 29)))
    assert isinstance(raised.value.orig, NaiveDatetimeError)


@pytest.mark.parametrize("command", ["create", "transition", "sla"])
def test_commands_refuse_a_naive_now(ctx, command):
    from app.commands.application.create import CreateApplicationCommand
    from app.commands.application.transition import ApplicationTransitionCommand
    from app.commands.sla import SlaTickCommand

    naive = datetime(2026, 11, 29, 17, 29)
    with pytest.raises(NaiveDatetimeError):
        if command == "create":
            CreateApplicationCommand(None, "kaltim_sipa", now=naive)
        elif command == "transition":
            ApplicationTransitionCommand(1, None, "kirim", now=naive)
        else:
            SlaTickCommand(now=naive)


# ------------------------------------------------------------------ deadlines

def clock(zone: str, extra_days_off=()):
    from app.commands.application.sla_clock import SlaClock
    from models import Agency

    return SlaClock({"calendar": {"country": "ID", "categories": ["public", "government"]},
                     "agencies": {"h7": {"extra_days_off": list(extra_days_off)}}},
                    Agency(key="h7", timezone=zone))


def wall(zone_hours: int, y, m, d, hh=23, mm=59, ss=59) -> datetime:
    """A local wall-clock time in a zone ``zone_hours`` ahead of UTC, as aware UTC."""
    from datetime import timedelta
    return datetime(y, m, d, hh, mm, ss, tzinfo=UTC) - timedelta(hours=zone_hours)


@pytest.mark.parametrize("zone, hours", [("Asia/Jakarta", 7), ("Asia/Makassar", 8), ("Asia/Jayapura", 9)])
@pytest.mark.parametrize("start, sla, due, why", [
    # Friday 27 Nov 2026 10:00 + 1 working day -> Monday 30 Nov, end of day (the weekend skipped)
    ((2026, 11, 27, 10), {"working_days": 1}, (2026, 11, 30), "weekend"),
    # Monday 30 Nov 10:00 + 5 working days -> Monday 7 Dec (not Sunday 6 Dec)
    ((2026, 11, 30, 10), {"working_days": 5}, (2026, 12, 7), "five working days over a weekend"),
    # Tuesday 22 Dec + 1 working day -> Wed 23; + 2 -> Mon 28 (24 cuti bersama, 25 Christmas, 26-27 weekend)
    ((2026, 12, 22, 10), {"working_days": 1}, (2026, 12, 23), "plain working day"),
    ((2026, 12, 22, 10), {"working_days": 2}, (2026, 12, 28), "cuti bersama + Christmas + weekend"),
    # 7 calendar days from Friday 27 Nov land on Friday 4 Dec; from Saturday 28 Nov on Saturday 5 Dec -> Monday 7 Dec
    ((2026, 11, 27, 10), {"days": 7}, (2026, 12, 4), "calendar days on a working day"),
    ((2026, 11, 28, 10), {"days": 7}, (2026, 12, 7), "calendar days ending on a Saturday"),
    # 17 Dec + 7 days = 24 Dec (cuti bersama) -> 28 Dec
    ((2026, 12, 17, 10), {"days": 7}, (2026, 12, 28), "calendar days ending on cuti bersama"),
    # 31 Dec 2026 + 1 working day crosses the year: 1 Jan is a holiday -> Monday 4 Jan 2027
    ((2026, 12, 31, 10), {"working_days": 1}, (2027, 1, 4), "new year"),
])
def test_deadlines_in_days_end_with_a_working_day_in_the_agencys_zone(ctx, zone, hours, start, sla, due, why):
    from app.core.formatting import format_datetime

    begin = wall(hours, *start, 0, 0)
    result = clock(zone).due(begin, sla)
    assert result == wall(hours, *due), why
    assert format_datetime(result, zone).endswith("23.59 " + {7: "WIB", 8: "WITA", 9: "WIT"}[hours])


def test_an_agency_day_off_moves_the_deadline_too(ctx):
    result = clock("Asia/Makassar", ["2026-12-07"]).due(wall(8, 2026, 11, 30, 10, 0, 0), {"working_days": 5})
    assert result == wall(8, 2026, 12, 8)


def test_deadlines_in_hours_stay_exact(ctx):
    begin = wall(8, 2026, 11, 27, 16, 50, 0)
    assert clock("Asia/Makassar").due(begin, {"hours": 2}) == wall(8, 2026, 11, 27, 18, 50, 0)
    assert clock("Asia/Makassar").due(begin, {"minutes": 30}) == wall(8, 2026, 11, 27, 17, 20, 0)
