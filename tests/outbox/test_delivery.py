"""The outbox performs notifications after commit: SMTP down then up → exactly once; a rolled-back
transition sends nothing; WhatsApp and inbox get the same events; crashes never duplicate."""
from __future__ import annotations

import os
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from tests.outbox.conftest import drain, rows
from tests.workflows.driver import transition

SERVICE = "metrologi_tera"


def accepted(offices) -> tuple[object, int]:
    """A Metrologi application just accepted: the customer is told by email, inbox and WhatsApp."""
    office = offices["metrologi"]
    app_id = office.create(SERVICE, overrides={"jenis_layanan": "tera"}, skip_documents=("skhp_lama",))
    workflow = office.data["workflows"][office.data["services"][SERVICE]["workflow"]]
    response = office.apply(app_id, transition(workflow, "terima"))
    assert response.status_code == 200, response.get_json()
    return office, app_id


def make_due(app, app_id: int) -> None:
    """Let the backoff pass."""
    from app.extensions import db
    from models import OutboxMessage
    from models.base import utcnow

    with app.app_context():
        db.session.execute(update(OutboxMessage).where(OutboxMessage.application_id == app_id,
                                                       OutboxMessage.status == "failed")
                           .values(next_attempt_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()


def mails_of(smtp, app, app_id: int) -> list:
    """What the SMTP server received for this application's outbox rows."""
    ids = {str(r.id) for r in rows(app, app_id, channel="email")}
    return [m for m in smtp.received if m.headers.get("X-SatuPintu-Outbox") in ids]


def customer_email(app, app_id: int) -> str:
    from app.extensions import db
    from models import Application

    with app.app_context():
        return db.session.get(Application, app_id).customer.email


def test_smtp_down_then_back_delivers_each_email_exactly_once(app, offices, delivery):
    smtp, gateway = delivery
    smtp.stop()
    office, app_id = accepted(offices)             # the transition succeeds with SMTP down
    address = customer_email(app, app_id)
    drain(app, app_id)
    emails = rows(app, app_id, channel="email")
    assert emails and all(r.status == "failed" for r in emails)
    assert all("SMTP" in r.last_error and r.attempts == 1 for r in emails)
    assert all(r.status == "sent" for r in rows(app, app_id, channel="inbox"))

    smtp.start()
    drain(app, app_id)                             # the backoff has not passed yet: nothing sent
    assert not mails_of(smtp, app, app_id)
    make_due(app, app_id)
    drain(app, app_id)
    make_due(app, app_id)
    drain(app, app_id)                             # a second pass finds nothing to do
    emails = rows(app, app_id, channel="email")
    assert all(r.status == "sent" and r.attempts == 2 for r in emails), \
        [(r.status, r.attempts, r.last_error, r.recipient_address) for r in emails]
    received = [m for m in mails_of(smtp, app, app_id) if address in m.to]
    assert len(mails_of(smtp, app, app_id)) == len(emails)     # one email per row, no more
    customer_rows = [r for r in emails if r.recipient_address == address]
    # the acknowledgement of the submission and the "Diterima" message, each once
    assert len(received) == len(customer_rows) == 2
    assert {r.template for r in customer_rows} == {"permohonan_diterima", "metrologi_diterima"}
    accepted_row = next(r for r in customer_rows if r.template == "metrologi_diterima")
    mail = next(m for m in received if m.headers["Message-ID"].startswith(f"<outbox-{accepted_row.id}@"))
    assert "DITERIMA" in mail.body and accepted_row.payload["subject"] == mail.subject


def test_a_transition_that_rolls_back_writes_and_sends_nothing(app, offices, delivery, monkeypatch):
    from app.commands.application import effects
    from app.core.errors import ValidationError

    smtp, _ = delivery
    office = offices["metrologi"]
    app_id = office.create(SERVICE, overrides={"jenis_layanan": "tera"}, skip_documents=("skhp_lama",))
    drain(app, app_id)                             # the submission's own messages go first
    before = len(rows(app, app_id))
    real_notify = effects.PERFORMERS["notify"]

    def notify_then_fail(ctx, entries):
        real_notify(ctx, entries)                  # the rows are written ...
        raise ValidationError("gagal setelah notifikasi")   # ... and the transaction rolls back

    monkeypatch.setitem(effects.PERFORMERS, "notify", notify_then_fail)
    workflow = office.data["workflows"][office.data["services"][SERVICE]["workflow"]]
    response = office.apply(app_id, transition(workflow, "terima"))
    assert response.status_code == 422
    monkeypatch.setitem(effects.PERFORMERS, "notify", real_notify)
    assert len(rows(app, app_id)) == before
    sent_before = len(smtp.received)
    drain(app, app_id)
    assert len(smtp.received) == sent_before


def test_whatsapp_and_inbox_receive_the_same_events_as_email(app, offices, delivery):
    from app.extensions import db
    from models import Application, InboxMessage

    smtp, gateway = delivery
    office, app_id = accepted(offices)
    drain(app, app_id)
    customer_rows = [r for r in rows(app, app_id) if r.template == "metrologi_diterima"]
    assert {r.channel for r in customer_rows} == {"email", "inbox", "whatsapp"}
    assert all(r.status == "sent" for r in customer_rows)
    whatsapp = next(r for r in customer_rows if r.channel == "whatsapp")
    calls = [c for c in gateway.calls if c["headers"].get("Idempotency-Key") == f"outbox-{whatsapp.id}"]
    assert len(calls) == 1
    call = calls[0]
    assert call["headers"]["Authorization"] == "Bearer rahasia-gateway"
    assert call["json"]["to"] == whatsapp.recipient_address and call["json"]["message"] == whatsapp.payload["body"]
    with app.app_context():
        application = db.session.get(Application, app_id)
        inbox = db.session.scalars(select(InboxMessage).where(InboxMessage.application_id == app_id,
                                                              InboxMessage.user_id == application.customer_id)).all()
        subject = next(r for r in customer_rows if r.channel == "inbox").payload["subject"]
        inbox = [m for m in inbox if m.subject == subject]
        assert len(inbox) == 1 and inbox[0].read_at is None and inbox[0].subject
        reference = application.reference
    assert reference in call["json"]["message"]
    assert [m for m in mails_of(smtp, app, app_id) if customer_email(app, app_id) in m.to]


def test_gateway_errors_retry_or_give_up(app, offices, delivery):
    smtp, gateway = delivery
    gateway.status_codes[:] = [503]
    office, app_id = accepted(offices)
    drain(app, app_id)
    whatsapp = rows(app, app_id, channel="whatsapp")[0]
    assert whatsapp.status == "failed" and "503" in whatsapp.last_error
    gateway.status_codes[:] = [400]
    make_due(app, app_id)
    drain(app, app_id)
    whatsapp = rows(app, app_id, channel="whatsapp")[0]
    assert whatsapp.status == "dead" and "400" in whatsapp.last_error   # retrying cannot help


def test_a_worker_that_died_mid_way_never_sends_twice(app, offices, delivery):
    from app.extensions import db
    from app.outbox.worker import claim_due, perform, recover_stale
    from models import OutboxMessage
    from models.base import utcnow

    smtp, gateway = delivery
    office, app_id = accepted(offices)
    with app.app_context():
        claims = claim_due(limit=100, application_id=app_id)
        assert claims and not claim_due(limit=100, application_id=app_id)   # claimed once only
        # the worker "dies" here; later the lease runs out
        past = utcnow() - timedelta(hours=1)
        db.session.execute(update(OutboxMessage).where(OutboxMessage.application_id == app_id)
                           .values(claimed_at=past))
        db.session.commit()
        assert perform(claims[0].row_id, claims[0].token) == "skipped"     # a void claim does nothing
        recover_stale()
    after = {r.channel: r for r in rows(app, app_id) if r.template == "metrologi_diterima"}
    assert after["email"].status == "dead" and "tidak dapat dipastikan" in after["email"].last_error
    assert after["whatsapp"].status == "failed" and after["inbox"].status == "failed"
    drain(app, app_id)
    after = {r.channel: r for r in rows(app, app_id) if r.template == "metrologi_diterima"}
    assert after["whatsapp"].status == "sent" and after["inbox"].status == "sent"
    assert not mails_of(smtp, app, app_id)       # the uncertain email is left to an administrator


def test_administrator_retries_a_dead_row_from_the_screen(app, offices, delivery, client):
    smtp, _ = delivery
    smtp.stop()
    office, app_id = accepted(offices)
    address = customer_email(app, app_id)
    drain(app, app_id)
    email = next(r for r in rows(app, app_id, channel="email") if r.recipient_address == address)
    from app.extensions import db
    from models import OutboxMessage

    with app.app_context():
        db.session.execute(update(OutboxMessage).where(OutboxMessage.id == email.id).values(status="dead"))
        db.session.commit()
    smtp.start()
    assert client.post("/login/", data={"username": "admin", "password": "Demo12345"}).status_code == 302
    listing = client.get("/failedoutboxview/list/?_flt_0_status=dead")
    assert listing.status_code == 200 and b"Connection refused" in listing.data
    response = client.post("/failedoutboxview/action_post", data={"action": "retry", "rowid": [str(email.id)]})
    assert response.status_code == 302
    assert rows(app, app_id, channel="email")[0].status in ("pending", "failed", "sent")
    drain(app, app_id)
    assert next(r for r in rows(app, app_id, channel="email") if r.id == email.id).status == "sent"
    assert len([m for m in mails_of(smtp, app, app_id) if address in m.to]) == 1
    client.get("/logout/")


def test_worker_tick_also_runs_the_sla_clock(app):
    from app.outbox.worker import Worker

    with app.app_context():
        counts = Worker(poll=0, sla_every=0).tick()
    assert "sla" in counts and "checked" in counts["sla"]


@pytest.mark.postgres
def test_skip_locked_keeps_a_row_locked_by_another_worker(app, offices, delivery):
    from app.extensions import db
    from app.outbox.worker import claim_due
    from models import OutboxMessage

    office, app_id = accepted(offices)
    with app.app_context():
        assert db.engine.dialect.name == "postgresql"     # FOR UPDATE SKIP LOCKED is PostgreSQL's
        with db.engine.connect() as other:
            locked = other.execute(select(OutboxMessage.id).where(OutboxMessage.application_id == app_id)
                                   .order_by(OutboxMessage.id).limit(1).with_for_update()).scalar_one()
            claimed = {c.row_id for c in claim_due(limit=100, application_id=app_id)}
            other.rollback()
        assert claimed and locked not in claimed


def test_rq_workers_perform_the_same_jobs(app, offices, delivery):
    redis = pytest.importorskip("redis")
    from app.outbox import rq as outbox_rq
    from app.outbox.worker import claim_due

    conn = redis.Redis.from_url("redis://127.0.0.1:6379/15", socket_connect_timeout=0.5)
    try:
        conn.ping()
    except Exception:
        pytest.skip("no Redis on 127.0.0.1:6379")
    smtp, gateway = delivery
    office, app_id = accepted(offices)
    name = f"satupintu-test-{os.getpid()}-{app_id}"   # the SQLite and PostgreSQL suites run at once in CI
    with app.app_context():
        queue = outbox_rq.queue(conn, name)
        claims = claim_due(limit=100, application_id=app_id)
        assert outbox_rq.enqueue_claims(claims, queue) == len(claims)
        outbox_rq.enqueue_claims(claims[:1], queue)            # a duplicate job is harmless
        outbox_rq.run_rq_worker(burst=True, conn=conn, name=name)
    assert all(r.status == "sent" for r in rows(app, app_id))
    assert len(mails_of(smtp, app, app_id)) == len(rows(app, app_id, channel="email"))
    queue.delete(delete_jobs=True)
