"""Kaltim's standard time (14 working days, WITA) pauses while the applicant revises.

Worked by hand on the November 2026 calendar (no holiday between 2 and 25 November):
- submitted Mon 2 Nov 09:00 WITA -> due Fri 20 Nov (3,4,5,6, 9-13, 16-20 = 14 days);
- returned for revision Wed 4 Nov 09:00: 12 working days remain (5,6, 9-13, 16-20); the revision
  itself must be in by Wed 11 Nov (5 working days);
- revision submitted Mon 9 Nov 09:00 -> due Wed 25 Nov (10-13, 16-20, 23-25 = 12 days).
A deadline in days ends with its working day: 23:59:59 WITA.
"""
import io
from datetime import datetime, timezone


WITA_OFFSET_HOURS = 8


def utc(day: int, hour: int = 9) -> datetime:
    return datetime(2026, 11, day, hour - WITA_OFFSET_HOURS, 0, tzinfo=timezone.utc)


def end_of(day: int) -> datetime:
    """23:59:59 WITA on ``day`` November 2026, in UTC."""
    return datetime(2026, 11, day, 23 - WITA_OFFSET_HOURS, 59, 59, tzinfo=timezone.utc)


def test_revision_stops_the_kaltim_clock(app, offices):
    from app.commands.application.transition import ApplicationTransitionCommand
    from app.extensions import db
    from app.storage.files import IncomingFile
    from models import Application, User
    from app.demo.autofill import sample_file

    office = offices["kaltim"]
    app_id = office.create("kaltim_sipa")
    customer_id = office.customer_for("kaltim_sipa").user_id
    verifier_id = office.staff["verifikator"].user_id
    with app.app_context():
        application = db.session.get(Application, app_id)
        # pretend it was submitted on Monday 2 November 09:00 WITA
        from app.commands.application.sla_clock import SlaClock
        data = app.extensions["satupintu.rules"].file_rules.data
        clock = SlaClock(data, application.agency)
        application.submitted_at = utc(2)
        application.due_at = clock.due(utc(2), {"working_days": 14})
        db.session.commit()
        assert application.due_at == end_of(20)

        verifier = db.session.get(User, verifier_id)
        ApplicationTransitionCommand(app_id, verifier, "kembalikan_revisi",
                                     fields={"catatan": "Lengkapi hasil uji pemompaan."}, now=utc(4)).run()
        application = db.session.get(Application, app_id)
        assert application.state == "revisi"
        assert application.sla_paused["remaining"] == {"working_days": 12}
        assert application.state_due_at == end_of(11)          # five working days to revise

        customer = db.session.get(User, customer_id)
        content, name = sample_file(["pdf"])

        class Upload(io.BytesIO):
            filename = name

        ApplicationTransitionCommand(app_id, customer, "kirim_revisi", now=utc(9),
                                     files={"uji_pemompaan": IncomingFile.from_storage(Upload(content + b"%revisi"))}).run()
        application = db.session.get(Application, app_id)
        assert application.state == "verifikasi"
        assert application.sla_paused is None
        assert application.due_at == end_of(25)
