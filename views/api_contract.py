"""The REST API's contract, in one place: what a request may look like and what every answer is.

- ``Int64Converter`` replaces ``<int:...>`` on every route: an id beyond int64 is a 404 before it
  reaches the database (SQLite and PostgreSQL would raise OverflowError / DataError).
- ``json_body(Schema)`` parses a JSON or multipart body once and loads it with a marshmallow schema:
  anything that is not an object of the right shape is a 422 with ``field_errors``, never a 500.
- JWT errors (missing, malformed, expired, wrong signature, wrong type) are all 401, with
  ``WWW-Authenticate: Bearer`` — Flask-JWT-Extended answers a malformed token with 422 otherwise.
- HTTP errors under ``/api/`` are JSON bodies ``{"error", "message"}``, not HTML pages.
- ``OpenApiView`` serves ``/api/v1/_openapi`` completed by ``complete_spec``: every protected
  operation documents 401/403, every operation with a path id 404, every body 400/422, and the
  places where Flask-AppBuilder's own documentation disagrees with what it sends are corrected.
"""
from __future__ import annotations

import copy
import functools
import json

from flask import Flask, current_app, jsonify, request
from flask_appbuilder.api import BaseApi, expose, protect, safe
from flask_appbuilder.api.manager import OpenApi
from marshmallow import EXCLUDE, Schema, fields
from marshmallow import ValidationError as SchemaError
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

from app.core.errors import N_, ValidationError, translate
from views.api_times import LocalTimeSchemaConverter

INT64_MAX = 2 ** 63 - 1


class Int64Converter(IntegerConverter):
    """``<int:pk>``: signed, and only what fits a BIGINT column; anything else does not match (404)."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("signed", True)
        kwargs.setdefault("min", -INT64_MAX - 1)
        kwargs.setdefault("max", INT64_MAX)
        super().__init__(url_map, *args, **kwargs)


def install_converters(app: Flask) -> None:
    """Before any view is registered: rules bind their converters when they are added."""
    app.url_map.converters["int"] = Int64Converter


# --------------------------------------------------------------------------- request bodies

TYPE_MESSAGES = {
    fields.Dict: N_("Harus berupa objek JSON."),
    fields.Nested: N_("Harus berupa objek JSON."),
    fields.List: N_("Harus berupa daftar (array JSON)."),
    fields.Integer: N_("Harus berupa bilangan bulat."),
    fields.String: N_("Harus berupa teks."),
    fields.Boolean: N_("Harus berupa benar/salah (true/false)."),
}


def _field_message(field: fields.Field | None) -> str:
    for kind in type(field).__mro__ if field is not None else ():
        if kind in TYPE_MESSAGES:
            return translate(TYPE_MESSAGES[kind])
    return translate(N_("Isian tidak sah."))


def _flatten(schema: Schema, messages, prefix: str = "") -> dict[str, str]:
    """marshmallow's nested messages as ``{"cart.0.quantity": "Harus berupa bilangan bulat."}``."""
    flat: dict[str, str] = {}
    if not isinstance(messages, dict):
        return {prefix or "_body": translate(N_("Isi permintaan harus berupa objek JSON."))}
    for key, value in messages.items():
        if key == "_schema":
            flat[prefix or "_body"] = translate(N_("Isi permintaan harus berupa objek JSON."))
            continue
        field = schema.fields.get(key) if schema is not None else None
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict) and isinstance(field, fields.List) and \
                isinstance(field.inner, fields.Nested):
            for index, inner in value.items():
                flat.update(_flatten(field.inner.schema, inner, f"{name}.{index}"))
        elif isinstance(value, dict) and isinstance(field, fields.Nested):
            flat.update(_flatten(field.schema, value, name))
        elif isinstance(value, dict) and isinstance(field, fields.List):
            flat.update({f"{name}.{index}": _field_message(field.inner) for index in value})
        elif isinstance(value, list) and any("required" in str(m).lower() for m in value):
            flat[name] = translate(N_("Wajib diisi."))
        else:
            flat[name] = _field_message(field)
    return flat


