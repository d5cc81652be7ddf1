"""The one command that changes an application's state, whatever the entry point.

It locks the application (row lock on PostgreSQL, the version column everywhere), asks the engine,
and writes the new state, the audit event, files, payments, numbers and outbox rows in one
transaction. A stale attempt (the version the client saw is not the current one) or a concurrent one
(the application changed while this request waited for the lock) gets a 409; an action that is not
available in the current state (a skipped step) a 422; a retried request with the same
Idempotency-Key gets the first answer.
"""
from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Mapping

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError

from app.commands.booking import RELEASING_KINDS, release_bookings
from app.security.access import ensure_visible, users_with_role, workflow_roles
from app.commands.application.effects import EffectContext, perform
from app.commands.application.facts import compute_facts, select_with_facts
from app.commands.application.files import attach_files, classify_uploads
from app.core.errors import ConflictError, N_, SatuPintuError, ValidationError, translate
from app.extensions import db
from app.storage.files import FileStore
from app.outbox.notify import notification_context
from app.commands.rules.state import rules_state
from app.commands.application.sla_clock import SlaClock
from app.workflow.snapshot import ApplicationSnapshot
from app.workflow.errors import WorkflowError
from app.workflow.fields import FieldContext, jsonable, label_text, local_today, validate_fields
from models import Application, AuditEvent, IdempotencyRecord, User
from app.core.formatting import as_utc
from models.base import utcnow

SECRET_TYPES = ("passphrase",)
log = logging.getLogger(__name__)


class TransitionError(SatuPintuError):
    """A refusal from the workflow engine, with its status, reasons and field errors."""

    @classmethod
    def from_workflow(cls, error: WorkflowError) -> "TransitionError":
        """Carry the engine's message templates so they are translated into the user's language."""
        details = {}
        if getattr(error, "reasons", None):
            details["reasons"] = [_translated(reason) for reason in error.reasons]
        if getattr(error, "field_errors", None):
            details["field_errors"] = {k: _translated(v) for k, v in error.field_errors.items()}
        message = error.message
        return cls(getattr(message, "template", str(message)), status=error.status, code=error.code,
                   details=details, **(getattr(message, "params", None) or {}))


def _translated(message) -> str:
    from app.core.errors import translate
    template = getattr(message, "template", None)
    return translate(template, **message.params) if template else str(message)


@dataclass
class TransitionResult:
    application: Application
    event: AuditEvent
    replayed: bool = False
    body: dict | None = None

    def to_dict(self) -> dict:
        if self.body is not None:
            return self.body
        app = self.application
        return {
            "id": app.id, "state": app.state, "state_kind": app.state_kind, "version": app.version,
            "number": app.number, "receipt": app.receipt, "numbers": dict(app.numbers or {}),
            "event": {"id": self.event.id, "action": self.event.action,
                      "from_state": self.event.from_state, "to_state": self.event.to_state},
        }


def request_fingerprint(application_id: int, action: str, fields: dict, files: dict,
                        updates: dict | None) -> str:
    """What makes two requests "the same" for an Idempotency-Key: the application is part of it."""
    digest = hashlib.sha256()
    digest.update(json.dumps({"application": application_id, "action": action, "fields": fields,
                              "updates": updates or {}}, sort_keys=True, default=str).encode())
    for key in sorted(files):
        digest.update(key.encode() + b"=" + files[key].sha256.encode())
    return digest.hexdigest()


