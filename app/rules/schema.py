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
    described,
    did_you_mean,
    must_be,
    named,
    of,
    optional,
    required,
)
from app.rules.messages import N_
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
CODE = Text(r"[A-Za-z0-9][A-Za-z0-9._-]*", N_("kode (huruf, angka, '.', '_' atau '-')"))
EMAIL = Text(r"[^@\s]+@[^@\s]+\.[^@\s]+", N_("sebuah alamat email"))


def _check_iso_date(value, place, what, owner, sink):
    try:
        if not isinstance(value, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
            raise ValueError
        date.fromisoformat(value)
    except ValueError:
        sink.add(place, must_be(what, N_("tanggal yang ditulis YYYY-MM-DD"), described(value)))


ISO_DATE = Custom(_check_iso_date, N_("tanggal YYYY-MM-DD"))


def _check_timezone(value, place, what, owner, sink):
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        if not isinstance(value, str) or not value:
            raise ValueError
        ZoneInfo(value)
    except (ValueError, ZoneInfoNotFoundError):
        sink.add(place, must_be(what, N_("zona waktu seperti Asia/Jakarta, Asia/Makassar atau Asia/Jayapura"), described(value)))


TIMEZONE = Custom(_check_timezone, N_("zona waktu"))


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
        sink.add(place, must_be(what, N_("teks, angka atau true/false"), described(value)))


OPTION = Record({"value": required(Custom(_check_option_value)), "label": required(LABEL)})

_ONLY_ON = {
    "options": frozenset({"select"}),
    "types": frozenset({"file"}),
    "max_mb": frozenset({"file"}),
    "document": frozenset({"file"}),
    "role": frozenset({"assignee"}),
    "max_length": TEXT_TYPES,
    "subject": TEXT_TYPES,
    "min": NUMBER_TYPES | DATE_TYPES,
    "max": NUMBER_TYPES | DATE_TYPES,
    "not_future": DATE_TYPES,
    "after": DATE_TYPES,
}


def _field_spec_check(in_form: bool):
    def check(spec: dict, place: Place, what: str, sink: ProblemSink) -> None:
        kind = spec.get("type")
        if not isinstance(kind, str) or kind not in FIELD_TYPES:
            return
        if kind in FORM_ONLY_TYPES and not in_form:
            sink.add(key_place(spec, "type", place), N_("%(what)s: tipe '%(kind)s' hanya boleh di formulir transisi", what=what, kind=kind))
        for name, kinds in _ONLY_ON.items():
            if name in spec and kind not in kinds:
                sink.add(key_place(spec, name, place), N_("'%(name)s' tidak boleh pada isian %(kind)s (%(what)s)", name=name, kind=kind, what=what))
        if "document" in spec and kind == "file" and not in_form:
            sink.add(
                key_place(spec, "document", place),
                N_("'document' hanya boleh pada isian berkas di formulir transisi (%(what)s)", what=what),
            )
        if kind == "select" and "options" not in spec:
            sink.add(place, N_("%(what)s adalah isian pilihan dan memerlukan 'options'", what=what))
        if kind == "assignee" and "role" not in spec:
            sink.add(place, N_("%(what)s adalah isian penugasan dan memerlukan 'role' (peran para penggunanya)", what=what))
        bounds = {name: spec[name] for name in ("min", "max") if name in spec}
        for name, bound in bounds.items():
            where = key_place(spec, name, place)
            if kind == "money" and (isinstance(bound, bool) or not isinstance(bound, int) or bound < 0):
                sink.add(where, N_("'%(name)s' dari %(what)s harus bilangan bulat rupiah, nol atau lebih", name=name, what=what))
            elif kind == "number" and (isinstance(bound, bool) or not isinstance(bound, (int, float))):
                sink.add(where, N_("'%(name)s' dari %(what)s harus bilangan", name=name, what=what))
            elif kind == "date":
                _check_iso_date(bound, where, N_("'%(name)s' dari %(what)s", name=name, what=what), what, sink)
            elif kind == "datetime" and not _is_iso_datetime(bound):
                sink.add(where, N_("'%(name)s' dari %(what)s harus tanggal dan jam seperti 2026-01-31T08:00", name=name, what=what))
        low, high = bounds.get("min"), bounds.get("max")
        if low is not None and high is not None and type(low) is type(high):
            try:
                if low > high:
                    sink.add(key_place(spec, "max", place), N_("'max' dari %(what)s lebih kecil dari 'min'-nya", what=what))
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
            "options": optional(ListOf(OPTION, noun=N_("pilihan"), name_key="value", min_items=1)),
            "show_if": optional(CONDITION),
            "help": optional(LABEL),
            "min": optional(Anything()),
            "max": optional(Anything()),
            "max_length": optional(Integer(1)),
            "types": optional(ListOf(OneOf(FILE_KINDS), min_items=1, unique_values=True)),
            "max_mb": optional(Number(positive=True)),
            "role": optional(KEY),
            "document": optional(OneOf(FILE_DOCUMENT_KINDS)),
            "subject": optional(Boolean()),
            # date constraints: not after today (agency zone); on or after another date field
            "not_future": optional(Boolean()),
            "after": optional(KEY),
        },
        extra_check=_field_spec_check(in_form),
    )