def _raw_body() -> tuple[object, dict]:
    """The request's JSON (or a multipart ``payload`` field, or plain form fields) and its files."""
    from app.storage.files import IncomingFile

    if request.mimetype == "multipart/form-data" or request.mimetype == "application/x-www-form-urlencoded":
        if request.form.get("payload"):
            try:
                body = json.loads(request.form["payload"])
            except ValueError as exc:
                raise ValidationError(details={"field_errors": {"payload": translate(N_("JSON tidak valid."))}}) \
                    from exc
        else:
            body = {k: v for k, v in request.form.items()}
            for key, value in list(body.items()):
                if isinstance(value, str) and value[:1] in ("{", "["):
                    try:
                        body[key] = json.loads(value)
                    except ValueError as exc:
                        raise ValidationError(details={"field_errors": {key: translate(N_("JSON tidak valid."))}}) \
                            from exc
        files = {key: IncomingFile.from_storage(storage) for key, storage in request.files.items()}
        return body, files
    if not request.get_data(cache=True):
        return {}, {}
    try:
        return json.loads(request.get_data(cache=True)), {}
    except (ValueError, RecursionError) as exc:
        raise ValidationError(N_("Isi permintaan bukan JSON yang sah."), status=400, code="bad_request") from exc


def json_body(schema_class: type[Schema]):
    """Load the body with ``schema_class`` and pass it as ``body=`` (files as ``files=``).

    Everything that does not fit — an array, a string, a number where an object is expected, a
    wrong type anywhere the schema names — is one 422 listing every field, never a 500.
    """
    schema = schema_class(unknown=EXCLUDE)

    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            raw, files = _raw_body()
            if not isinstance(raw, dict):
                raise ValidationError(details={"field_errors": {
                    "_body": translate(N_("Isi permintaan harus berupa objek JSON."))}})
            try:
                body = schema.load(raw)
            except SchemaError as error:
                raise ValidationError(details={"field_errors": _flatten(schema, error.messages)}) from error
            return view(*args, body=body, files=files, **kwargs)
        wrapper._body_schema = schema_class
        return wrapper
    return decorator


class StrictInteger(fields.Integer):
    """An integer within int64 (``true`` and ``1.5`` are not integers)."""

    def __init__(self, **kwargs):
        super().__init__(strict=True, **kwargs)

    def _validated(self, value):
        number = super()._validated(value)
        if number is not None and not -INT64_MAX - 1 <= number <= INT64_MAX:
            raise self.make_error("invalid")
        return number

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


# --------------------------------------------------------------------------- unexpected errors

class ContractErrors:
    """Mixin for every REST API class (ours and Flask-AppBuilder's security APIs): what its
    ``@safe`` would answer with a 500 is, by class of cause, the 4xx it really is.

    - a unique constraint (a duplicate user name, e-mail, role or resource): 409;
    - a value the database cannot hold or bind (an int beyond int64, an object where a number
      belongs, a NUL character on PostgreSQL, a number out of range) or a query string that
      cannot be read (rison): 400.
    Anything else stays a 500 and is logged by ``@safe``.

    Its schemas write every time as ISO 8601 with the offset of the row's zone (views/api_times.py).
    """

    model2schemaconverter = LocalTimeSchemaConverter

    def response_500(self, message: str | None = None):
        import sys

        from sqlalchemy.exc import DataError, IntegrityError, ProgrammingError, StatementError

        from app.extensions import db

        error = sys.exc_info()[1]
        cause = getattr(error, "orig", None) or error
        if isinstance(error, IntegrityError):
            db.session.rollback()
            return _json_error(409, "duplicate", N_("Data dengan nilai yang sama sudah ada."))
        unbindable = isinstance(error, ProgrammingError) and any(
            words in str(cause).lower() for words in ("binding parameter", "adapt type", "adapt"))
        if isinstance(error, DataError) or unbindable \
                or isinstance(cause, (OverflowError, ValueError, RecursionError)) \
                or (isinstance(error, StatementError) and isinstance(cause, (OverflowError, ValueError))):
            db.session.rollback()
            return _json_error(400, "bad_request", N_("Permintaan memuat nilai yang tidak dapat diproses."))
        return super().response_500(message)


