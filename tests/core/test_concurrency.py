"""Two requests applying the same transition at the same moment (PostgreSQL: real row locks)."""
from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select

from .helpers import AGENCY, audit_actions, submitted_application

pytestmark = pytest.mark.postgres   # deselected on SQLite (tests/conftest.py)


@pytest.fixture
def slow_effects(monkeypatch):
    """Hold the winner inside its transaction for a moment, so the other request surely overlaps it."""
    from app.commands.application import transition

    original = transition.perform

    def perform(ctx, effects):
        time.sleep(0.3)
        return original(ctx, effects)

    monkeypatch.setattr(transition, "perform", perform)


def race(app, requests: list[tuple[str, dict, dict]]) -> list[tuple[int, dict]]:
    """POST each (path, json, headers) from its own thread, app context and client, all at once."""
    barrier = threading.Barrier(len(requests))
    answers: list = [None] * len(requests)

    def worker(index, path, body, headers):
        with app.app_context():
            client = app.test_client()
            barrier.wait()
            try:
                response = client.post(path, json=body, headers=headers)
                answers[index] = (response.status_code, response.get_json())
            except Exception as error:  # pragma: no cover - reported by the assertion below
                answers[index] = (599, {"exception": repr(error)})

    threads = [threading.Thread(target=worker, args=(i, *request)) for i, request in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return answers


def outbox_rows(app, app_id: int, template: str) -> int:
    from app.extensions import db
    from models import OutboxMessage

    with app.app_context():
        return db.session.scalar(select(func.count(OutboxMessage.id)).where(
            OutboxMessage.application_id == app_id, OutboxMessage.template == template))


def test_two_staff_accept_at_once_one_wins_the_other_gets_409(app, factories, login, slow_effects):
    customer = login(factories.customer())
    first = login(factories.staff(AGENCY, "petugas"))
    second = login(factories.staff(AGENCY, "petugas"))
    app_id = submitted_application(customer, first)
    path = f"/api/v1/application/{app_id}/transition"
    body = {"action": "terima", "fields": {}}

    answers = race(app, [(path, body, {"Authorization": f"Bearer {first.token}"}),
                         (path, body, {"Authorization": f"Bearer {second.token}"})])

    assert sorted(status for status, _ in answers) == [200, 409], answers
    loser = next(body for status, body in answers if status == 409)
    assert loser["error"] == "stale"           # it changed while the loser waited for the row lock
    assert audit_actions(app, app_id).count("terima") == 1
    assert outbox_rows(app, app_id, "diproses") == 2          # email + inbox to the customer, once


def test_same_key_at_once_gets_one_effect_and_the_same_answer_twice(app, factories, login, slow_effects):
    customer = login(factories.customer())
    staff = login(factories.staff(AGENCY, "petugas"))
    app_id = submitted_application(customer, staff)
    path = f"/api/v1/application/{app_id}/transition"
    headers = {"Authorization": f"Bearer {staff.token}", "Idempotency-Key": "double-click"}

    answers = race(app, [(path, {"action": "terima", "fields": {}}, headers)] * 2)

    assert [status for status, _ in answers] == [200, 200], answers
    assert sorted(body["replayed"] for _, body in answers) == [False, True]
    assert answers[0][1]["result"] == answers[1][1]["result"]
    assert audit_actions(app, app_id).count("terima") == 1
    assert outbox_rows(app, app_id, "diproses") == 2