SERVICE_FIELDS = ListOf(field_record(in_form=False), noun=N_("isian"), name_key="key")
FORM_FIELDS = ListOf(field_record(in_form=True), noun=N_("isian"), name_key="key")


# ---------------------------------------------------------------- guards and effects


GUARD, EFFECT = N_("syarat"), N_("efek")


def _check_registry_entry(kind, registry: dict, split, value, place, owner, sink) -> None:
    name, args = split(value)
    if name is None:
        shape = N_("nama atau pemetaan satu kunci {name: arguments}") if kind is GUARD else N_("pemetaan satu kunci {name: arguments}")
        sink.add(place, N_("setiap %(kind)s dari %(owner)s harus %(shape)s (tertulis %(got)s)", kind=kind, owner=owner,
                           shape=shape, got=described(value)))
        return
    spec = registry.get(name)
    if spec is None:
        sink.add(place, N_("%(kind)s '%(name)s' tidak dikenal di %(owner)s%(suggestion)s", kind=kind, name=name, owner=owner,
                           suggestion=did_you_mean(name, registry)))
        return
    subject = of(named(kind, name), owner)
    if spec.args is None:
        if args not in ({}, None):
            sink.add(place, N_("%(subject)s tidak menerima argumen", subject=subject))
        return
    if isinstance(value, str):
        sink.add(place, N_("%(subject)s memerlukan argumen", subject=subject))
        return
    spec.args.check(args, key_place(value, name, place), N_("argumen dari %(subject)s", subject=subject), subject, sink)


def _check_guard(value, place, what, owner, sink):
    _check_registry_entry(GUARD, GUARDS, guard_name_and_args, value, place, owner, sink)


def _check_effect(value, place, what, owner, sink):
    _check_registry_entry(EFFECT, EFFECTS, effect_name_and_args, value, place, owner, sink)


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
            sink.add(key_place(state, name, place), N_("%(what)s adalah status akhir dan tidak boleh memiliki '%(name)s'", what=what, name=name))
    if "on_overdue" in state and "sla" not in state and not final:
        sink.add(key_place(state, "on_overdue", place), N_("%(what)s memiliki 'on_overdue' tetapi tidak memiliki 'sla'", what=what))


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

