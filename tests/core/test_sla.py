"""Deadlines in working days (weekends, 2026 holidays and cuti bersama skipped), the service's
standard time paused while it is the customer's turn, and `flask sla tick` acting once.

Times are UTC; the agency works in Asia/Jakarta (UTC+7), so 03:00 UTC is 10:00 WIB. A deadline
counted in days ends with its working day: 23:59:59 WIB, i.e. 16:59:59 UTC.
"""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from .helpers import AGENCY, DOCS, PDF, SERVICE, incoming


def at(day: str) -> datetime:
    """10:00 WIB on ``day`` (YYYY-MM-DD), in UTC."""
    return datetime.fromisoformat(f"{day}T03:00:00").replace(tzinfo=timezone.utc)


def end_of(day: str) -> datetime:
    """The close of the working day ``day`` in WIB (23:59:59), in UTC."""
    return datetime.fromisoformat(f"{day}T16:59:59").replace(tzinfo=timezone.utc)


@pytest.fixture
def run(app):
    """Run commands inside one app context, as the CLI and the views do."""
    with app.app_context():
        yield


def user(user_tuple):
    from app.extensions import db
    from models import User

    return db.session.get(User, user_tuple[0])


def create(customer, now: datetime) -> int:
    from app.commands.application.create import CreateApplicationCommand

    files = {key: incoming(data, name) for key, (data, name) in DOCS.items()}
    return CreateApplicationCommand(user(customer), SERVICE, fields={"jenis": "biasa"}, files=files,
                                    now=now).run().id


def transition(app_id: int, actor, action: str, now: datetime, **kwargs):
    from app.commands.application.transition import ApplicationTransitionCommand

    return ApplicationTransitionCommand(app_id, user(actor), action, now=now, **kwargs).run()


def application(app_id: int):
    from app.extensions import db
    from models import Application

    db.session.expire_all()
    return db.session.get(Application, app_id)


def test_working_days_skip_weekend_holiday_and_cuti_bersama_and_pause_for_the_customer(
        run, factories):
    customer, staff = factories.customer(), factories.staff(AGENCY, "petugas")
    app_id = create(customer, at("2026-05-12"))
    assert application(app_id).submitted_at is None          # a draft is not submitted yet

    # Wed 13 May: Thu 14 (Kenaikan Isa Almasih) and Fri 15 (cuti bersama), the weekend, then
    # Mon 18, Tue 19, Wed 20 are the three working days of `terkirim`.
    transition(app_id, customer, "kirim", at("2026-05-13"))
    app = application(app_id)
    assert app.state_due_at == end_of("2026-05-20")
    # the service's 10 working days: 18-22, 25, 26, (27 Iduladha, 28 cuti bersama), 29,
    # (30-31 weekend, 1 June Pancasila), 2, 3 June
    assert (app.submitted_at, app.due_at) == (at("2026-05-13"), end_of("2026-06-03"))

    # Tue 19 May: back to the customer; the clock stops with 8 working days left (20 May - 3 June)
    transition(app_id, staff, "minta_revisi", at("2026-05-19"), fields={"catatan": "KTP buram"})
    app = application(app_id)
    assert app.state == "revisi" and app.state_due_at is None
    assert app.sla_paused == {"since": "2026-05-19T03:00:00+00:00", "remaining": {"working_days": 8}}
    assert app.deadlines == {"revisi": "2026-05-26T16:59:59+00:00"}   # 5 working days to fix it

    # Fri 22 May: the customer answers after 3 working days (20, 21, 22); the standard time
    # resumes, shifted by those 3 working days: 3 June -> 8 June (4, 5, [6-7 weekend], 8)
    transition(app_id, customer, "kirim_revisi", at("2026-05-22"),
               files={"surat": incoming(PDF, "surat-perbaikan.pdf")})
    app = application(app_id)
    assert app.state == "terkirim"
    assert app.sla_paused is None and app.deadlines == {}
    assert app.due_at == end_of("2026-06-08")
    assert app.state_due_at == end_of("2026-05-29")              # 25, 26, 29 May
    assert app.submitted_at == at("2026-05-13")              # submission is not moved