def with_contract(api_class: type) -> type:
    """``api_class`` with ContractErrors, under the same name (same endpoints and permissions)."""
    return type(api_class.__name__, (ContractErrors, api_class), {"__module__": api_class.__module__})


def _json_error(status: int, code: str, message: str):
    response = jsonify({"error": code, "message": translate(message)})
    response.status_code = status
    return response


# --------------------------------------------------------------------------- JWT and HTTP errors

def _unauthorized(message: str, code: str = "unauthorized"):
    response = jsonify({"error": code, "message": translate(message)})
    response.status_code = 401
    response.headers["WWW-Authenticate"] = 'Bearer realm="SatuPintu"'
    return response


def install_jwt_errors(app: Flask) -> None:
    """Every token problem is a 401 (RFC 6750), whatever Flask-JWT-Extended would answer."""
    jwt = app.extensions["flask-jwt-extended"]
    missing = N_("Masuk terlebih dahulu: kirim header Authorization: Bearer <token>.")
    invalid = N_("Token tidak sah. Masuk kembali untuk mendapatkan token baru.")
    expired = N_("Token sudah kedaluwarsa. Masuk kembali untuk mendapatkan token baru.")
    jwt.unauthorized_loader(lambda reason: _unauthorized(missing, "missing_token"))
    jwt.invalid_token_loader(lambda reason: _unauthorized(invalid, "invalid_token"))
    jwt.expired_token_loader(lambda header, data: _unauthorized(expired, "expired_token"))
    jwt.token_verification_failed_loader(lambda header, data: _unauthorized(invalid, "invalid_token"))
    jwt.user_lookup_error_loader(lambda header, data: _unauthorized(invalid, "invalid_token"))
    jwt.needs_fresh_token_loader(lambda header, data: _unauthorized(invalid, "fresh_token_required"))
    # h1's revocation check (token_in_blocklist) answers through revoked_token_loader: 401 as well.
    jwt.revoked_token_loader(lambda header, data: _unauthorized(invalid, "revoked_token"))


def install_http_errors(app: Flask) -> None:
    """404/405/400/… under /api/ as JSON, like every other API answer; and a JSON body sent to
    any API (ours or Flask-AppBuilder's) must be an object: ``null``, an array, a string or a
    number is a 422 before any view reads it, malformed JSON a 400."""
    @app.before_request
    def _json_body_is_an_object():
        if not request.path.startswith("/api/") or request.method not in ("POST", "PUT", "PATCH") \
                or not request.is_json:
            return None
        data = request.get_data(cache=True)
        if not data.strip():
            return None
        try:
            body = json.loads(data)
        except (ValueError, RecursionError):
            return _json_error(400, "bad_request", N_("Isi permintaan bukan JSON yang sah."))
        if not isinstance(body, dict):
            response = jsonify({"error": "invalid", "message": translate(N_("Isian belum benar.")),
                                "field_errors": {"_body": translate(N_("Isi permintaan harus berupa objek JSON."))}})
            response.status_code = 422
            return response
        return None

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        if not request.path.startswith("/api/"):
            return _html_error(error)
        response = error.get_response()
        response.data = json.dumps({"error": (error.name or "error").lower().replace(" ", "_"),
                                    "message": error.description or error.name})
        response.content_type = "application/json"
        return response


