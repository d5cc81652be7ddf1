"""The shape of every section of ``workflow_rules.yaml`` (see docs/rules-format.md).

Only structure is checked here (types, required and unknown keys, enums, local consistency of one
item); references between sections are checked in ``app.rules.crosschecks``.
"""
from __future__ import annotations

import re
from datetime import date, datetime
from typing import Sequence

from app.rules.problems import Place, ProblemSink
from app.rules.validators import (
    KEY,
    LABEL,
    TEXT,
    Anything,
    Boolean,
    Custom,
    Either,
    Integer,
    ListOf,
    MapOf,
    Nullable,
    Number,
    OneOf,
    Record,
    Scalar,
    Text,
    describe,
    optional,
    required,
    suggestion,
)
from app.rules.yaml_source import item_place, key_place
from app.workflow.effects import EFFECTS, NOTIFY_LIST, effect_name_and_args
from app.workflow.fields import (
    DATE_TYPES,
    FIELD_TYPES,
    FILE_DOCUMENT_KINDS,
    FILE_KINDS,
    FORM_ONLY_TYPES,
    NUMBER_TYPES,
    TEXT_TYPES,
)
from app.workflow.guards import GUARDS, guard_name_and_args
from app.workflow.validity import VALIDITY_FROM_PATTERN, VALIDITY_UNITS

FORMAT_VERSION = 1
BUILTIN_ROLES = ("customer", "assignee", "system")
STATE_KINDS = ("working", "waiting_customer", "final_success", "final_rejected", "final_cancelled")
FINAL_STATE_KINDS = tuple(kind for kind in STATE_KINDS if kind.startswith("final_"))  # a tuple: safe for any value
DOCUMENT_KINDS = ("receipt", "invoice", "kuitansi", "cover_letter", "licence", "report", "other")
CUSTOMER_KINDS = ("person", "company", "institution")
NUMBERING_SCOPES = ("agency", "service", "year", "month", "day")
NUMBERING_TOKENS = ("seq", "dd", "mm", "roman_month", "yy", "yyyy", "hex6", "agency", "service")
SURVEY_ELEMENTS = tuple(f"U{number}" for number in range(1, 10))
COLLECTION_SECTIONS = (
    "request_kinds", "roles", "numbering", "notifications", "documents", "surveys", "agencies",
    "workflows", "services",
)
SINGLE_SECTIONS = ("calendar",)
TOP_LEVEL_KEYS = ("version", "include", *SINGLE_SECTIONS, *COLLECTION_SECTIONS)
CODE = Text(r"[A-Za-z0-9][A-Za-z0-9._-]*", "a code (letters, digits, '.', '_' or '-')")
EMAIL = Text(r"[^@\s]+@[^@\s]+\.[^@\s]+", "an email address")