class ApplicationTransitionCommand:
    def __init__(self, application_id: int, actor: User | None, action: str, *,
                 fields: dict | None = None, files: dict | None = None, updates: dict | None = None,
                 section_updates: dict | None = None, idempotency_key: str | None = None, system: bool = False,
                 now: datetime | None = None, expected_version: int | None = None, follow_auto: bool = True):
        self.application_id = application_id
        # after the commit, perform the automatic steps of the state entered (run_auto_steps);
        # the chain's own steps leave that to the chain
        self.follow_auto = follow_auto
        self._entered = None   # (rules, service key, state) once the step is done: any automatic steps there?
        self.actor = actor
        self.action = action
        self.fields = dict(fields or {})
        self.files = dict(files or {})          # key -> app.storage.files.IncomingFile
        self.updates = updates                  # the customer's changes to the service fields
        # the customer's corrections to {"company": {...}, "location": {...}} (a revision whose
        # transition's ``revise`` allows them)
        self.section_updates = {k: dict(v) for k, v in (section_updates or {}).items() if v is not None}
        self._revised: dict = {}
        self.idempotency_key = idempotency_key
        self.expected_version = expected_version  # the version the client saw (If-Match, form)
        self.system = system
        self.now = as_utc(now) if now else utcnow()
        self.request_hash = request_fingerprint(application_id, action, self.fields, self.files,
                                                {**(updates or {}), **({"_sections": self.section_updates}
                                                                       if self.section_updates else {})})
        self.store = FileStore.current()

    def run(self) -> TransitionResult:
        session = db.session
        try:
            result = self._replay()
            if result is not None:
                return result
            result = self._run()
            if result.body is None and not result.replayed:
                # the answer is known after the last flush; built now, it needs no reload after commit
                result.body = result.to_dict()
            session.commit()
        except (StaleDataError, IntegrityError, OperationalError) as error:
            session.rollback()
            self.store.discard_created()
            replay = self._replay()
            if replay is not None:
                return replay
            if isinstance(error, OperationalError) and "locked" not in str(error).lower():
                raise
            raise ConflictError() from error
        except BaseException:
            session.rollback()
            self.store.discard_created()
            raise
        entered = self._entered
        if self.follow_auto and not result.replayed and entered is not None and auto_transitions(*entered, delayed=False):
            performed = run_auto_steps(self.application_id, now=self.now)
            if performed:
                # the answer says where the application is now; the event stays the actor's own step
                application = session.get(Application, self.application_id)
                result.body = {**result.body, "state": application.state, "state_kind": application.state_kind,
                               "version": application.version, "number": application.number,
                               "numbers": dict(application.numbers or {}), "auto_steps": performed}
        return result

    def _replay(self) -> TransitionResult | None:
        if not self.idempotency_key or self.actor is None:
            return None
        record = db.session.scalar(select(IdempotencyRecord).where(
            IdempotencyRecord.user_id == self.actor.id, IdempotencyRecord.key == self.idempotency_key))
        if record is None:
            return None
        if record.request_hash != self.request_hash:
            raise ValidationError(N_("Idempotency-Key ini sudah dipakai untuk permintaan lain."),
                                  status=422, code="idempotency_mismatch")
        application = db.session.get(Application, self.application_id)
        return TransitionResult(application, None, replayed=True, body=record.response)

    def _run(self) -> TransitionResult:
        session = db.session
        # What this request is based on: the client's version, else the one current on arrival.
        seen = self.expected_version
        if seen is None:
            seen = session.scalar(select(Application.version).where(Application.id == self.application_id))
        # service type and agency with it (every transition reads both); the lock stays on the application
        # and the collections, survey answer and booking the workflow facts read, in the same statement
        row = session.execute(select_with_facts(), {"application_id": self.application_id}).unique().first()
        application = row[0] if row else None
        known_facts = {"survey_done": row[1], "active_booking": row[2]} if row else {}
        # A request with the same key may have committed while we waited for the row lock.
        replay = self._replay()
        if replay is not None:
            return replay
        if not self.system:
            ensure_visible(application, self.actor)
        if application is not None and seen is not None and application.version != seen:
            raise ConflictError(code="stale")
        state = rules_state()
        rules = state.rules_for(application.rules_version_id)
        service_key = application.service_type.key
        service_spec = rules.service(service_key)
        states = rules.states_for(service_key)
        transition_specs = {t["action"]: t for t in rules.transitions_for(service_key)
                            if application.state in t["from"]}
        roles = frozenset({"system"}) if self.system else \
            workflow_roles(application, self.actor, rules.role_keys())

        form_spec = transition_specs.get(self.action, {}).get("form", [])
        requirement_uploads, form_uploads, upload_errors = classify_uploads(
            self.files, service_spec, form_spec)
        update_errors = self._apply_updates(application, service_spec, states, roles)
        update_errors.update(self._apply_section_updates(application, service_spec, states, roles,
                                                         transition_specs.get(self.action, {})))
        errors = {**upload_errors, **update_errors}
        if errors:
            raise ValidationError(details={"field_errors": errors})
        attach_files(application, requirement_uploads, purpose="requirement", store=self.store,
                     actor=self.actor)
        session.flush()

        snapshot = ApplicationSnapshot(service_key=service_key, state=application.state,
                                       data=dict(application.data or {}),
                                       facts=compute_facts(application, **known_facts))
        candidates = {f["role"]: {u.id for u in users_with_role(f["role"], application.agency_id,
                                                                 application.service_type_id)}
                      for f in form_spec if f.get("type") == "assignee" and f.get("role")}
        try:
            decision = state.engine_for(application.rules_version_id).apply(
                snapshot, roles, self.action, self.fields,
                {key: upload.info for key, upload in form_uploads.items()},
                assignee_candidates=candidates)
        except WorkflowError as error:
            raise TransitionError.from_workflow(error) from error

        spec = transition_specs[self.action]
        values = dict(decision.values)
        note = str(values.get("catatan") or values.get("note") or "")
        from_state = application.state
        clock = SlaClock(rules, application.agency)
        clock.enter_state(application, to_state=decision.to_state, state_spec=states[decision.to_state],
                          service_spec=service_spec, now=self.now)
        if states[decision.to_state].kind in RELEASING_KINDS and service_spec.booking is not None:
            release_bookings(application, self.now)   # a cancelled or rejected application frees its seat
        public_values = self._public_values(values, form_spec)
        if self._revised:
            public_values["revised"] = jsonable(self._revised)
        event = AuditEvent(application_id=application.id, actor_id=self.actor.id if self.actor else None,
                           actor_roles=sorted(roles), action=self.action, action_label=label_text(spec.get("label")),
                           timeline_label=label_text(spec.get("timeline") or spec.get("label")),
                           from_state=from_state, to_state=decision.to_state, note=note,
                           values=public_values,
                           rules_version_id=application.rules_version_id, created_at=self.now)
        session.add(event)
        application.updated_at = self.now   # in the state's UPDATE, not a second one after the effects
        session.flush()
        saved = attach_files(application, form_uploads, purpose=None, store=self.store,
                             actor=self.actor, form_spec=form_spec, event=event)
        for item in application.files:
            if item.audit_event_id is None:
                item.audit_event_id = event.id
        event.values = {**event.values, **{key: {"file_id": f.id, "name": f.original_name}
                                           for key, f in saved.items()}}

        ctx = EffectContext(application=application, actor=self.actor, rules=rules,
                            service_spec=service_spec, values=values, note=note, clock=clock,
                            now=self.now, store=self.store, event=event, saved_files=saved)
        ctx.notification_context = lambda: notification_context(
            application, rules, actor=self.actor, note=note, values=event.values,
            deadline=_first_deadline(application), step=event.timeline_label, step_at=event.created_at)
        perform(ctx, decision.effects)
        application.updated_at = self.now
        session.flush()

        result = TransitionResult(application, event)
        self._entered = (rules, service_key, decision.to_state)
        if self.idempotency_key and self.actor is not None:
            session.add(IdempotencyRecord(user_id=self.actor.id, key=self.idempotency_key,
                                          request_hash=self.request_hash, status_code=200,
                                          response=result.to_dict()))
            session.flush()
        return result

    def _apply_updates(self, application: Application, service_spec: dict, states: Mapping[str, dict],
                       roles: frozenset[str]) -> dict[str, str]:
        """The customer corrects the application's fields while it is their turn (a revision)."""
        if not self.updates:
            return {}
        state_kind = states[application.state].get("kind")
        if "customer" not in roles or state_kind != "waiting_customer":
            return {"_updates": translate(N_("Data permohonan hanya dapat diubah saat menunggu perbaikan dari pemohon."))}
        merged = {**(application.data or {}), **self.updates}
        cleaned, errors = validate_fields(service_spec.get("fields", []), merged, {},
                                          context=FieldContext(today=local_today(application.agency.timezone)))
        if not errors:
            application.data = jsonable(cleaned)
        return dict(errors)

    def _apply_section_updates(self, application: Application, service_spec: dict, states: Mapping[str, dict],
                               roles: frozenset[str], transition: dict) -> dict[str, str]:
        """The customer corrects the company data or the location in a revision, when the rules'
        transition allows it (``revise: [company, location, ...]``). Validated like at creation;
        what changed (before → after) goes into the transition's audit event."""
        if not self.section_updates:
            return {}
        from app.commands.application.create import COMPANY_FIELDS, LOCATION_FIELDS
        from app.rules.vocabulary import DEFAULT_REVISE

        state_kind = states[application.state].get("kind")
        allowed = set(transition.get("revise") or DEFAULT_REVISE)
        errors: dict[str, str] = {}
        if "customer" not in roles or state_kind != "waiting_customer":
            return {"_updates": translate(N_("Data permohonan hanya dapat diubah saat menunggu perbaikan dari pemohon."))}
        for section, specs, mode_key, required_keys in (
                ("company", COMPANY_FIELDS, "company_data", ("name",)),
                ("location", LOCATION_FIELDS, "location", ())):
            if section not in self.section_updates:
                continue
            mode = service_spec.get(mode_key, "none")
            if section not in allowed or mode == "none":
                errors[f"{section}._section"] = translate(N_("Bagian ini tidak dapat diubah pada revisi ini."))
                continue
            values = {f["key"]: self.section_updates[section].get(f["key"], "") for f in specs}
            if mode == "optional" and not any(str(v or "").strip("-0 ,") for v in values.values()):
                cleaned = {}
            else:
                field_specs = [dict(f, required=f.get("required", False) or f["key"] in required_keys)
                               for f in specs]
                cleaned, section_errors = validate_fields(field_specs, values, {})
                if section_errors:
                    errors.update({f"{section}.{k}": v for k, v in section_errors.items()})
                    continue
            before = dict(getattr(application, section) or {})
            after = jsonable(cleaned)
            changed = {k: {"from": before.get(k), "to": after.get(k)} for k in sorted(set(before) | set(after))
                       if before.get(k) != after.get(k)}
            if changed:
                setattr(application, section, after)
                self._revised[section] = changed
        return errors

    @staticmethod
    def _public_values(values: dict, form_spec: list[dict]) -> dict:
        secret = {f["key"] for f in form_spec if f.get("type") in SECRET_TYPES}
        files = {f["key"] for f in form_spec if f.get("type") == "file"}
        return jsonable({k: v for k, v in values.items() if k not in secret and k not in files})