HTML_ERRORS = {
    400: (N_("Permintaan tidak dapat dibaca"), N_("Muat ulang halaman lalu coba lagi.")),
    403: (N_("Akses ditolak"), N_("Akun Anda tidak berhak membuka halaman ini.")),
    404: (N_("Halaman tidak ditemukan"), N_("Alamat ini tidak ada, atau bukan untuk akun Anda. Periksa alamatnya atau "
                                              "kembali ke halaman utama.")),
    405: (N_("Cara membuka halaman ini tidak diizinkan"), N_("Buka halaman ini dari menu atau tautannya.")),
    429: (N_("Terlalu banyak permintaan"), N_("Tunggu sebentar lalu coba lagi.")),
}


def _html_error(error: HTTPException):
    """A browser's error page in the user's language (Werkzeug's own is a bare English "Not Found"),
    with the status and headers of the error (e.g. ``Allow`` of a 405) kept."""
    from flask import render_template
    from flask_babel import get_locale

    if error.code is None or error.code < 400 or error.code not in HTML_ERRORS:
        return error
    title, text = HTML_ERRORS[error.code]
    back = "/portal/" if request.path.startswith("/portal/") else "/"
    response = error.get_response()
    response.set_data(render_template("http_error.html", status=error.code, title=translate(title),
                                      text=translate(text), back=back, lang=str(get_locale() or "id")))
    response.content_type = "text/html; charset=utf-8"
    return response


# --------------------------------------------------------------------------- the OpenAPI document

ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "error": {"type": "string", "description": "A stable machine-readable code"},
        "message": {"description": "A human message (Bahasa Indonesia by default); Flask-AppBuilder's own "
                                   "APIs put their per-field messages here as an object"},
        "msg": {"type": "string"},
        "field_errors": {"type": "object", "additionalProperties": {"type": "string"},
                         "description": "Per field: what is wrong with it"},
        "reasons": {"type": "array", "items": {"type": "string"},
                    "description": "Why a guard refuses the action"},
    },
}
STANDARD_RESPONSES = {
    "400": "Bad request: not JSON, or a query parameter that cannot be read",
    "401": "Missing, malformed, expired or otherwise invalid token",
    "403": "Your role may not do this",
    "404": "Not found, or not yours",
    "405": "Method not allowed on this path",
    "409": "Conflict: stale version, concurrent change, or a duplicate",
    "413": "Request body too large",
    "422": "Invalid input: see field_errors",
}


