"""The periodic tick: fire the configured overdue behaviour of every application whose state
deadline has passed and of every unpaid invoice past its due date, and remind holders of
documents that expire (each reminder once per document)."""
from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import select

from app.commands.application.transition import ApplicationTransitionCommand, auto_transitions, run_auto_steps
from app.core.errors import N_, SatuPintuError
from app.extensions import db
from app.outbox.notify import format_date, notification_context, queue_notifications, rupiah
from app.rules.model import Rules
from app.commands.rules.state import rules_state
from app.core.formatting import as_utc
from app.commands.application.sla_clock import FINAL_KINDS, SlaClock, to_local
from app.workflow.effects import effect_name_and_args
from app.workflow.fields import label_text
from app.workflow.validity import due_reminder, next_reminder_on
from models import Application, AuditEvent, GeneratedDocument, Payment, ServiceType
from models.base import utcnow

log = logging.getLogger(__name__)


def system_event(session, application: Application, action: str, label: str, timeline_label: str,
                 now: datetime) -> AuditEvent:
    """An audit event the system writes without changing the state (a missed deadline, an overdue
    invoice), flushed so that notifications can point at it."""
    event = AuditEvent(application_id=application.id, action=action, action_label=label,
                       timeline_label=timeline_label, from_state=application.state, to_state=application.state,
                       actor_roles=["system"], values={}, created_at=now,
                       rules_version_id=application.rules_version_id)
    session.add(event)
    session.flush()
    return event


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
        invoices = InvoiceOverdueTick(self.now, self.limit).run()
        reminders = ValidityReminderTick(self.now, self.limit).run()
        automatic = DelayedAutoStepTick(self.now, self.limit).run()
        counts.update({f"invoices_{k}": v for k, v in invoices.items()})
        counts.update({f"reminders_{k}": v for k, v in reminders.items()})
        counts.update({f"auto_{k}": v for k, v in automatic.items()})
        return counts

    def _handle(self, app_id: int) -> list[str]:
        """Fire the configured action first (it moves the application on); if there is none, or it
        is refused, mark the overdue state handled and send the configured notifications."""
        session = db.session
        application = session.get(Application, app_id)
        rules = rules_state().rules_for(application.rules_version_id)
        overdue = rules.state_for(application.service_type.key, application.state).get("on_overdue") or {}
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
            event = system_event(session, application, "sla_overdue", N_("Batas waktu terlampaui"),
                                 N_("Batas waktu terlampaui"), self.now)
            queue_notifications(overdue["notify"], application, rules, actor=None,
                                context=notification_context(application, rules, actor=None),
                                audit_event_id=event.id)
            outcome.append("notified")
        session.commit()
        return outcome


def invoice_overdue_spec(rules: Rules, application: Application, payment: Payment) -> dict:
    """The ``on_overdue`` of the ``create_invoice`` effect of the action that issued ``payment``."""
    for transition in rules.transitions_for(application.service_type.key):
        if transition.get("action") != payment.opened_by:
            continue
        for effect in transition.get("effects") or []:
            name, args = effect_name_and_args(effect)
            if name == "create_invoice":
                return args.get("on_overdue") or {}
    return {}


def invoice_context(application: Application, payment: Payment) -> dict:
    tz = application.agency.timezone or "Asia/Jakarta"
    return {"amount": rupiah(payment.amount), "billing_code": payment.billing_code or "",
            "due": format_date(payment.due_at, with_time=True, zone=tz) if payment.due_at else ""}


class InvoiceOverdueTick:
    """Unpaid invoices past their due date: the rules' ``on_overdue`` of the invoice (fire an
    action and/or notify), once per invoice."""

    def __init__(self, now: datetime, limit: int = 500):
        self.now, self.limit = now, limit

    def run(self) -> dict:
        ids = db.session.scalars(
            select(Payment.id).join(Application, Application.id == Payment.application_id)
            .where(Payment.status == "unpaid", Payment.due_at <= self.now, Payment.overdue_handled.is_(False),
                   Payment.superseded_at.is_(None), Application.state_kind.not_in(FINAL_KINDS))
            .order_by(Payment.due_at).limit(self.limit)).all()
        counts = {"checked": len(ids), "notified": 0, "fired": 0, "failed": 0}
        for payment_id in ids:
            for key in self._handle(payment_id):
                counts[key] += 1
        return counts

    def _handle(self, payment_id: int) -> list[str]:
        session = db.session
        payment = session.scalar(select(Payment).where(Payment.id == payment_id).with_for_update())
        if payment is None or payment.overdue_handled or payment.status != "unpaid":
            session.rollback()
            return []
        application = payment.application
        rules = rules_state().rules_for(application.rules_version_id)
        overdue = invoice_overdue_spec(rules, application, payment)
        payment.overdue_handled = True
        outcome = []
        event = None
        if overdue.get("notify"):
            event = system_event(session, application, "invoice_overdue", N_("Tagihan jatuh tempo"),
                                 N_("Tagihan melewati batas waktu pembayaran"), self.now)
            context = notification_context(application, rules, actor=None)
            context["invoice"] = invoice_context(application, payment)
            queue_notifications(overdue["notify"], application, rules, actor=None, context=context,
                                audit_event_id=event.id)
            outcome.append("notified")
        session.commit()
        if overdue.get("fire"):
            try:
                ApplicationTransitionCommand(application.id, None, overdue["fire"], system=True, now=self.now).run()
                outcome.append("fired")
            except SatuPintuError as error:
                log.warning("Invoice overdue action %s on application %s refused: %s", overdue["fire"],
                            application.id, error.text)
                outcome.append("failed")
        return outcome


