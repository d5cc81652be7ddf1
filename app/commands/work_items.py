"""Commands on an application's work rows (``work_items`` in the rules): make them from the cart,
assign each to a staff member, and the row steps (enter results, verify, validate, return).

Each command checks the actor's workflow roles and the application's state against the rules,
validates every value, stores files through the upload checks, writes one audit event and commits
once; a refusal leaves nothing behind. The application's state never changes here: its transitions
wait on the ``work_items_done`` guard.
"""
from __future__ import annotations

from sqlalchemy import select

from app.security.access import ensure_visible, users_with_role, workflow_roles
from app.commands.application.files import Upload, attach_files
from app.core.errors import ConflictError, ForbiddenError, N_, NotFoundError, SatuPintuError, ValidationError, translate
from app.extensions import db
from app.storage.files import FileStore, IncomingFile, check_file
from app.commands.rules.state import rules_state
from app.workflow.fields import jsonable, label_text, validate_fields
from app.workflow.work_items import TO_STATUS, step_allowed
from app.commands.base import Command
from models import Application, AuditEvent, User, WorkItem
from models.base import utcnow

# the audit actions of row steps start with this: the office's work, left out of the customer's timeline
ROW_ACTION_PREFIX = "baris_"

STEP_TIMELINE = {
    "assign": N_("Penugasan baris pekerjaan"), "enter": N_("Hasil diisi: %(row)s"),
    "verify": N_("Hasil diverifikasi: %(row)s"), "validate": N_("Hasil divalidasi: %(row)s"),
    "return": N_("Hasil dikembalikan: %(row)s"),
}


def work_items_spec(application: Application) -> dict | None:
    """The service's ``work_items`` rules (None: the service has no work rows)."""
    data = rules_state().rules_for(application.rules_version_id).data
    return data["services"].get(application.service_type.key, {}).get("work_items")


def ensure_rows(application: Application) -> list[WorkItem]:
    """The application's rows, made from its cart lines the first time (flushes, does not commit)."""
    if not application.work_items:
        for position, line in enumerate(application.cart_lines, start=1):
            application.work_items.append(WorkItem(
                cart_line_id=line.id, position=position, code=line.item.code or "",
                name=line.item.name, status="new", values={}, files={}, note=""))
        db.session.flush()
    return list(application.work_items)


def _roles(application: Application, actor: User) -> frozenset[str]:
    data = rules_state().rules_for(application.rules_version_id).data
    return workflow_roles(application, actor, set(data.get("roles", {})))


def _audit(application: Application, actor: User, roles, action: str, label: str, note: str = "",
           values: dict | None = None) -> AuditEvent:
    event = AuditEvent(application_id=application.id, actor_id=actor.id, actor_roles=sorted(roles),
                       action=action, action_label=label, timeline_label=label,
                       from_state=application.state, to_state=application.state, note=note,
                       values=values or {}, rules_version_id=application.rules_version_id,
                       created_at=utcnow())
    db.session.add(event)
    db.session.flush()
    return event


def _load(application_id: int, actor: User, expected_version: int | None) -> Application:
    application = ensure_visible(db.session.get(Application, application_id), actor)
    if expected_version is not None and application.version != expected_version:
        raise ConflictError(code="stale")
    if work_items_spec(application) is None:
        raise NotFoundError()
    return application


class AssignWorkItemsCommand(Command):
    """Give each row its staff member (a user holding the rules' ``assignee_role`` in the agency)."""

    def __init__(self, application_id: int, actor: User, assignments: dict[int, str | int | None]):
        self.application_id = application_id
        self.actor = actor
        self.assignments = dict(assignments)

    def _run(self) -> list[WorkItem]:
        application = _load(self.application_id, self.actor, None)
        spec = work_items_spec(application)
        roles = _roles(application, self.actor)
        rows = ensure_rows(application)
        if not any(step_allowed(spec, "assign", state=application.state, roles=roles, row_status=row.status,
                                is_row_assignee=False) for row in rows):
            raise ForbiddenError(N_("Penugasan baris tidak tersedia untuk Anda pada status permohonan saat ini."))
        candidates = {u.id: u for u in users_with_role(spec["assignee_role"], application.agency_id,
                                                        application.service_type_id)}
        errors, changes = {}, []
        by_id = {row.id: row for row in rows}
        for row_id in self.assignments:
            if row_id not in by_id:
                errors[f"row-{row_id}"] = translate(N_("Baris tidak dikenal."))
        for row in rows:
            raw = str(self.assignments.get(row.id) or "").strip()
            if not raw:
                errors[f"row-{row.id}"] = translate(N_("Pilih petugas untuk baris ini."))
                continue
            user_id = int(raw) if raw.isdigit() and len(raw) < 12 else None
            if user_id not in candidates:
                errors[f"row-{row.id}"] = translate(N_("Petugas ini tidak dapat dipilih."))
                continue
            if user_id == row.assignee_id:
                continue
            if not step_allowed(spec, "assign", state=application.state, roles=roles, row_status=row.status,
                                is_row_assignee=False):
                errors[f"row-{row.id}"] = translate(N_("Baris ini sudah dikerjakan; penugasannya tidak dapat diubah."))
                continue
            changes.append((row, candidates[user_id]))
        if errors:
            raise ValidationError(details={"field_errors": errors})
        for row, user in changes:
            row.assignee_id = user.id
            row.status = TO_STATUS["assign"]
        if changes:
            _audit(application, self.actor, roles, f"{ROW_ACTION_PREFIX}tugaskan", translate(STEP_TIMELINE["assign"]),
                   note="; ".join(f"{row.name}: {user.username}" for row, user in changes),
                   values={"rows": {str(row.id): user.id for row, user in changes}})
        db.session.flush()
        return rows