STATE_NAMES = Either((str, KEY), (list, ListOf(KEY, min_items=1, unique_values=True)), expects=N_("status atau daftar status"))
ROLE_NAMES = Either((str, KEY), (list, ListOf(KEY, min_items=1, unique_values=True)), expects=N_("peran atau daftar peran"))

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
        "states": required(MapOf(STATE, noun=N_("status"), min_items=1)),
        # Actions repeat across states, so transition names need not be unique (crosschecks look closer).
        "transitions": required(
            ListOf(TRANSITION, noun=N_("transisi"), name_key="action", min_items=1, unique_names=False)
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
        sink.add(key_place(calendar, "country", place), N_("negara '%(country)s' dari %(what)s tidak memiliki kalender libur", country=country, what=what))
        return
    supported = holidays.country_holidays(country).supported_categories
    for index, category in enumerate(categories if isinstance(categories, list) else ()):
        if isinstance(category, str) and category not in supported:
            sink.add(
                item_place(categories, index, key_place(calendar, "categories", place)),
                N_("kategori libur '%(category)s' tidak tersedia untuk %(country)s (tersedia: %(available)s)", category=category,
                   country=country, available=", ".join(supported)),
            )


CALENDAR = Record(
    {
        "country": required(Text(r"[A-Z]{2}", N_("kode negara dua huruf seperti ID"))),
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
            sink.add(key_place(numbering, "pattern", place), N_("pola dari %(what)s %(problem)s", what=what, problem=problem))


def numbering_pattern_problems(pattern: str) -> list:
    """What is wrong with a numbering pattern (empty list: nothing), as messages."""
    problems = []
    tokens = re.findall(r"\{([^{}]*)\}", pattern)
    if re.sub(r"\{[^{}]*\}", "", pattern).count("{") or re.sub(r"\{[^{}]*\}", "", pattern).count("}"):
        problems.append(N_("memiliki '%(open)s' atau '%(close)s' tanpa pasangan", open="{", close="}"))
    for token in tokens:
        name, _, width = token.partition(":")
        if name not in NUMBERING_TOKENS:
            problems.append(N_("memiliki token '{%(token)s}' yang tidak dikenal%(suggestion)s", token=token,
                               suggestion=did_you_mean(name, NUMBERING_TOKENS)))
        elif width and (name != "seq" or not (width.isascii() and width.isdigit()) or not 1 <= int(width) <= 12):
            problems.append(N_("memiliki token '{%(token)s}' yang tidak sah (hanya seq yang memiliki lebar, 1 sampai 12: {seq:4})",
                               token=token))
    if not any(token.partition(":")[0] in ("seq", "hex6") for token in tokens):
        problems.append(N_("memerlukan {seq}, {seq:N} atau {hex6} agar nomor unik"))
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
            sink.add(place, must_be(what, N_("pemetaan kanal"), described(template)))
            return
        if not template:
            sink.add(place, N_("%(what)s harus memiliki paling sedikit satu kanal (%(known)s)", what=what, known=", ".join(known)))
        for channel, variant in template.items():
            where = key_place(template, channel, place)
            if channel not in known:
                sink.add(where, N_("kanal '%(channel)s' tidak dikenal di %(what)s (yang dikenal: %(known)s)%(suggestion)s", channel=channel,
                                   what=what, known=", ".join(known), suggestion=did_you_mean(channel, known)))
                continue
            if channel == "whatsapp":
                fields = {"body": required(TEXT)}
            elif channel in ("email", "inbox"):
                fields = {"subject": required(TEXT), "body": required(TEXT)}
            else:  # a channel registered later: a body, perhaps a subject
                fields = {"subject": optional(TEXT), "body": required(TEXT)}
            variant_what = N_("'%(name)s' dari %(what)s", name=channel, what=what)
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
                    sink.add(Place(part_place.file, part_place.line + offset), N_(
                        "kesalahan templat di %(part)s dari %(what)s: %(error)s", part=part, what=variant_what, error=message))

    return Custom(check, N_("templat notifikasi"))


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
        "from": optional(Text(VALIDITY_FROM_PATTERN, N_("issued, signed atau field:<kunci isian>"))),
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
                N_("kunci '%(key)s' dari %(what)s dipakai oleh sebuah pertanyaan dan sebuah pertanyaan isian bebas", key=item["key"], what=what),
            )


SURVEY = Record(
    {
        "title": required(LABEL),
        "gates_downloads": optional(Boolean()),
        "questions": required(ListOf(SURVEY_QUESTION, noun=N_("pertanyaan"), name_key="key", min_items=1)),
        "free_text": optional(ListOf(FREE_TEXT_QUESTION, noun=N_("pertanyaan isian bebas"), name_key="key")),
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
MANAGES_CUSTOMERS = Record({"register_as": required(KEY), "approved_by": required(ListOf(KEY, min_items=1, unique_values=True))})
PARTICIPANT_GROUP = Record(
    {"key": required(KEY), "label": required(LABEL), "description": optional(LABEL),
     "manages_customers": optional(MANAGES_CUSTOMERS)}
)


def _agency_check(agency: dict, place: Place, what: str, sink: ProblemSink) -> None:
    groups = agency.get("participant_groups")
    groups = [g for g in groups if isinstance(g, dict)] if isinstance(groups, list) else []
    keys = {g.get("key") for g in groups}
    for group in groups:
        manages = group.get("manages_customers")
        if isinstance(manages, dict) and isinstance(manages.get("register_as"), str) \
                and manages["register_as"] not in keys:
            sink.add(key_place(manages, "register_as", place),
                     N_("register_as '%(group)s' dari %(what)s bukan salah satu kelompok pesertanya",
                        group=manages["register_as"], what=what))


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
        "bank_accounts": optional(ListOf(BANK_ACCOUNT, noun=N_("rekening bank"), name_key="key")),
        "signatories": optional(ListOf(SIGNATORY, noun=N_("penandatangan"), name_key="key")),
        "extra_days_off": optional(ListOf(ISO_DATE, unique_values=True)),
        "service_classes": required(ListOf(SERVICE_CLASS, noun=N_("kelas layanan"), name_key="key", min_items=1)),
        "complaint_channel": optional(TEXT),
        "participant_groups": optional(ListOf(PARTICIPANT_GROUP, noun=N_("kelompok peserta"), name_key="key")),
    },
    extra_check=_agency_check,
)

CATALOGUE_ITEM = Record(
    {
        "code": required(CODE),
        "name": required(TEXT),
        "unit": optional(TEXT),
        "price": required(Integer(0, expects=N_("bilangan bulat rupiah, nol atau lebih"))),
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
        "retention_days": optional(Integer(1, expects=N_("bilangan bulat hari, satu atau lebih"))),
    }
)
# details: service field or document keys shown with the instrument on the staff page (e.g. old SKHP)
ASSET = Record({"kind": required(KEY), "label": required(LABEL),
                "details": optional(ListOf(KEY, min_items=1, unique_values=True))})
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
        sink.add(key_place(service, "cart", place), N_("%(what)s memiliki keranjang tetapi tidak memiliki butir katalog", what=what))
    earlier: set[str] = set()
    for item in service.get("fields") if isinstance(service.get("fields"), list) else ():
        if not isinstance(item, dict):
            continue
        after = item.get("after")
        if isinstance(after, str) and after not in earlier:
            sink.add(key_place(item, "after", place),
                     N_("'after' pada isian '%(field)s' dari %(what)s menyebut '%(after)s', yang bukan isian tanggal sebelumnya",
                        field=item.get("key"), what=what, after=after))
        if item.get("type") in DATE_TYPES:
            earlier.add(item.get("key"))
    asset = service.get("asset")
    if isinstance(asset, dict) and isinstance(asset.get("details"), list):
        known = {item.get("key") for section in ("fields", "documents")
                 for item in (service.get(section) if isinstance(service.get(section), list) else ())
                 if isinstance(item, dict)}
        for key in asset["details"]:
            if isinstance(key, str) and key not in known:
                sink.add(key_place(asset, "details", place),
                         N_("rincian alat '%(key)s' dari %(what)s bukan isian maupun dokumen layanan", key=key, what=what))


SERVICE = Record(
    {
        "agency": required(KEY),
        "class": required(KEY),
        "code": required(CODE),
        "name": required(LABEL),
        "description": optional(LABEL),
        "workflow": required(KEY),
        "request_kinds": optional(ListOf(KEY, min_items=1, unique_values=True)),
        "customer_kinds": optional(ListOf(OneOf(CUSTOMER_KINDS), min_items=1, unique_values=True)),
        "standard_time": optional(TEXT),
        "sla": optional(SLA),
        "product": optional(TEXT),
        "receipt_numbering": optional(Nullable(KEY)),
        "cart": optional(Boolean()),
        "catalogue": optional(ListOf(CATALOGUE_ITEM, noun=N_("butir katalog"), name_key="code")),
        "asset": optional(Nullable(ASSET)),
        "company_data": optional(PRESENCE),
        "location": optional(PRESENCE),
        "fields": optional(SERVICE_FIELDS),
        "documents": optional(ListOf(REQUIRED_DOCUMENT, noun=N_("dokumen persyaratan"), name_key="key")),
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
        "request_kinds": MapOf(REQUEST_KIND, noun=N_("jenis permohonan")),
        "roles": MapOf(ROLE, noun=N_("peran")),
        "numbering": MapOf(NUMBERING, noun=N_("penomoran")),
        "notifications": MapOf(notification_schema(known_channels), noun=N_("templat notifikasi")),
        "documents": MapOf(DOCUMENT, noun=N_("dokumen")),
        "surveys": MapOf(SURVEY, noun=N_("survei")),
        "agencies": MapOf(AGENCY, noun=N_("instansi")),
        "workflows": MapOf(WORKFLOW, noun=N_("alur kerja")),
        "services": MapOf(SERVICE, noun=N_("jenis layanan")),
    }
