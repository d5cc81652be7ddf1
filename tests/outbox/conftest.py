"""Delivery fixtures: the seed offices (shared with tests/workflows), a real SMTP server and a
WhatsApp gateway on loopback, wired into the app's settings for the test."""
from __future__ import annotations

import pytest

from tests.outbox.servers import SmtpServer, WhatsAppGateway
from tests.workflows.conftest import api_client, offices, rules_data  # noqa: F401  (fixtures)


@pytest.fixture(scope="session")
def smtp(app):
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def gateway():
    gateway = WhatsAppGateway()
    url = gateway.start()
    gateway.url = url
    yield gateway
    gateway.stop()


@pytest.fixture
def delivery(app, smtp, gateway, monkeypatch):
    """The app sends to the loopback servers (restored after the test)."""
    smtp.start()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", smtp.port)
    monkeypatch.setitem(app.config, "WHATSAPP_GATEWAY_URL", gateway.url)
    monkeypatch.setitem(app.config, "WHATSAPP_GATEWAY_TOKEN", "rahasia-gateway")
    gateway.status_codes.clear()
    yield smtp, gateway
    smtp.start()


def drain(app, application_id: int | None = None) -> dict:
    from app.outbox.worker import drain as run

    with app.app_context():
        return run(application_id=application_id)


def rows(app, application_id: int, **filters):
    from sqlalchemy import select

    from app.extensions import db
    from models import OutboxMessage

    with app.app_context():
        stmt = select(OutboxMessage).where(OutboxMessage.application_id == application_id)
        for key, value in filters.items():
            stmt = stmt.where(getattr(OutboxMessage, key) == value)
        result = db.session.scalars(stmt.order_by(OutboxMessage.id)).all()
        db.session.expunge_all()
        return result
