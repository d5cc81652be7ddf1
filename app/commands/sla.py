"""Fire the configured overdue behaviour of every application whose state deadline has passed."""
from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select

from app.commands.application.transition import ApplicationTransitionCommand
from app.errors import SatuPintuError
from app.extensions import db
from app.notify import notification_context, queue_notifications
from app.rules_state import rules_state
from app.sla import FINAL_KINDS
from models import Application, AuditEvent
from app.formatting import as_utc
from models.base import utcnow

log = logging.getLogger(__name__)


class SlaTickCommand:
    def __init__(self, now: datetime | None = None, limit: int = 500):
        self.now = as_utc(now) if now else utcnow()
        self.limit = limit

    def run(self) -> dict:
        ids = db.session.scalars(
            select(Application.id).where(Application.state_due_at <= self.now,
                                         Application.state_overdue_handled.is_(False),
                                         Application.state_kind.not_in(FINAL_KINDS))
            .order_by(Application.state_due_at).limit(self.limit)).all()
        counts = {"checked": len(ids), "notified": 0, "fired": 0, "failed": 0}
        for app_id in ids:
            for key in self._handle(app_id):
                counts[key] += 1
        return counts

    def _handle(self, app_id: int) -> list[str]:
        """Fire the configured action first (it moves the application on); if there is none, or it
        is refused, mark the overdue state handled and send the configured notifications."""
        session = db.session
        application = session.get(Application, app_id)
        data = rules_state().rules_for(application.rules_version_id).data
        workflow = data["workflows"][data["services"][application.service_type.key]["workflow"]]
        overdue = workflow["states"][application.state].get("on_overdue") or {}
        outcome = []
        if overdue.get("fire"):
            try:
                ApplicationTransitionCommand(app_id, None, overdue["fire"], system=True, now=self.now).run()
                return ["fired"]
            except SatuPintuError as error:
                log.warning("SLA action %s on application %s refused: %s", overdue["fire"], app_id, error.text)
                outcome.append("failed")
        application = session.scalar(select(Application).where(Application.id == app_id).with_for_update())
        if application is None or application.state_overdue_handled:
            session.rollback()
            return outcome
        application.state_overdue_handled = True
        if overdue.get("notify"):
            event = AuditEvent(application_id=application.id, action="sla_overdue",
                               action_label="Batas waktu terlampaui", timeline_label="Batas waktu terlampaui",
                               from_state=application.state, to_state=application.state,
                               actor_roles=["system"], values={}, created_at=self.now,
                               rules_version_id=application.rules_version_id)
            session.add(event)
            session.flush()
            queue_notifications(overdue["notify"], application, data, actor=None,
                                context=notification_context(application, data, actor=None),
                                audit_event_id=event.id)
            outcome.append("notified")
        session.commit()
        return outcome