def _check_iso_date(value, place, what, owner, sink):
    try:
        if not isinstance(value, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
            raise ValueError
        date.fromisoformat(value)
    except ValueError:
        sink.add(place, f"{what} must be a date written YYYY-MM-DD (got {describe(value)})")


ISO_DATE = Custom(_check_iso_date, "a date YYYY-MM-DD")


def _check_timezone(value, place, what, owner, sink):
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        if not isinstance(value, str) or not value:
            raise ValueError
        ZoneInfo(value)
    except (ValueError, ZoneInfoNotFoundError):
        sink.add(place, f"{what} must be a time zone such as Asia/Jakarta, Asia/Makassar or Asia/Jayapura (got {describe(value)})")


TIMEZONE = Custom(_check_timezone, "a time zone")


def _is_iso_datetime(value) -> bool:
    try:
        return isinstance(value, str) and bool(datetime.fromisoformat(value)) and "-" in value
    except ValueError:
        return False


# ---------------------------------------------------------------- form fields

CONDITION = Record(
    {
        "field": required(KEY),
        "equals": optional(Scalar()),
        "in": optional(ListOf(Scalar(), min_items=1)),
        "filled": optional(Boolean()),
    },
    exactly_one_of=("equals", "in", "filled"),
)


def _check_option_value(value, place, what, owner, sink):
    if value is None or isinstance(value, (dict, list)):
        sink.add(place, f"{what} must be a text, number or true/false (got {describe(value)})")


OPTION = Record({"value": required(Custom(_check_option_value)), "label": required(LABEL)})

_ONLY_ON = {
    "options": frozenset({"select"}),
    "types": frozenset({"file"}),
    "max_mb": frozenset({"file"}),
    "document": frozenset({"file"}),
    "role": frozenset({"assignee"}),
    "max_length": TEXT_TYPES,
    "min": NUMBER_TYPES | DATE_TYPES,
    "max": NUMBER_TYPES | DATE_TYPES,
}


def _field_spec_check(in_form: bool):
    def check(spec: dict, place: Place, what: str, sink: ProblemSink) -> None:
        kind = spec.get("type")
        if not isinstance(kind, str) or kind not in FIELD_TYPES:
            return
        if kind in FORM_ONLY_TYPES and not in_form:
            sink.add(key_place(spec, "type", place), f"{what}: type '{kind}' is only allowed in transition forms")
        for name, kinds in _ONLY_ON.items():
            if name in spec and kind not in kinds:
                sink.add(key_place(spec, name, place), f"'{name}' is not allowed on a {kind} field ({what})")
        if "document" in spec and kind == "file" and not in_form:
            sink.add(
                key_place(spec, "document", place),
                f"'document' is only allowed on file fields of transition forms ({what})",
            )
        if kind == "select" and "options" not in spec:
            sink.add(place, f"{what} is a select field and needs 'options'")
        if kind == "assignee" and "role" not in spec:
            sink.add(place, f"{what} is an assignee field and needs 'role' (the role its users hold)")
        bounds = {name: spec[name] for name in ("min", "max") if name in spec}
        for name, bound in bounds.items():
            where = key_place(spec, name, place)
            if kind == "money" and (isinstance(bound, bool) or not isinstance(bound, int) or bound < 0):
                sink.add(where, f"'{name}' of {what} must be a whole number of rupiah, zero or more")
            elif kind == "number" and (isinstance(bound, bool) or not isinstance(bound, (int, float))):
                sink.add(where, f"'{name}' of {what} must be a number")
            elif kind == "date":
                _check_iso_date(bound, where, f"'{name}' of {what}", what, sink)
            elif kind == "datetime" and not _is_iso_datetime(bound):
                sink.add(where, f"'{name}' of {what} must be a date and time like 2026-01-31T08:00")
        low, high = bounds.get("min"), bounds.get("max")
        if low is not None and high is not None and type(low) is type(high):
            try:
                if low > high:
                    sink.add(key_place(spec, "max", place), f"'max' of {what} is less than its 'min'")
            except TypeError:
                pass

    return check


def field_record(in_form: bool) -> Record:
    return Record(
        {
            "key": required(KEY),
            "label": required(LABEL),
            "type": required(OneOf(FIELD_TYPES)),
            "required": optional(Boolean()),
            "options": optional(ListOf(OPTION, noun="option", name_key="value", min_items=1)),
            "show_if": optional(CONDITION),
            "help": optional(LABEL),
            "min": optional(Anything()),
            "max": optional(Anything()),
            "max_length": optional(Integer(1)),
            "types": optional(ListOf(OneOf(FILE_KINDS), min_items=1, unique_values=True)),
            "max_mb": optional(Number(positive=True)),
            "role": optional(KEY),
            "document": optional(OneOf(FILE_DOCUMENT_KINDS)),
        },
        extra_check=_field_spec_check(in_form),
    )


SERVICE_FIELDS = ListOf(field_record(in_form=False), noun="field", name_key="key")
FORM_FIELDS = ListOf(field_record(in_form=True), noun="field", name_key="key")


# ---------------------------------------------------------------- guards and effects


def _check_registry_entry(kind: str, registry: dict, split, value, place, owner, sink) -> None:
    name, args = split(value)
    if name is None:
        shape = "a name or a one-key mapping {name: arguments}" if kind == "guard" else "a one-key mapping {name: arguments}"
        sink.add(place, f"each {kind} of {owner} must be {shape} (got {describe(value)})")
        return
    spec = registry.get(name)
    if spec is None:
        sink.add(place, f"unknown {kind} '{name}' in {owner}{suggestion(name, registry)}")
        return
    subject = f"{kind} '{name}' of {owner}"
    if spec.args is None:
        if args not in ({}, None):
            sink.add(place, f"{subject} takes no arguments")
        return
    if isinstance(value, str):
        sink.add(place, f"{subject} needs arguments")
        return
    spec.args.check(args, key_place(value, name, place), f"arguments of {subject}", subject, sink)


def _check_guard(value, place, what, owner, sink):
    _check_registry_entry("guard", GUARDS, guard_name_and_args, value, place, owner, sink)


def _check_effect(value, place, what, owner, sink):
    _check_registry_entry("effect", EFFECTS, effect_name_and_args, value, place, owner, sink)


GUARD_LIST = ListOf(Custom(_check_guard))
EFFECT_LIST = ListOf(Custom(_check_effect))

# ---------------------------------------------------------------- workflows

SLA = Record(
    {
        "working_days": optional(Integer(1)),
        "days": optional(Integer(1)),
        "hours": optional(Integer(1)),
        "minutes": optional(Integer(1)),
    },
    exactly_one_of=("working_days", "days", "hours", "minutes"),
)
ON_OVERDUE = Record({"notify": optional(NOTIFY_LIST), "fire": optional(Nullable(KEY))})


def _state_check(state: dict, place: Place, what: str, sink: ProblemSink) -> None:
    final = state.get("kind") in FINAL_STATE_KINDS
    for name in ("sla", "on_overdue", "clock"):
        if final and name in state:
            sink.add(key_place(state, name, place), f"{what} is final and cannot have '{name}'")
    if "on_overdue" in state and "sla" not in state and not final:
        sink.add(key_place(state, "on_overdue", place), f"{what} has 'on_overdue' but no 'sla'")


STATE = Record(
    {
        "label": required(LABEL),
        "staff_label": optional(LABEL),
        "kind": required(OneOf(STATE_KINDS)),
        "sla": optional(SLA),
        "clock": optional(OneOf(("runs", "stops"))),
        "on_overdue": optional(ON_OVERDUE),
    },
    extra_check=_state_check,
)

REVISE_PARTS = ("company", "location", "fields", "documents")
DEFAULT_REVISE = ("fields", "documents")

STATE_NAMES = Either((str, KEY), (list, ListOf(KEY, min_items=1, unique_values=True)), expects="a state or a list of states")
ROLE_NAMES = Either((str, KEY), (list, ListOf(KEY, min_items=1, unique_values=True)), expects="a role or a list of roles")

TRANSITION = Record(
    {
        "action": required(KEY),
        "label": required(LABEL),
        "timeline": optional(LABEL),
        "from": required(STATE_NAMES),
        "to": required(KEY),
        "by": required(ROLE_NAMES),
        "form": optional(FORM_FIELDS),
        # what a customer's revision (portal "Perbaiki") may correct; default [fields, documents]
        "revise": optional(ListOf(OneOf(REVISE_PARTS), min_items=1, unique_values=True)),
        "guards": optional(GUARD_LIST),
        "effects": optional(EFFECT_LIST),
    }
)

WORKFLOW = Record(
    {
        "initial": required(KEY),
        # Sent when the customer submits the application (it is created in `initial`).
        "on_submit": optional(Record({"notify": required(NOTIFY_LIST)})),
        "states": required(MapOf(STATE, noun="state", min_items=1)),
        # Actions repeat across states, so transition names need not be unique (crosschecks look closer).
        "transitions": required(
            ListOf(TRANSITION, noun="transition", name_key="action", min_items=1, unique_names=False)
        ),
    }
)

# ---------------------------------------------------------------- the other sections


def _check_calendar(calendar: dict, place: Place, what: str, sink: ProblemSink) -> None:
    try:
        import holidays
    except ImportError:  # the calendar module needs it anyway; skip the extra precision
        return
    country, categories = calendar.get("country"), calendar.get("categories")
    if not isinstance(country, str):
        return
    if country not in holidays.list_supported_countries():
        sink.add(key_place(calendar, "country", place), f"country '{country}' of {what} has no holiday calendar")
        return
    supported = holidays.country_holidays(country).supported_categories
    for index, category in enumerate(categories if isinstance(categories, list) else ()):
        if isinstance(category, str) and category not in supported:
            sink.add(
                item_place(categories, index, key_place(calendar, "categories", place)),
                f"holiday category '{category}' is not available for {country} (available: {', '.join(supported)})",
            )


CALENDAR = Record(
    {
        "country": required(Text(r"[A-Z]{2}", "a two-letter country code like ID")),
        "categories": optional(ListOf(KEY, min_items=1, unique_values=True)),
    },
    extra_check=_check_calendar,
)

REQUEST_KIND = Record({"label": required(LABEL)})
ROLE = Record({"label": required(LABEL), "description": optional(TEXT)})


def _numbering_check(numbering: dict, place: Place, what: str, sink: ProblemSink) -> None:
    pattern = numbering.get("pattern")
    if isinstance(pattern, str):
        for problem in numbering_pattern_problems(pattern):
            sink.add(key_place(numbering, "pattern", place), f"pattern of {what} {problem}")


def numbering_pattern_problems(pattern: str) -> list[str]:
    """What is wrong with a numbering pattern (empty list: nothing)."""
    problems = []
    tokens = re.findall(r"\{([^{}]*)\}", pattern)
    if re.sub(r"\{[^{}]*\}", "", pattern).count("{") or re.sub(r"\{[^{}]*\}", "", pattern).count("}"):
        problems.append("has an unmatched '{' or '}'")
    for token in tokens:
        name, _, width = token.partition(":")
        if name not in NUMBERING_TOKENS:
            problems.append(f"has unknown token '{{{token}}}'{suggestion(name, NUMBERING_TOKENS)}")
        elif width and (name != "seq" or not (width.isascii() and width.isdigit()) or not 1 <= int(width) <= 12):
            problems.append(f"has invalid token '{{{token}}}' (only seq takes a width, 1 to 12: {{seq:4}})")
    if not any(token.partition(":")[0] in ("seq", "hex6") for token in tokens):
        problems.append("needs {seq}, {seq:N} or {hex6} to make numbers unique")
    return problems


NUMBERING = Record(
    {
        "pattern": required(TEXT),
        "per": optional(ListOf(OneOf(NUMBERING_SCOPES), unique_values=True)),
    },
    extra_check=_numbering_check,
)


def _jinja_problems(text: str) -> list[tuple[int, str]]:
    try:
        import jinja2
    except ImportError:
        return []
    try:
        jinja2.Environment().parse(text)
    except jinja2.TemplateSyntaxError as error:
        return [(error.lineno or 1, error.message or "syntax error")]
    return []


def notification_schema(known_channels: Sequence[str]) -> Custom:
    known = tuple(known_channels)

    def check(template, place, what, owner, sink):
        if not isinstance(template, dict):
            sink.add(place, f"{what} must be a mapping of channels (got {describe(template)})")
            return
        if not template:
            sink.add(place, f"{what} must have at least one channel ({', '.join(known)})")
        for channel, variant in template.items():
            where = key_place(template, channel, place)
            if channel not in known:
                sink.add(where, f"unknown channel '{channel}' in {what} (known: {', '.join(known)}){suggestion(channel, known)}")
                continue
            if channel == "whatsapp":
                fields = {"body": required(TEXT)}
            elif channel in ("email", "inbox"):
                fields = {"subject": required(TEXT), "body": required(TEXT)}
            else:  # a channel registered later: a body, perhaps a subject
                fields = {"subject": optional(TEXT), "body": required(TEXT)}
            variant_what = f"'{channel}' of {what}"
            Record(fields).check(variant, where, variant_what, what, sink)
            if not isinstance(variant, dict):
                continue
            for part in ("subject", "body"):
                text = variant.get(part)
                if not isinstance(text, str):
                    continue
                part_place = key_place(variant, part, where)
                for line, message in _jinja_problems(text):
                    offset = line if "\n" in text else 0
                    sink.add(Place(part_place.file, part_place.line + offset), f"template error in {part} of {variant_what}: {message}")

    return Custom(check, "a notification template")


VALIDITY_REMIND = Record(
    {
        "days_before": required(ListOf(Integer(1), min_items=1, unique_values=True)),
        "notify": required(NOTIFY_LIST),
    }
)
VALIDITY = Record(
    {
        "years": optional(Integer(1)),
        "months": optional(Integer(1)),
        "days": optional(Integer(1)),
        "from": optional(Text(VALIDITY_FROM_PATTERN, "issued, signed or field:<field key>")),
        "remind": optional(VALIDITY_REMIND),
    },
    exactly_one_of=VALIDITY_UNITS,
)

DOCUMENT = Record(
    {
        "label": required(LABEL),
        "kind": required(OneOf(DOCUMENT_KINDS)),
        "template": required(TEXT),
        "numbering": optional(Nullable(KEY)),
        "signed": optional(Boolean()),
        "locale": optional(OneOf(("id", "en"))),  # language of its dates and numbers (default id)
        "validity": optional(VALIDITY),
    }
)

SURVEY_OPTION = Record({"label": required(LABEL), "score": required(Integer(1, 4))})
SURVEY_QUESTION = Record(
    {
        "key": required(KEY),
        "element": optional(Nullable(OneOf(SURVEY_ELEMENTS))),
        "text": required(LABEL),
        "options": required(ListOf(SURVEY_OPTION, min_items=2)),
    }
)
FREE_TEXT_QUESTION = Record({"key": required(KEY), "label": required(LABEL), "required": optional(Boolean())})


def _survey_check(survey: dict, place: Place, what: str, sink: ProblemSink) -> None:
    questions, free_text = survey.get("questions"), survey.get("free_text")
    question_keys = {
        q["key"] for q in (questions if isinstance(questions, list) else ()) if isinstance(q, dict) and isinstance(q.get("key"), str)
    }
    for item in free_text if isinstance(free_text, list) else ():
        if isinstance(item, dict) and isinstance(item.get("key"), str) and item["key"] in question_keys:
            sink.add(
                key_place(item, "key", place),
                f"key '{item['key']}' of {what} is used by a question and by a free-text question",
            )


SURVEY = Record(
    {
        "title": required(LABEL),
        "gates_downloads": optional(Boolean()),
        "questions": required(ListOf(SURVEY_QUESTION, noun="question", name_key="key", min_items=1)),
        "free_text": optional(ListOf(FREE_TEXT_QUESTION, noun="free-text question", name_key="key")),
    },
    extra_check=_survey_check,
)

BANK_ACCOUNT = Record(
    {"key": required(KEY), "bank": required(TEXT), "number": required(TEXT), "holder": required(TEXT)}
)
SIGNATORY = Record(
    {
        "key": required(KEY),
        "name": required(TEXT),
        "nip": optional(TEXT),
        "title": required(TEXT),
        "role": required(KEY),
    }
)
SERVICE_CLASS = Record({"key": required(KEY), "label": required(LABEL)})
AGENCY = Record(
    {
        "name": required(TEXT),
        "short_name": optional(TEXT),
        "code": required(CODE),
        "timezone": optional(TIMEZONE),
        "address": optional(TEXT),
        "phone": optional(TEXT),
        "email": optional(EMAIL),
        "account_activation": optional(OneOf(("email", "admin"))),
        "bank_accounts": optional(ListOf(BANK_ACCOUNT, noun="bank account", name_key="key")),
        "signatories": optional(ListOf(SIGNATORY, noun="signatory", name_key="key")),
        "extra_days_off": optional(ListOf(ISO_DATE, unique_values=True)),
        "service_classes": required(ListOf(SERVICE_CLASS, noun="service class", name_key="key", min_items=1)),
        "complaint_channel": optional(TEXT),
    }
)

CATALOGUE_ITEM = Record(
    {
        "code": required(CODE),
        "name": required(TEXT),
        "unit": optional(TEXT),
        "price": required(Integer(0, expects="a whole number of rupiah, zero or more")),
        "weight": optional(Nullable(Number(minimum=0))),
        "handler_role": optional(Nullable(KEY)),
        "data_required": optional(TEXT),
    }
)
REQUIRED_DOCUMENT = Record(
    {
        "key": required(KEY),
        "label": required(LABEL),
        "types": optional(ListOf(OneOf(FILE_KINDS), min_items=1, unique_values=True)),
        "max_mb": optional(Number(positive=True)),
        "required": optional(Boolean()),
        "template": optional(Nullable(TEXT)),
        "when": optional(CONDITION),
        "help": optional(LABEL),
        # UU PDP: opening a personal document (KTP, NPWP…) is logged; kept this long after closing
        "personal": optional(Boolean()),
        "retention_days": optional(Integer(1, expects="a whole number of days, one or more")),
    }
)
ASSET = Record({"kind": required(KEY), "label": required(LABEL)})
PRESENCE = OneOf(("none", "optional", "required"))


WORK_ITEM_STEPS = ("assign", "enter", "verify", "validate")
WORK_ITEM_STEP = Record({"by": required(ROLE_NAMES), "states": required(STATE_NAMES)})
# The rows of an application's work, one per cart line (a lab order's test parameters): who assigns
# a row to whom, the columns its assignee enters, and who verifies and validates each row in which
# states. ``enter`` is always done by the row's own assignee (``by`` must say ``row_assignee``).
WORK_ITEMS = Record(
    {
        "label": required(LABEL),
        "assignee_role": required(KEY),
        "columns": required(FORM_FIELDS),
        "assign": required(WORK_ITEM_STEP),
        "enter": required(WORK_ITEM_STEP),
        "verify": optional(WORK_ITEM_STEP),
        "validate": optional(WORK_ITEM_STEP),
    }
)


def _service_check(service: dict, place: Place, what: str, sink: ProblemSink) -> None:
    if service.get("cart") is True and not service.get("catalogue"):
        sink.add(key_place(service, "cart", place), f"{what} has a cart but no catalogue items")


SERVICE = Record(
    {
        "agency": required(KEY),
        "class": required(KEY),
        "code": required(CODE),
        "name": required(TEXT),
        "description": optional(TEXT),
        "workflow": required(KEY),
        "request_kinds": optional(ListOf(KEY, min_items=1, unique_values=True)),
        "customer_kinds": optional(ListOf(OneOf(CUSTOMER_KINDS), min_items=1, unique_values=True)),
        "standard_time": optional(TEXT),
        "sla": optional(SLA),
        "product": optional(TEXT),
        "receipt_numbering": optional(Nullable(KEY)),
        "cart": optional(Boolean()),
        "catalogue": optional(ListOf(CATALOGUE_ITEM, noun="catalogue item", name_key="code")),
        "asset": optional(Nullable(ASSET)),
        "company_data": optional(PRESENCE),
        "location": optional(PRESENCE),
        "fields": optional(SERVICE_FIELDS),
        "documents": optional(ListOf(REQUIRED_DOCUMENT, noun="required document", name_key="key")),
        "declaration": optional(Nullable(TEXT)),
        "survey": optional(Nullable(KEY)),
        "work_items": optional(WORK_ITEMS),
        # who may change the cart's quantities and unit prices, in which states (before invoicing)
        "cart_adjust": optional(WORK_ITEM_STEP),
    },
    extra_check=_service_check,
)


def section_schemas(known_channels: Sequence[str]) -> dict:
    """Schema of each top-level section, keyed by section name."""
    return {
        "calendar": CALENDAR,
        "request_kinds": MapOf(REQUEST_KIND, noun="request kind"),
        "roles": MapOf(ROLE, noun="role"),
        "numbering": MapOf(NUMBERING, noun="numbering"),
        "notifications": MapOf(notification_schema(known_channels), noun="notification template"),
        "documents": MapOf(DOCUMENT, noun="document"),
        "surveys": MapOf(SURVEY, noun="survey"),
        "agencies": MapOf(AGENCY, noun="agency"),
        "workflows": MapOf(WORKFLOW, noun="workflow"),
        "services": MapOf(SERVICE, noun="service"),
    }
