"""REST API for applications: list, show, create, the actions an actor can take, and the transition.

Every method is three steps: parse the request, run a command, return its result.
"""
from __future__ import annotations

import functools

from flask import g, request
from flask_appbuilder.api import BaseApi, expose, protect, safe
from marshmallow import EXCLUDE, Schema, fields, validate
from marshmallow import ValidationError as MarshmallowError
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload
from werkzeug.exceptions import RequestEntityTooLarge

from app.security.access import ensure_visible, scope_applications, workflow_roles
from app.commands.application.create import CreateApplicationCommand
from app.commands.application.facts import compute_facts
from app.commands.application.transition import ApplicationTransitionCommand, run_auto_steps
from app.commands.survey import SubmitSurveyCommand
from app.core.errors import N_, PayloadTooLargeError, SatuPintuError, ValidationError, translate
from app.extensions import db
from app.commands.rules.state import rules_state
from app.workflow.snapshot import ApplicationSnapshot
from models import Application, ServiceType
from views.api_contract import ContractErrors, StrictInteger, json_body
from views.serializers import (application_detail, application_summary, customer_name_column,
                               events_with_actors, label, timeline, work_items_detail)
from views.serializers import read_detail

MAX_PAGE_SIZE = 100
_NULLABLE_TEXT = {"type": "string", "nullable": True}
APPLICATION_SUMMARY_SCHEMA = {"type": "object", "properties": {
    "id": {"type": "integer"}, "number": _NULLABLE_TEXT, "receipt": _NULLABLE_TEXT,
    "service": {"type": "string"}, "state": {"type": "string"}, "state_label": {"type": "string"},
    "state_kind": {"type": "string"}, "version": {"type": "integer"},
    "created_at": _NULLABLE_TEXT, "submitted_at": _NULLABLE_TEXT, "due_at": _NULLABLE_TEXT}}
TRANSITION_RESULT_SCHEMA = {"type": "object", "properties": {
    "id": {"type": "integer"}, "state": {"type": "string"}, "state_kind": {"type": "string"},
    "version": {"type": "integer"}, "number": _NULLABLE_TEXT, "receipt": _NULLABLE_TEXT}}


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
            db.session.rollback()
            return error.to_dict(), error.status
    return wrapper


# ---- request schemas: the one place that says what a body or a query may hold ---------------
class CartLineSchema(Schema):
    code = fields.String(required=True)
    quantity = StrictInteger(load_default=1)
    note = fields.String(allow_none=True)


class CreateApplicationSchema(Schema):
    service = fields.String(required=True)
    fields_ = fields.Dict(data_key="fields", keys=fields.String(), load_default=dict, metadata={
        "description": "The service's field values by key; a repeatable group (type group) is an array of "
                       "objects, one per row, and a row's errors are keyed <group>.<n>.<sub-field>"})
    request_kind = fields.String(allow_none=True)
    cart = fields.List(fields.Nested(CartLineSchema, unknown=EXCLUDE), load_default=list)
    company = fields.Dict(keys=fields.String(), allow_none=True)
    location = fields.Dict(keys=fields.String(), allow_none=True)
    asset_id = StrictInteger(allow_none=True)
    declaration = fields.Raw(allow_none=True)
    slot_id = StrictInteger(allow_none=True, metadata={
        "description": "A free slot of the service's resource (services with `booking`), booked with the application "
                       "in one transaction; required when the rules say `booking.wizard: required`. Refused "
                       "(422, `field_errors.slot_id`) when it is not open, past, full or taken meanwhile"})


class TransitionSchema(Schema):
    action = fields.String(required=True)
    fields_ = fields.Dict(data_key="fields", keys=fields.String(), allow_none=True, load_default=dict)
    updates = fields.Dict(keys=fields.String(), allow_none=True)
    version = StrictInteger(allow_none=True, metadata={
        "description": "The version the client last saw (as `If-Match`); a stale one is a 409"})


class SurveySchema(Schema):
    answers = fields.Dict(keys=fields.String(), values=StrictInteger(), required=True)
    free_text = fields.Dict(keys=fields.String(), values=fields.String(allow_none=True), allow_none=True)
    respondent = fields.Dict(keys=fields.String(), allow_none=True)


class ListQuerySchema(Schema):
    state = fields.String()
    service = fields.String()
    q = fields.String()
    page = StrictInteger(load_default=0, validate=validate.Range(min=0, max=100_000))
    page_size = StrictInteger(load_default=25, validate=validate.Range(min=1, max=MAX_PAGE_SIZE))


def list_query() -> dict:
    """The list's query string, typed; a page or size that cannot be read is a 422."""
    raw = {}
    for key, value in request.args.items():
        if key in ("page", "page_size"):
            try:
                raw[key] = int(value)
            except ValueError:
                raw[key] = value
        else:
            raw[key] = value
    try:
        return ListQuerySchema(unknown=EXCLUDE).load(raw)
    except MarshmallowError as error:
        raise ValidationError(details={"field_errors": {
            key: translate(N_("Nilai tidak sah.")) for key in error.messages}}) from error


