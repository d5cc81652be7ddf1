"""What the portal and public tracking show of an application's course: its rules (service and
workflow), the tone of its status, the timeline a customer may read, the steps still ahead, and
whether its receipt number alone may be trusted. Shared by ``requests`` (the customer's pages) and
``public`` (/lacak), which import this and not each other."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from app.commands.rules.state import rules_state
from app.extensions import db
from app.rules.labels import display_language, rules_label
from app.rules.model import Rules
from app.workflow.fields import label_text
from models import Application, AuditEvent


def rules_of(application: Application) -> tuple[Rules, dict, dict]:
    """The rules version the application started with, its service's spec and its workflow's."""
    rules = rules_state().rules_for(application.rules_version_id)
    key = application.service_type.key
    return rules, rules.service(key), rules.workflow_for(key)


def status_tone(kind: str) -> tuple[str, str, str]:
    """(icon, badge tone, words) for a state kind: in process / waiting for you / done / rejected."""
    if kind == "final_success":
        return "✔", "ok", _("Selesai")
    if kind in ("final_rejected", "final_cancelled"):
        return "✖", "danger", _("Ditolak/Dibatalkan")
    if kind == "waiting_customer":
        return "✎", "warn", _("Menunggu tindakan Anda")
    return "⏳", "info", _("Dalam proses")


def events_of(application: Application) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.application_id == application.id)
                                   .order_by(AuditEvent.created_at, AuditEvent.id)))


def transition_spec(workflow: dict, action: str, from_state: str | None) -> dict | None:
    for t in workflow.get("transitions") or []:
        if t["action"] == action and (from_state is None or from_state in t["from"]):
            return t
    return None


def note_is_public(workflow: dict, event: AuditEvent) -> bool:
    """Staff notes the customer should read: those addressed to them, and those that send the
    application back to them or end it. Hand-offs between staff stay internal."""
    if not event.note:
        return False
    if "customer" in (event.actor_roles or []):
        return True
    target = (workflow.get("states").get(event.to_state) or {}).get("kind") or "working"
    if target != "working":
        return True
    spec = transition_spec(workflow, event.action, event.from_state) or {}
    for field in spec.get("form") or []:
        if field.get("key") in ("catatan", "note"):
            words = label_text(field.get("label")).lower()  # the Indonesian words, whatever is shown
            return "pelanggan" in words or "pemohon" in words
    return False


def timeline_text(workflow: dict, event: AuditEvent) -> str:
    """What a timeline entry says: the stored (Indonesian) text, or the rules' label in the language
    being shown when the event is one of the workflow's transitions."""
    stored = event.timeline_label or event.action_label or event.action
    if display_language() == "id":
        return stored
    spec = transition_spec(workflow, event.action, event.from_state)
    # platform entries ("Permohonan dibuat", reminders…) are catalog messages
    return rules_label(spec.get("timeline") or spec.get("label")) if spec else _(stored)


def customer_timeline(application: Application, workflow: dict, *, public: bool = False) -> list[dict]:
    entries = []
    from app.commands.work_items import ROW_ACTION_PREFIX
    for event in events_of(application):
        if event.action.startswith(ROW_ACTION_PREFIX):   # the office's work rows stay in the office
            continue
        state = workflow.get("states").get(event.to_state) or {}
        show_note = note_is_public(workflow, event) if not public else \
            state.get("kind") in ("final_rejected", "final_cancelled") and bool(event.note)
        entries.append({"label": timeline_text(workflow, event),
                        "state": rules_label(state.get("label") or event.to_state), "at": event.created_at,
                        "note": event.note if show_note else "",
                        "by_customer": "customer" in (event.actor_roles or [])})
    return entries


def timeline_ahead(application: Application, workflow: dict) -> list[dict]:
    """The main-path steps not done yet: the current one ("Sedang diproses") and the pending ones."""
    from app.workflow.procedure import steps_ahead

    visited = [e.to_state for e in events_of(application) if e.to_state]
    return [{"label": step.label, "current": step.current}
            for step in steps_ahead(workflow, application.state, visited)]


def receipt_is_guessable(application: Application) -> bool:
    """True unless the service's receipt numbering has a random part (Kaltim's ``{hex6}``):
    ``PTSP-202611-00001`` is followed by ``…00002``, so such a receipt alone proves nothing."""
    from app.workflow.numbering import has_random_part, receipt_numbering

    rules, spec, _workflow = rules_of(application)
    _key, numbering = receipt_numbering(rules, spec)
    return not (application.receipt and has_random_part(numbering.get("pattern", "")))