def form_version(value) -> int | None:
    """The ``version`` a screen's form carried (hidden field), or None when it carried none."""
    value = str(value or "").strip()
    return int(value) if value.isdigit() and len(value) <= 18 else None


def refusal(application: Application, actor: User, action: str,
            expected_version: int | None = None) -> SatuPintuError:
    """Why ``action`` is not among the actor's actions now, as the command would answer it:
    409 if the screen was stale, 422 for an unknown or unavailable action (a skipped step),
    403 when another role must do it. For screens that list the actions; nothing is written."""
    if expected_version is not None and expected_version != application.version:
        return ConflictError(code="stale")
    state = rules_state()
    roles = workflow_roles(application, actor, state.rules_for(application.rules_version_id).role_keys())
    snapshot = ApplicationSnapshot(service_key=application.service_type.key, state=application.state,
                                   data=dict(application.data or {}), facts=compute_facts(application))
    try:
        state.engine_for(application.rules_version_id).apply(snapshot, roles, action, {}, {})
    except WorkflowError as error:
        if error.status in (403, 422) and error.code in ("unknown_action", "action_not_available", "forbidden"):
            return TransitionError.from_workflow(error)
    return ValidationError(N_("Tindakan ini tidak tersedia untuk Anda pada status permohonan saat ini."),
                           code="action_not_available")


