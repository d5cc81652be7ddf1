"""/healthz and /readyz: no login, 200 or 503 with each check's result and nothing secret."""
from __future__ import annotations

import json

import pytest

from tests.conftest import settle_outbox_backlog
from tests.ops.conftest import ON_POSTGRESQL, PG_URL, TcpProxy, closed_port_url, make_app
from tests.outbox.servers import free_port


@pytest.fixture
def beating(app):
    """A worker heartbeat written just now by the worker's own code."""
    from app.outbox.worker import Worker

    with app.app_context():
        Worker(poll=0, sla_every=3600).beat()


def test_healthz_answers_without_touching_the_database(tmp_path):
    application = make_app(tmp_path, closed_port_url())
    response = application.test_client().get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


def test_ready_with_the_database_a_fresh_worker_heartbeat_and_a_small_backlog(app, client, beating, monkeypatch):
    # the session's shared database holds whatever earlier tests left waiting: "small" is below the limit
    from sqlalchemy import func, select

    from app.extensions import db
    from app.ops.checks import DUE_STATUSES
    from models import OutboxMessage
    with app.app_context():
        waiting = db.session.scalar(select(func.count()).select_from(OutboxMessage)
                                    .where(OutboxMessage.status.in_(DUE_STATUSES)))
    monkeypatch.setitem(app.config, "READY_OUTBOX_BACKLOG_MAX", waiting + 10)
    response = client.get("/readyz")
    body = response.get_json()
    assert response.status_code == 200, body
    assert body["status"] == "ready"
    assert body["checks"]["database"] == {"ok": True}
    assert body["checks"]["worker"]["ok"] and body["checks"]["worker"]["age_seconds"] < 60
    assert body["checks"]["outbox"]["ok"] and isinstance(body["checks"]["outbox"]["backlog"], int)
    assert body["checks"]["redis"] == {"ok": True, "configured": False}


def test_the_worker_loop_writes_the_heartbeat(app):
    from sqlalchemy import select

    from app.extensions import db
    from app.outbox.heartbeat import worker_name
    from app.outbox.worker import Worker
    from models import WorkerHeartbeat

    with app.app_context():
        db.session.query(WorkerHeartbeat).filter(WorkerHeartbeat.name == worker_name()).delete()
        db.session.commit()
        Worker(poll=0, sla_every=3600).tick()
        row = db.session.scalar(select(WorkerHeartbeat).where(WorkerHeartbeat.name == worker_name()))
        assert row is not None and row.kind == "outbox"


def test_unready_when_the_worker_heartbeat_is_stale(app, client, monkeypatch):
    from datetime import timedelta

    from app.extensions import db
    from app.outbox.heartbeat import beat
    from models import WorkerHeartbeat
    from models.base import utcnow

    with app.app_context():
        db.session.query(WorkerHeartbeat).delete()
        db.session.commit()
    body = client.get("/readyz").get_json()
    assert body["status"] == "unready" and body["checks"]["worker"] == {"ok": False, "age_seconds": None}
    with app.app_context():
        beat("host-a:1", now=utcnow() - timedelta(minutes=10))
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["worker"]["ok"] is False
    assert response.get_json()["checks"]["worker"]["age_seconds"] >= 599
    monkeypatch.setitem(app.config, "READY_WORKER_MAX_AGE_SECONDS", 0)   # a deployment without the check
    assert client.get("/readyz").get_json()["checks"]["worker"] == {"ok": True}


def test_unready_when_the_outbox_backlog_passes_the_threshold(app, client, beating, monkeypatch):
    from app.extensions import db
    from models import OutboxMessage

    with app.app_context():
        db.session.add(OutboxMessage(kind="notification", channel="email", recipient_address="x@example.test",
                                     payload={"subject": "s", "body": "b"}))
        db.session.commit()
        backlog = client.get("/readyz").get_json()["checks"]["outbox"]["backlog"]
    assert backlog >= 1
    monkeypatch.setitem(app.config, "READY_OUTBOX_BACKLOG_MAX", backlog - 1)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["outbox"] == {"ok": False, "backlog": backlog}


def test_unready_when_a_configured_redis_is_down(app, client, beating, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", f"redis://:s3cret-pass@127.0.0.1:{free_port()}/0")
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["redis"] == {"ok": False, "configured": True}
    assert "s3cret" not in response.get_data(as_text=True)
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:6379/13")
    assert client.get("/readyz").get_json()["checks"]["redis"] == {"ok": True, "configured": True}


def test_unready_when_the_database_is_unreachable_and_the_body_tells_no_secret(tmp_path):
    url = closed_port_url().replace("postgres@", "postgres:db-pa55word@")
    response = make_app(tmp_path, url).test_client().get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "unready" and body["checks"]["database"] == {"ok": False}
    assert body["checks"]["worker"]["ok"] is False and body["checks"]["outbox"]["ok"] is False
    text = json.dumps(body)
    for secret in ("db-pa55word", "127.0.0.1", "satupintu_gone", "refused", "postgres"):
        assert secret not in text


# Defined only on a PostgreSQL run (CI runs the suite on both), so a SQLite run has nothing skipped.
if ON_POSTGRESQL:
    def test_readyz_follows_postgresql_stopping_and_starting_again(app, tmp_path):
        """The app reaches the shared PostgreSQL through a proxy; closing the proxy is PostgreSQL
        stopping as far as the app can tell (its pooled connections break too)."""
        from sqlalchemy.engine import make_url

        from app.outbox.heartbeat import beat

        target = make_url(PG_URL)
        proxy = TcpProxy(target.host or "127.0.0.1", target.port or 5432)
        proxy.start()
        application = make_app(tmp_path, target.set(port=proxy.port).render_as_string(hide_password=False))
        client = application.test_client()
        try:
            with app.app_context():
                beat()
            # what earlier tests left waiting in the shared database is not this test's backlog
            settle_outbox_backlog(app)
            assert client.get("/readyz").status_code == 200, client.get("/readyz").get_json()
            proxy.stop()
            response = client.get("/readyz")
            assert response.status_code == 503 and response.get_json()["checks"]["database"] == {"ok": False}
            proxy.start()
            assert client.get("/readyz").status_code == 200
        finally:
            proxy.stop()
            with application.app_context():
                from app.extensions import db
                db.engine.dispose()