class WorkItemStepCommand(Command):
    """One row step: ``enter`` (values and files, by the row's assignee), ``verify``, ``validate``
    or ``return`` (with a note, back to the assignee)."""

    def __init__(self, row_id: int, actor: User, step: str, *, values: dict | None = None,
                 files: dict[str, IncomingFile] | None = None, note: str = "",
                 expected_version: int | None = None):
        self.row_id = row_id
        self.actor = actor
        self.step = step
        self.values = dict(values or {})
        self.files = dict(files or {})
        self.note = (note or "").strip()
        self.expected_version = expected_version
        self.store = FileStore.current()

    def _run(self) -> WorkItem:
        row = db.session.get(WorkItem, self.row_id)
        if row is None:
            raise NotFoundError()
        application = _load(row.application_id, self.actor, None)
        if self.expected_version is not None and row.version != self.expected_version:
            raise ConflictError(code="stale")
        spec = work_items_spec(application)
        roles = _roles(application, self.actor)
        if not step_allowed(spec, self.step, state=application.state, roles=roles, row_status=row.status,
                            is_row_assignee=row.assignee_id == self.actor.id):
            raise ForbiddenError(N_("Langkah ini tidak tersedia untuk Anda pada baris ini."))
        uploads: dict[str, Upload] = {}
        if self.step == "enter":
            columns = spec.get("columns", [])
            data_columns = [c for c in columns if c.get("type") != "file"]
            cleaned, errors = validate_fields(data_columns, self.values, {})
            errors = {k: translate(getattr(v, "template", str(v)), **(getattr(v, "params", None) or {}))
                      for k, v in dict(errors).items()}
            file_columns = {c["key"]: c for c in columns if c.get("type") == "file"}
            for key, incoming in self.files.items():
                if key not in file_columns:
                    errors[key] = translate(N_("Berkas '%(key)s' tidak dikenal untuk baris ini."), key=key)
                    continue
                column = file_columns[key]
                problem = check_file(incoming, column.get("types"), column.get("max_mb"))
                if problem:
                    errors[key] = problem
                else:
                    uploads[key] = Upload(key, incoming, column)
            for key, column in file_columns.items():
                if column.get("required") and key not in uploads and not (row.files or {}).get(key):
                    errors.setdefault(key, translate(N_("%(field)s wajib diunggah."),
                                                     field=label_text(column.get("label")) or key))
            if errors:
                raise ValidationError(details={"field_errors": errors})
            row.values = jsonable(cleaned)
            row.note = ""
        elif self.step == "return":
            if not self.note:
                raise ValidationError(details={"field_errors": {"note": translate(N_("Tuliskan yang perlu diperbaiki."))}})
            row.note = self.note
        label = translate(STEP_TIMELINE[self.step], row=row.name)
        event = _audit(application, self.actor, roles, f"{ROW_ACTION_PREFIX}{self.step}", label,
                       note=self.note if self.step == "return" else "", values={"row": row.id})
        if uploads:
            saved = attach_files(application, uploads, purpose="result", store=self.store, actor=self.actor,
                                 event=event)
            db.session.flush()
            by_file = {f.file_id: f.id for f in application.files}
            files = {k: list(v) for k, v in (row.files or {}).items()}
            for key, stored in saved.items():
                files[key] = files.get(key, []) + [by_file[stored.id]]
            row.files = files
        row.status = TO_STATUS[self.step]
        db.session.flush()
        return row