def _first_deadline(application: Application):
    if not application.deadlines:
        return None
    return next(iter(application.deadlines_at.values()), None)


# ---------------------------------------------------------------- automatic steps (issue 13, item 4)

# The longest chain of automatic steps one commit sets off; the rules check refuses loops of
# automatic steps, this also stops one written in an older stored rules version.
MAX_AUTO_CHAIN = 10


def auto_transitions(rules, service_key: str, state: str, *, delayed: bool) -> list:
    """The automatic transitions out of ``state``: immediate ones (``auto: true``), or the delayed
    ones (``auto: {after_working_days: N}``), in the rules' order."""
    found = []
    for transition in rules.transitions_for(service_key):
        delay = transition.auto_delay()
        if delay is None or state not in transition.from_:
            continue
        if (delay > 0) == delayed:
            found.append(transition)
    return found


def run_auto_steps(application_id: int, *, now: datetime | None = None, due: list[str] | None = None) -> list[str]:
    """Perform the automatic steps of the state the application is in, and of each state they
    lead to: the first whose guards hold, through the one transition command as the system (its
    own transaction, audit event "Sistem", effects and notifications like any step). Called right
    after a commit, so a refused or failing automatic step never undoes the step that led here:
    the application simply stays. ``due``: the SLA tick starts with the state's delayed steps whose
    delay has passed (these actions). Returns the actions performed, in order."""
    session = db.session
    performed: list[str] = []
    visited: set[str] = set()
    while len(performed) < MAX_AUTO_CHAIN:
        application = session.get(Application, application_id, populate_existing=True)
        if application is None or application.state in visited:
            break
        visited.add(application.state)
        rules = rules_state().rules_for(application.rules_version_id)
        fired = None
        if due is not None and not performed:
            steps = [t for t in auto_transitions(rules, application.service_type.key, application.state, delayed=True)
                     if t.action in due]
        else:
            steps = auto_transitions(rules, application.service_type.key, application.state, delayed=False)
        for transition in steps:
            try:
                ApplicationTransitionCommand(application_id, None, transition.action, system=True, now=now,
                                             follow_auto=False).run()
            except SatuPintuError as error:
                # a guard that does not hold (yet): the application stays where it is
                log.info("automatic step %s on application %s not performed: %s", transition.action,
                         application_id, getattr(error, "text", error))
                continue
            fired = transition.action
            break
        if fired is None:
            break
        performed.append(fired)
    return performed