def events(app_id: int, action: str):
    from app.extensions import db
    from models import AuditEvent

    return db.session.scalars(select(AuditEvent).where(AuditEvent.application_id == app_id,
                                                       AuditEvent.action == action)).all()


def outbox_count(app_id: int, template: str) -> int:
    from app.extensions import db
    from models import OutboxMessage

    return db.session.scalar(select(func.count(OutboxMessage.id)).where(
        OutboxMessage.application_id == app_id, OutboxMessage.template == template))


def test_sla_tick_notifies_and_fires_once(app, run, factories):
    from app.security.access import users_with_role
    from app.commands.sla import SlaTickCommand

    customer, staff = factories.customer(), factories.staff(AGENCY, "petugas")
    # waits in `terkirim` (3 working days, then notify the petugas)
    late_review = create(customer, at("2026-05-04"))
    transition(late_review, customer, "kirim", at("2026-05-04"))
    # waits for payment (7 calendar days, then cancelled by the system)
    unpaid = create(customer, at("2026-05-04"))
    transition(unpaid, customer, "kirim", at("2026-05-04"))
    transition(unpaid, staff, "terima", at("2026-05-05"))
    transition(unpaid, staff, "tagih", at("2026-05-05"), fields={"biaya": 100000})
    assert application(late_review).state_due_at == end_of("2026-05-07")
    assert application(unpaid).state_due_at == end_of("2026-05-12")

    SlaTickCommand(now=at("2026-05-06")).run()               # nothing is due yet
    assert not events(late_review, "sla_overdue") and application(unpaid).state == "menunggu_bayar"

    for _ in range(2):                                        # the second tick must do nothing
        SlaTickCommand(now=at("2026-05-13")).run()

    overdue = events(late_review, "sla_overdue")
    assert len(overdue) == 1 and overdue[0].actor_id is None and overdue[0].actor_roles == ["system"]
    petugas = users_with_role("petugas", application(late_review).agency_id,
                              application(late_review).service_type_id)
    assert staff[0] in {u.id for u in petugas}
    assert outbox_count(late_review, "sla_terlambat") == 2 * len(petugas)   # email + inbox each
    assert application(late_review).state == "terkirim"

    app_ = application(unpaid)
    assert (app_.state, app_.state_kind, app_.closed_at) == ("dibatalkan", "final_cancelled",
                                                             at("2026-05-13"))
    fired = events(unpaid, "batal_otomatis")
    assert len(fired) == 1 and fired[0].actor_id is None and fired[0].actor_roles == ["system"]
    assert fired[0].from_state == "menunggu_bayar"

    # the CLI runs the same command (with the real clock): still nothing more for these two
    result = app.test_cli_runner().invoke(args=["sla", "tick"])
    assert result.exit_code == 0, result.output
    assert len(events(late_review, "sla_overdue")) == 1 and len(events(unpaid, "batal_otomatis")) == 1


@pytest.mark.parametrize("moment, exit_code", [
    ("2020-01-06T08:00", 0),            # as documented: no offset means UTC
    ("2020-01-06T15:00+08:00", 0),      # an offset is honoured
    ("2020-01-06", 0),                  # a day: its midnight UTC
    ("6 Januari 2020", 2),              # not ISO: the option's own error, not a traceback
])
def test_sla_tick_now_takes_the_documented_forms(app, moment, exit_code):
    """`flask sla tick --now` rehearses deadlines and expiry reminders (README); a time without an
    offset once reached the queries naive and the command died with NaiveDatetimeError."""
    result = app.test_cli_runner().invoke(args=["sla", "tick", "--now", moment])
    assert result.exit_code == exit_code, (result.output, result.exception)
    if exit_code == 0:
        assert "reminders_checked" in result.output
    else:
        assert "--now" in result.output