def extension_link(application: Application) -> str:
    base = current_app.config["PORTAL_BASE_URL"].rstrip("/")
    return f"{base}/portal/ajukan/{application.service_type.key}?perpanjang={application.id}"


class ValidityReminderTick:
    """Documents whose validity ends within a reminder's ``days_before`` (agency-local dates):
    notify as the rules say, once per document and reminder."""

    def __init__(self, now: datetime, limit: int = 500):
        self.now, self.limit = now, limit

    def run(self) -> dict:
        # remind_on is an agency-local day; a day past UTC's covers every Indonesian zone, the
        # exact local test is per document
        ids = db.session.scalars(
            select(GeneratedDocument.id)
            .where(GeneratedDocument.remind_on <= self.now.date() + timedelta(days=1),
                   GeneratedDocument.status == "ready")
            .order_by(GeneratedDocument.remind_on).limit(self.limit)).all()
        counts = {"checked": len(ids), "sent": 0}
        for document_id in ids:
            if self._handle(document_id):
                counts["sent"] += 1
        return counts

    def _handle(self, document_id: int) -> bool:
        session = db.session
        doc = session.scalar(select(GeneratedDocument).where(GeneratedDocument.id == document_id).with_for_update())
        application = doc.application
        rules = rules_state().rules_for(application.rules_version_id)
        spec = rules.document(doc.doc_key) if rules.has_document(doc.doc_key) else {}
        remind = (spec.get("validity") or {}).get("remind") or {}
        today = to_local(self.now, application.agency.timezone or "Asia/Jakarta").date()
        days_left = (doc.valid_until - today).days
        sent = list(doc.reminders_sent or [])
        days_before = list(remind.get("days_before") or [])
        threshold, covered = due_reminder(days_before, sent, days_left)
        if threshold is None:
            if days_left < 0 or not days_before:        # expired, or the rules no longer remind
                doc.remind_on = None
                session.commit()
            else:                                         # not yet due in the agency's zone
                session.rollback()
            return False
        doc.reminders_sent = sorted({*sent, *covered})
        doc.remind_on = next_reminder_on(doc.valid_until, days_before, doc.reminders_sent)
        event = AuditEvent(application_id=application.id, action="validity_reminder",
                           action_label=N_("Pengingat masa berlaku"),
                           timeline_label=f"Pengingat: {label_text(spec.get('label')) or doc.doc_key} "
                                          f"berakhir {format_date(doc.valid_until)}",
                           from_state=application.state, to_state=application.state,
                           actor_roles=["system"], values={}, created_at=self.now,
                           rules_version_id=application.rules_version_id)
        session.add(event)
        session.flush()
        context = notification_context(application, rules, actor=None)
        context["document"] = {"label": label_text(spec.get("label")) or doc.doc_key, "number": doc.number or "",
                               "valid_from": format_date(doc.valid_from), "valid_until": format_date(doc.valid_until),
                               "days_left": days_left}
        context["links"]["extension"] = extension_link(application)
        queue_notifications(remind.get("notify") or [], application, rules, actor=None, context=context,
                            audit_event_id=event.id)
        session.commit()
        return True


class DelayedAutoStepTick:
    """Automatic steps after a delay (``auto: {after_working_days: N}``): once an application has
    been N working days (the agency's calendar) in the step's from-state, the system performs it
    (then any immediate automatic steps of the state it leads to). A step whose guards do not hold
    is tried again at the next tick; the application stays meanwhile."""

    def __init__(self, now: datetime, limit: int = 500):
        self.now, self.limit = now, limit

    def run(self) -> dict:
        session = db.session
        counts = {"checked": 0, "fired": 0, "waiting": 0}
        # the (rules version, service, state) of open applications; only those whose state has a
        # delayed step are looked at one by one
        groups = session.execute(
            select(Application.rules_version_id, ServiceType.key, Application.state)
            .join(ServiceType, ServiceType.id == Application.service_type_id)
            .where(Application.state_kind.not_in(FINAL_KINDS)).distinct()).all()
        for version_id, service_key, state in groups:
            rules = rules_state().rules_for(version_id)
            if not rules.has_service(service_key):
                continue
            delays = [t.auto_delay() for t in auto_transitions(rules, service_key, state, delayed=True)]
            if not delays:
                continue
            shortest = min(delays)
            # N working days are at least N calendar days: a cheap bound before the calendar's count
            ids = session.scalars(
                select(Application.id).join(ServiceType, ServiceType.id == Application.service_type_id)
                .where(Application.rules_version_id == version_id, ServiceType.key == service_key,
                       Application.state == state, Application.state_entered_at <= self.now - timedelta(days=shortest))
                .order_by(Application.state_entered_at).limit(self.limit)).all()
            for app_id in ids:
                counts["checked"] += 1
                counts["fired" if self._handle(app_id, rules) else "waiting"] += 1
        return counts

    def _handle(self, app_id: int, rules: Rules) -> bool:
        application = db.session.get(Application, app_id)
        clock = SlaClock(rules, application.agency)
        state = application.state
        due = [t.action for t in auto_transitions(rules, application.service_type.key, state, delayed=True)
               if clock.due(application.state_entered_at, {"working_days": t.auto_delay()}) <= self.now]
        db.session.rollback()  # nothing written: each step is the transition command's own transaction
        if not due:
            return False
        performed = run_auto_steps(app_id, now=self.now, due=due)
        if not performed:
            return False
        log.info("delayed automatic step from %s on application %s: %s", state, app_id, ", ".join(performed))
        return True
