"""Working days across weekends, national holidays, cuti bersama and agency days off."""
from datetime import date, datetime, timedelta

import pytest

from app.workflow.calendar import WorkingCalendar, sla_status

CAL = WorkingCalendar()


def test_weekend_is_skipped():
    friday = datetime(2026, 11, 20, 10, 0)
    assert CAL.add_working_days(friday, 1) == datetime(2026, 11, 23, 10, 0)  # Monday


def test_christmas_and_joint_leave_are_skipped():
    # Wed 23 Dec 2026 + 1 working day: Thu 24 (cuti bersama), Fri 25 (Christmas), weekend -> Mon 28
    assert CAL.add_working_days(datetime(2026, 12, 23, 9, 30), 1) == datetime(2026, 12, 28, 9, 30)


def test_eid_joint_leave_2026():
    # Tue 17 Mar 2026 + 2 working days: 18 (joint), 19 (Nyepi), 20 (joint), 23, 24 (joint) -> 25, 26
    assert CAL.add_working_days(datetime(2026, 3, 17, 8, 0), 2) == datetime(2026, 3, 26, 8, 0)


def test_start_on_a_day_off_counts_from_the_next_working_day():
    saturday = datetime(2026, 11, 21, 15, 0)
    assert CAL.add_working_days(saturday, 1) == datetime(2026, 11, 24, 0, 0)


def test_agency_extra_day_off():
    cal = WorkingCalendar(extra_days_off=frozenset({date(2026, 11, 23)}))
    assert cal.add_working_days(datetime(2026, 11, 20, 10, 0), 1) == datetime(2026, 11, 24, 10, 0)


def test_minutes_and_hours_are_wall_clock():
    start = datetime(2026, 11, 20, 16, 50)
    assert CAL.add(start, {"minutes": 30}) == start + timedelta(minutes=30)
    assert CAL.add(start, {"hours": 2}) == start + timedelta(hours=2)


def test_remaining_working_days_for_a_paused_clock():
    due = datetime(2026, 11, 27, 10, 0)           # Friday
    now = datetime(2026, 11, 25, 15, 0)           # Wednesday
    assert CAL.remaining(now, due, {"working_days": 5}) == {"working_days": 2}


def test_sla_status_badges():
    now = datetime(2026, 11, 23, 12, 0)
    assert sla_status(now, None) == "none"
    assert sla_status(now, now - timedelta(minutes=1)) == "overdue"
    assert sla_status(now, now + timedelta(hours=3)) == "due_soon"
    assert sla_status(now, now + timedelta(days=3)) == "on_time"


def test_sla_without_unit_is_rejected():
    with pytest.raises(ValueError):
        CAL.add(datetime(2026, 1, 5), {"weeks": 1})


def _walked_working_days(calendar, start, end):
    """The definition, day by day: working days d with start.date() < d <= end.date()."""
    from datetime import timedelta as _td

    count, day = 0, start.date()
    while day < end.date():
        day += _td(days=1)
        count += calendar.is_working_day(day)
    return count


def test_working_days_between_agrees_with_walking_the_days():
    """The arithmetic count (weekdays minus weekday days off, per year) against the walk, over random
    ranges up to three years, across year ends, with extra days off on weekdays and weekends."""
    import random
    from datetime import date as _date, datetime as _dt, timedelta as _td

    from app.workflow.calendar import WorkingCalendar

    rng = random.Random(12)
    extra = frozenset({_date(2026, 12, 28), _date(2026, 12, 26), _date(2027, 1, 4), _date(2025, 6, 2)})
    for calendar in (WorkingCalendar(), WorkingCalendar(extra_days_off=extra)):
        for _ in range(400):
            start = _dt(2024, 1, 1) + _td(minutes=rng.randrange(0, 3 * 365 * 24 * 60))
            end = start + _td(minutes=rng.randrange(-2 * 24 * 60, 3 * 365 * 24 * 60 // rng.choice((1, 30, 365))))
            assert calendar.working_days_between(start, end) == _walked_working_days(calendar, start, end), (start, end)
