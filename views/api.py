"""REST API for applications: list, show, create, the actions an actor can take, and the transition.

Every method is three steps: parse the request, run a command, return its result.
"""
from __future__ import annotations

import functools
import json

from flask import g, request
from flask_appbuilder.api import BaseApi, expose, protect, safe
from sqlalchemy import func, select
from werkzeug.exceptions import RequestEntityTooLarge

from app.access import ensure_visible, scope_applications, workflow_roles
from app.commands.application.create import CreateApplicationCommand
from app.commands.application.facts import compute_facts
from app.commands.application.transition import ApplicationTransitionCommand
from app.commands.survey import SubmitSurveyCommand
from app.errors import PayloadTooLargeError, SatuPintuError, ValidationError
from app.extensions import db
from app.files import IncomingFile
from app.rules_state import rules_state
from app.workflow.engine import ApplicationSnapshot
from models import Application, AuditEvent, ServiceType
from views.serializers import application_detail, application_summary, label, timeline

MAX_PAGE_SIZE = 100


def platform_errors(view):
    """A typed platform error becomes its JSON body and status (never a stack trace)."""
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        try:
            return view(*args, **kwargs)
        except RequestEntityTooLarge:   # Flask-AppBuilder's @safe would make it a 500
            error = PayloadTooLargeError.from_request()
            return error.to_dict(), error.status
        except SatuPintuError as error:
            return error.to_dict(), error.status
    return wrapper


def _payload() -> tuple[dict, dict]:
    """JSON body, or multipart with a JSON ``payload`` field (or plain form fields) and files."""
    if request.is_json:
        return request.get_json(silent=True) or {}, {}
    body = {}
    if request.form.get("payload"):
        try:
            body = json.loads(request.form["payload"])
        except ValueError as exc:
            raise ValidationError(details={"field_errors": {"payload": "JSON tidak valid."}}) from exc
    else:
        body = {k: v for k, v in request.form.items()}
        for key in ("fields", "updates", "cart", "company", "location"):
            if isinstance(body.get(key), str):
                try:
                    body[key] = json.loads(body[key])
                except ValueError as exc:
                    raise ValidationError(details={"field_errors": {key: "JSON tidak valid."}}) from exc
    files = {key: IncomingFile.from_storage(storage) for key, storage in request.files.items()}
    return body, files


def _load(pk: int) -> Application:
    return ensure_visible(db.session.get(Application, pk), g.user)


def _events(application: Application):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.application_id == application.id)
                              .order_by(AuditEvent.created_at, AuditEvent.id)).all()