def _error_response(code: str) -> dict:
    return {"description": STANDARD_RESPONSES[code],
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def _relax_values(node) -> None:
    """Flask-AppBuilder's JSON has decimals as strings and naive timestamps (no zone)."""
    if isinstance(node, dict):
        if node.get("format") == "date-time":
            node.pop("format")
        if node.get("type") == "object" and "properties" in node:
            node["nullable"] = True                # related rows may be absent (null)
        if node.get("type") == "number":
            node.pop("type")
            node["description"] = (node.get("description", "") + " (a number, decimals as text)").strip()
        for value in node.values():
            _relax_values(value)
    elif isinstance(node, list):
        for value in node:
            _relax_values(value)


def _fix_fab_documentation(spec: dict) -> None:
    """Where Flask-AppBuilder's generated documentation disagrees with what it sends."""
    _relax_values(spec.get("components", {}).get("schemas", {}))
    for name, schema in spec.get("components", {}).get("schemas", {}).items():
        props = schema.get("properties") or {}
        if "Api." in name:   # a relation is documented as one row even when it holds many (roles, groups)
            for key, value in list(props.items()):
                if set(value) == {"$ref"}:
                    props[key] = {"anyOf": [value, {"type": "array", "items": value}], "nullable": True}
        if props.get("id", {}).get("type") == "string":
            props["id"] = {"type": "integer"}
    for path, operations in spec.get("paths", {}).items():
        for operation in operations.values():
            if not isinstance(operation, dict):
                continue
            _relax_values(operation.get("responses", {}))
            for code, answer in operation.get("responses", {}).items():
                if not code.startswith("2") or not isinstance(answer, dict):
                    continue
                body = answer.get("content", {}).get("application/json", {}).get("schema", {})
                props = body.get("properties") or {}
                if "ids" in props:                     # list: the ids are the primary keys (integers)
                    props["ids"]["items"] = {}
                if "id" in props and props["id"].get("type") == "string":
                    props["id"] = {}                   # integer ids; an API key's is its uuid
                if "result" in props and path.startswith("/api/v1/security/groups/") and "{" in path:
                    props["result"] = {"type": "object"}   # users/roles are lists, not objects
                if path.startswith("/api/v1/security/api_keys/") and "result" in props:
                    props["result"] = {}                   # a list, or one key

            ok = operation.get("responses", {}).get("200", {})
            body = ok.get("content", {}).get("application/json", {}).get("schema", {})
            props = body.get("properties") or {}
            for name in ("add_columns", "edit_columns"):   # _info: lists of column descriptions
                if name in props:
                    props[name] = {"type": "array", "items": {"type": "object"}}
            if path.endswith("/menu/") and "result" in props:   # separators are the string "-"
                props["result"]["items"].get("properties", {}).get("childs", {})["items"] = {}


def complete_spec(spec: dict) -> dict:
    """Declare what every operation really answers (see the module docstring)."""
    spec = copy.deepcopy(spec)
    components = spec.setdefault("components", {})
    components.setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    _fix_fab_documentation(spec)
    for path, operations in spec.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in ("get", "post", "put", "patch", "delete") or not isinstance(operation, dict):
                continue
            responses = operation.setdefault("responses", {})
            wanted = {"400"}
            if operation.get("security"):
                wanted |= {"401", "403"}
            if "{" in path:
                wanted |= {"404"}
            if method in ("post", "put", "patch") or "{" in path or operation.get("parameters"):
                wanted |= {"422"}
            if method in ("post", "put", "patch"):
                wanted |= {"409", "413"}
            if "{" in path:
                wanted |= {"405"}         # /<pk> with a non-integer id meets the PUT/DELETE rule
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema") or {}
                if parameter.get("in") == "path" and schema.get("type") == "integer":
                    schema.update({"format": "int64", "maximum": INT64_MAX, "minimum": -INT64_MAX - 1})
            for code in sorted(wanted):
                responses.setdefault(code, _error_response(code))
            for code, response in list(responses.items()):
                if isinstance(response, dict) and response.get("$ref", "").startswith("#/components/responses/") \
                        and code in STANDARD_RESPONSES:
                    responses[code] = _error_response(code)
    return spec


class OpenApiView(OpenApi):
    """Flask-AppBuilder's ``/api/<version>/_openapi``, completed by ``complete_spec``."""

    class_permission_name = "OpenApi"

    @expose("/<version>/_openapi")
    @protect()
    @safe
    def get(self, version):
        """The OpenAPI document of one API version, with every status the API answers.
        ---
        get:
          parameters:
          - {in: path, name: version, required: true, schema: {type: string}}
          responses:
            200:
              description: The OpenAPI document
              content: {application/json: {schema: {type: object}}}
            404: {description: No API of that version}
        """
        api_spec = self._create_api_spec(version)
        found = False
        for base_api in current_app.appbuilder.baseviews:
            if isinstance(base_api, BaseApi) and base_api.version == version:
                base_api.add_api_spec(api_spec)
                found = True
        if not found:
            return self.response_404()
        return self.response(200, **complete_spec(api_spec.to_dict()))


def init_api_contract(appbuilder, app: Flask) -> None:
    """The completed OpenAPI view (and Swagger UI), JWT and HTTP error answers; called once
    Flask-AppBuilder is initialised (FAB_ADD_OPENAPI_VIEWS is off so its own view stays out)."""
    from flask_appbuilder.api.manager import SwaggerView

    appbuilder.add_api(OpenApiView)
    if app.config.get("FAB_API_SWAGGER_UI"):
        appbuilder.add_view_no_menu(SwaggerView)
    install_jwt_errors(app)
    install_http_errors(app)