def expected_version(body: dict) -> int | None:
    """``If-Match: <version>`` (quoted or not, ``W/`` allowed) or ``version`` in the body."""
    header = request.headers.get("If-Match")
    if header is None or header.strip() == "*":
        return body.get("version")
    value = header.strip().removeprefix("W/").strip('"')
    if not value.isdigit() or len(value) > 18:
        raise ValidationError(details={"field_errors": {
            "If-Match": translate(N_("If-Match harus berisi versi permohonan (bilangan bulat)."))}})
    return int(value)


def _load(pk: int, options=()) -> Application:
    return ensure_visible(db.session.get(Application, pk, options=list(options)), g.user)


def _events(application: Application):
    return _own_events(application, events_with_actors(application.id))


def _own_events(application: Application, events: list) -> list:
    from app.commands.work_items import ROW_ACTION_PREFIX
    if application.customer_id == g.user.id:   # the office's work rows stay in the office
        events = [e for e in events if not (e.action or "").startswith(ROW_ACTION_PREFIX)]
    return events


class ApplicationApi(ContractErrors, BaseApi):
    resource_name = "application"
    class_permission_name = "Application"
    method_permission_name = {
        "list_applications": "get", "get_application": "get", "create": "post",
        "actions": "actions", "transition": "transition", "get_timeline": "timeline",
        "survey": "survey",
    }
    allow_browser_login = False
    openapi_spec_tag = "Applications"
    openapi_spec_component_schemas = (CreateApplicationSchema, TransitionSchema, SurveySchema)

    def add_apispec_components(self, api_spec) -> None:
        super().add_apispec_components(api_spec)
        for name, schema in (("ApplicationSummary", APPLICATION_SUMMARY_SCHEMA),
                             ("TransitionResult", TRANSITION_RESULT_SCHEMA)):
            if name not in api_spec.components.schemas:
                api_spec.components.schema(name, schema)

    @expose("/", methods=["GET"])
    @protect()
    @safe
    @platform_errors
    def list_applications(self):
        """List the applications the caller may see (customers: their own; staff: their agency's).
        ---
        get:
          parameters:
          - {in: query, name: state, schema: {type: string}}
          - {in: query, name: service, schema: {type: string}}
          - {in: query, name: q, schema: {type: string}, description: application or receipt number}
          - {in: query, name: page, schema: {type: integer, minimum: 0, maximum: 100000}}
          - {in: query, name: page_size, schema: {type: integer, minimum: 1, maximum: 100}}
          responses:
            200:
              description: A page of applications (count capped at 1001)
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      count: {type: integer}
                      count_capped: {type: boolean}
                      result: {type: array, items: {$ref: '#/components/schemas/ApplicationSummary'}}
        """
        query = list_query()
        stmt = scope_applications(select(Application), g.user)
        if query.get("state"):
            stmt = stmt.where(Application.state == query["state"])
        if query.get("service"):
            stmt = stmt.join(ServiceType).where(ServiceType.key == query["service"])
        if query.get("q"):
            q = query["q"].strip()
            stmt = stmt.where((Application.number == q) | (Application.receipt == q.upper()))
        page, size = query["page"], query["page_size"]
        # a capped count: exact counts over millions of rows are what makes lists slow
        capped = db.session.scalar(select(func.count()).select_from(
            stmt.with_only_columns(Application.id).limit(1001).subquery()))
        # one statement for the page: service type and agency joined, the customer's name as a column
        rows = db.session.execute(
            stmt.add_columns(customer_name_column())
            .options(joinedload(Application.service_type), joinedload(Application.agency))
            .order_by(Application.id.desc()).offset(page * size).limit(size)).all()
        return self.response(200, count=capped, count_capped=capped > 1000,
                             result=[application_summary(a, name or "") for a, name in rows])

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
            200:
              description: The application
              content: {application/json: {schema: {type: object, properties: {result: {type: object}}}}}
        """
        # the application, its customer's name, its collections, timeline and booking: one statement
        detail = read_detail(pk)
        application = ensure_visible(detail[0] if detail else None, g.user)
        _application, customer_name, events, booking = detail
        own = application.customer_id == g.user.id
        body = application_detail(application, _own_events(application, events), customer_name or "", booking)
        if not own:   # the work rows are the office's, not the customer's
            body["work_items"] = work_items_detail(application)
        return self.response(200, result=body)

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
            200:
              description: Timeline events, oldest first
              content:
                application/json:
                  schema: {type: object, properties: {result: {type: array, items: {type: object}}}}
        """
        application = _load(pk)
        return self.response(200, result=timeline(application, _events(application)))

    @expose("/", methods=["POST"])
    @protect()
    @safe
    @platform_errors
    @json_body(CreateApplicationSchema)
    def create(self, body: dict, files: dict):
        """Start an application (JSON, or multipart with a `payload` JSON field and document files).
        ---
        post:
          requestBody:
            required: true
            content:
              application/json:
                schema: {$ref: '#/components/schemas/CreateApplication'}
          responses:
            201:
              description: Created
              content: {application/json: {schema: {type: object, properties: {result: {type: object}}}}}
        """
        application = CreateApplicationCommand(
            g.user, body["service"], fields=body.get("fields_"),
            request_kind=body.get("request_kind"), cart=body.get("cart"),
            company=body.get("company"), location=body.get("location"),
            asset_id=body.get("asset_id"), declaration=_truthy(body.get("declaration")),
            files=files, slot_id=body.get("slot_id")).run()
        if run_auto_steps(application.id):   # the initial state's automatic steps (issue 13, item 4)
            application = db.session.get(Application, application.id, populate_existing=True)
        return self.response(201, result=application_detail(application, _events(application)))

    @expose("/<int:pk>/actions", methods=["GET"])
    @protect()
    @safe
    @platform_errors
    def actions(self, pk: int):
        """The actions the caller can take now, with their forms and any guard that blocks them,
        and the application's `version` (send it back as `If-Match` on the transition).
        ---
        get:
          parameters: [{in: path, name: pk, required: true, schema: {type: integer}}]
          responses:
            200:
              description: Available actions
              headers:
                ETag: {description: The application's version, schema: {type: string}}
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      state: {type: string}
                      version: {type: integer}
                      result: {type: array, items: {type: object}}
        """
        application = _load(pk)
        response = self.response(200, state=application.state, version=application.version,
                                 result=available_actions(application, g.user))
        response.headers["ETag"] = f'"{application.version}"'
        return response

    @expose("/<int:pk>/transition", methods=["POST"])
    @protect()
    @safe
    @platform_errors
    @json_body(TransitionSchema)
    def transition(self, pk: int, body: dict, files: dict):
        """Apply an action: `{"action": ..., "fields": {...}}` (JSON or multipart with files).
        Send `If-Match: <version>` (or `version` in the body) to refuse the action if the
        application changed since you read it, and `Idempotency-Key` to make retries safe.
        ---
        post:
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          - {in: header, name: If-Match, required: false, schema: {type: string},
             description: 'The version from GET .../actions (or its ETag); stale: 409'}
          - {in: header, name: Idempotency-Key, required: false, schema: {type: string, maxLength: 200}}
          requestBody:
            required: true
            content:
              application/json:
                schema: {$ref: '#/components/schemas/Transition'}
          responses:
            200:
              description: The new state and the audit event
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      replayed: {type: boolean}
                      result: {$ref: '#/components/schemas/TransitionResult'}
            403: {description: Not allowed for your role}
            409: {description: 'Stale version (If-Match) or a concurrent change: reload and retry'}
            422: {description: 'Action unknown or not available in this state (a skipped step), guard failed, or form invalid'}
        """
        result = ApplicationTransitionCommand(
            pk, g.user, body["action"], fields=body.get("fields_") or {},
            files=files, updates=body.get("updates"), expected_version=expected_version(body),
            idempotency_key=request.headers.get("Idempotency-Key")).run()
        return self.response(200, replayed=result.replayed, result=result.to_dict())

    @expose("/<int:pk>/survey", methods=["POST"])
    @protect()
    @safe
    @platform_errors
    @json_body(SurveySchema)
    def survey(self, pk: int, body: dict, files: dict):
        """The customer's answers to the service's questionnaire (once per application).
        ---
        post:
          parameters: [{in: path, name: pk, required: true, schema: {type: integer}}]
          requestBody:
            required: true
            content:
              application/json:
                schema: {$ref: '#/components/schemas/Survey'}
          responses:
            201:
              description: Recorded
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      result: {type: object, properties: {id: {type: integer}, application_id: {type: integer}}}
            409: {description: Not open yet, or already answered}
            422: {description: Unanswered questions}
        """
        response = SubmitSurveyCommand(pk, g.user, body["answers"],
                                       free_text=body.get("free_text"),
                                       respondent=body.get("respondent")).run()
        return self.response(201, result={"id": response.id, "application_id": pk})


def available_actions(application: Application, user) -> list[dict]:
    state = rules_state()
    roles = workflow_roles(application, user, state.rules_for(application.rules_version_id).role_keys())
    snapshot = ApplicationSnapshot(service_key=application.service_type.key, state=application.state,
                                   data=dict(application.data or {}), facts=compute_facts(application))
    options = state.engine_for(application.rules_version_id).available_actions(snapshot, roles)
    return [{
        "action": o.action, "label": label(o.label), "form": o.form,
        "blocked_by": list(o.guard_failures),
    } for o in options]


def _truthy(value) -> bool:
    return str(value).lower() in ("1", "true", "yes", "on") if not isinstance(value, bool) else value