class ApplicationApi(BaseApi):
    resource_name = "application"
    class_permission_name = "Application"
    method_permission_name = {
        "list_applications": "get", "get_application": "get", "create": "post",
        "actions": "actions", "transition": "transition", "get_timeline": "timeline",
        "survey": "survey",
    }
    allow_browser_login = False
    openapi_spec_tag = "Applications"

    @expose("/", methods=["GET"])
    @protect()
    @safe
    @platform_errors
    def list_applications(self):
        """List the applications the caller may see.
        ---
        get:
          parameters:
          - {in: query, name: state, schema: {type: string}}
          - {in: query, name: service, schema: {type: string}}
          - {in: query, name: q, schema: {type: string}}
          - {in: query, name: page, schema: {type: integer}}
          - {in: query, name: page_size, schema: {type: integer}}
          responses:
            200: {description: A page of applications}
        """
        stmt = scope_applications(select(Application), g.user)
        if request.args.get("state"):
            stmt = stmt.where(Application.state == request.args["state"])
        if request.args.get("service"):
            stmt = stmt.join(ServiceType).where(ServiceType.key == request.args["service"])
        if request.args.get("q"):
            q = request.args["q"].strip()
            stmt = stmt.where((Application.number == q) | (Application.receipt == q.upper()))
        page = max(0, request.args.get("page", 0, type=int))
        size = min(MAX_PAGE_SIZE, max(1, request.args.get("page_size", 25, type=int)))
        # a capped count: exact counts over millions of rows are what makes lists slow
        capped = db.session.scalar(select(func.count()).select_from(
            stmt.with_only_columns(Application.id).limit(1001).subquery()))
        rows = db.session.scalars(stmt.order_by(Application.id.desc()).offset(page * size).limit(size)).all()
        return self.response(200, count=capped, count_capped=capped > 1000,
                             result=[application_summary(a) for a in rows])

    @expose("/<int:pk>", methods=["GET"])
    @protect()
    @safe
    @platform_errors
    def get_application(self, pk: int):
        """One application with its files, payments, slots, documents and timeline.
        ---
        get:
          parameters: [{in: path, name: pk, required: true, schema: {type: integer}}]
          responses:
            200: {description: The application}
            404: {description: Not found or not yours}
        """
        application = _load(pk)
        return self.response(200, result=application_detail(application, _events(application)))

    @expose("/<int:pk>/timeline", methods=["GET"])
    @protect()
    @safe
    @platform_errors
    def get_timeline(self, pk: int):
        """The application's timeline.
        ---
        get:
          parameters: [{in: path, name: pk, required: true, schema: {type: integer}}]
          responses:
            200: {description: Timeline events}
        """
        application = _load(pk)
        return self.response(200, result=timeline(application, _events(application)))

    @expose("/", methods=["POST"])
    @protect()
    @safe
    @platform_errors
    def create(self):
        """Start an application (JSON, or multipart with a `payload` JSON field and document files).
        ---
        post:
          requestBody:
            content:
              application/json:
                schema: {type: object, properties: {service: {type: string}, fields: {type: object}}}
          responses:
            201: {description: Created}
            422: {description: Invalid, with field_errors}
        """
        body, files = _payload()
        application = CreateApplicationCommand(
            g.user, str(body.get("service") or ""), fields=body.get("fields"),
            request_kind=body.get("request_kind"), cart=body.get("cart"),
            company=body.get("company"), location=body.get("location"),
            asset_id=body.get("asset_id"), declaration=_truthy(body.get("declaration")),
            files=files).run()
        return self.response(201, result=application_detail(application, _events(application)))

    @expose("/<int:pk>/actions", methods=["GET"])
    @protect()
    @safe
    @platform_errors
    def actions(self, pk: int):
        """The actions the caller can take now, with their forms and any guard that blocks them.
        ---
        get:
          parameters: [{in: path, name: pk, required: true, schema: {type: integer}}]
          responses:
            200: {description: Available actions}
        """
        application = _load(pk)
        return self.response(200, state=application.state, version=application.version,
                             result=available_actions(application, g.user))

    @expose("/<int:pk>/transition", methods=["POST"])
    @protect()
    @safe
    @platform_errors
    def transition(self, pk: int):
        """Apply an action: `{"action": ..., "fields": {...}}` (JSON or multipart with files).
        Send an `Idempotency-Key` header to make retries safe.
        ---
        post:
          parameters: [{in: path, name: pk, required: true, schema: {type: integer}}]
          requestBody:
            content:
              application/json:
                schema: {type: object, properties: {action: {type: string}, fields: {type: object}}}
          responses:
            200: {description: The new state and the audit event}
            403: {description: Not allowed for your role}
            404: {description: Not found or not yours}
            409: {description: Stale or concurrent attempt}
            422: {description: Guard failed or form invalid}
        """
        body, files = _payload()
        result = ApplicationTransitionCommand(
            pk, g.user, str(body.get("action") or ""), fields=body.get("fields") or {},
            files=files, updates=body.get("updates"),
            idempotency_key=request.headers.get("Idempotency-Key")).run()
        return self.response(200, replayed=result.replayed, result=result.to_dict())

    @expose("/<int:pk>/survey", methods=["POST"])
    @protect()
    @safe
    @platform_errors
    def survey(self, pk: int):
        """The customer's answers to the service's questionnaire (once per application).
        ---
        post:
          parameters: [{in: path, name: pk, required: true, schema: {type: integer}}]
          requestBody:
            content:
              application/json:
                schema: {type: object, properties: {answers: {type: object}, free_text: {type: object}}}
          responses:
            201: {description: Recorded}
            409: {description: Not open yet, or already answered}
            422: {description: Unanswered questions}
        """
        body, _ = _payload()
        response = SubmitSurveyCommand(pk, g.user, body.get("answers") or {},
                                       free_text=body.get("free_text"),
                                       respondent=body.get("respondent")).run()
        return self.response(201, result={"id": response.id, "application_id": pk})


def available_actions(application: Application, user) -> list[dict]:
    state = rules_state()
    data = state.rules_for(application.rules_version_id).data
    roles = workflow_roles(application, user, set(data.get("roles", {})))
    snapshot = ApplicationSnapshot(service_key=application.service_type.key, state=application.state,
                                   data=dict(application.data or {}), facts=compute_facts(application))
    options = state.engine_for(application.rules_version_id).available_actions(snapshot, roles)
    return [{
        "action": o.action, "label": label(o.label), "form": o.form,
        "blocked_by": list(o.guard_failures),
    } for o in options]


def _truthy(value) -> bool:
    return str(value).lower() in ("1", "true", "yes", "on") if not isinstance(value, bool) else value
