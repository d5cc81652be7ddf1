"""The closed vocabularies of the rules format: the names a rules file may use, in one place.

The format (``app.rules.format``) and the engine (``app.workflow``) both import these; this module
imports neither, so the dependency runs one way: ``app.workflow`` → ``app.rules``. The engine keeps
the implementations (``app.workflow.guards.GUARDS`` maps each guard name here to its predicate,
``app.commands.application.effects.PERFORMERS`` each effect name to what it does); a test checks
that they implement exactly these names.
"""
from __future__ import annotations

import re
from typing import Any

FORMAT_VERSION = 1
KEY_PATTERN = r"[a-z][a-z0-9_]*"
KEY_RE = re.compile(KEY_PATTERN)
CODE_PATTERN = r"[A-Za-z0-9][A-Za-z0-9._-]*"
EMAIL_PATTERN = r"[^@\s]+@[^@\s]+\.[^@\s]+"
COUNTRY_PATTERN = r"[A-Z]{2}"

# ---------------------------------------------------------------- roles, states, documents

# customer: the applicant who owns the application; assignee: the user assigned to it;
# system: timers (SLA overdue). Built in: a rules file must not declare them.
BUILTIN_ROLES = ("customer", "assignee", "system")
STATE_KINDS = ("working", "waiting_customer", "final_success", "final_rejected", "final_cancelled")
FINAL_STATE_KINDS = tuple(kind for kind in STATE_KINDS if kind.startswith("final_"))  # a tuple: safe for any value
CLOCK_MODES = ("runs", "stops")
DOCUMENT_KINDS = ("receipt", "invoice", "kuitansi", "cover_letter", "licence", "report", "other")
DOCUMENT_LOCALES = ("id", "en")
CUSTOMER_KINDS = ("person", "company", "institution")
PRESENCE = ("none", "optional", "required")
ACCOUNT_ACTIVATION = ("email", "admin")
DEFAULT_REQUEST_KINDS = ("baru",)
DEFAULT_CHANNELS = ("email", "inbox", "whatsapp")
DEFAULT_CALENDAR = {"country": "ID", "categories": ["public", "government"]}
DEFAULT_TIMEZONE = "Asia/Jakarta"
SLA_UNITS = ("working_days", "days", "hours", "minutes")

# what a customer's revision (portal "Perbaiki") may correct; default [fields, documents]
REVISE_PARTS = ("company", "location", "fields", "documents")
DEFAULT_REVISE = ("fields", "documents")
WORK_ITEM_STEPS = ("assign", "enter", "verify", "validate")

# ---------------------------------------------------------------- numbering

NUMBERING_SCOPES = ("agency", "service", "year", "month", "day")
NUMBERING_TOKENS = ("seq", "dd", "mm", "roman_month", "yy", "yyyy", "hex6", "agency", "service")
NUMBERING_TOKEN_RE = re.compile(r"\{([a-z_0-9]+)(?::(\d+))?\}")
BILLING_CODE_LENGTH = 15  # SIMPONI billing codes: 15 ASCII digits

# ---------------------------------------------------------------- surveys

SURVEY_ELEMENTS = tuple(f"U{number}" for number in range(1, 10))  # PermenPANRB 14/2017 U1..U9
SURVEY_MIN_SCORE, SURVEY_MAX_SCORE = 1, 4

# ---------------------------------------------------------------- form fields

FIELD_TYPES = (
    "text", "textarea", "number", "integer", "money", "date", "datetime", "select", "checkbox", "email",
    "phone", "nik", "npwp", "coordinates", "file", "assignee", "slots", "slot", "bank_account",
    "passphrase", "ntpn", "billing_code", "group",
)
FORM_ONLY_TYPES = frozenset({"assignee", "slots", "slot", "bank_account", "passphrase"})
FILE_KINDS = ("pdf", "doc", "docx", "jpg", "png", "gif", "dwg", "xls", "xlsx")
FILE_DOCUMENT_KINDS = ("result", "payment_proof", "requirement", "other")
DEFAULT_FILE_TYPES = ("pdf", "jpg", "png")
DEFAULT_MAX_MB = 20
TEXT_TYPES = frozenset({"text", "textarea"})
NUMBER_TYPES = frozenset({"number", "integer", "money"})
DATE_TYPES = frozenset({"date", "datetime"})
FILE_KIND_ALIASES = {"jpeg": "jpg"}
# the keys a field may carry only for some types (``options`` only on select, …)
FIELD_KEYS_ONLY_ON = {
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
    # fields (issue 13): comparisons with another field
    "before": DATE_TYPES,
    "min_field": NUMBER_TYPES,
    "max_field": NUMBER_TYPES,
    "pattern": TEXT_TYPES,
    "pattern_message": TEXT_TYPES,
    # fields (issue 13): repeatable groups
    "fields": frozenset({"group"}),
    "min_items": frozenset({"group"}),
    "max_items": frozenset({"group"}),
    "item_label": frozenset({"group"}),
}
# fields (issue 13): a repeatable group's default largest number of rows
DEFAULT_GROUP_MAX_ITEMS = 20
# fields (issue 13): a comparison key → the types the field it names may have
FIELD_REFERENCE_TYPES = {"before": DATE_TYPES, "min_field": NUMBER_TYPES, "max_field": NUMBER_TYPES}

# ---------------------------------------------------------------- validity (masa berlaku)

VALIDITY_UNITS = ("years", "months", "days")
VALIDITY_FROM_PATTERN = r"issued|signed|field:[a-z][a-z0-9_]*"

# ---------------------------------------------------------------- guards

# name → the arguments that name application fields (the loader checks them against the service)
GUARD_FIELD_ARGS: dict[str, tuple[str, ...]] = {
    "documents_complete": (),
    "payment_validated": (),
    "payment_proof_uploaded": (),
    "survey_done": (),
    "slot_chosen": (),
    "has_assignee": (),
    "cart_not_empty": (),
    "results_uploaded": (),
    "work_items_done": (),
    "field_equals": ("field",),
    "field_in": ("field",),
    "field_filled": ("field",),
}
GUARD_NAMES = tuple(GUARD_FIELD_ARGS)


def guard_name_and_args(entry: Any) -> tuple[str | None, Any]:
    """``'name'`` → ``('name', {})``; ``{name: args}`` → ``('name', args)``; anything else → ``(None, None)``.

    A typed guard (``app.rules.format.GuardCall``) gives its name and plain arguments."""
    if isinstance(entry, str):
        return entry, {}
    if isinstance(entry, dict) and len(entry) == 1:
        name, args = next(iter(entry.items()))
        return (name if isinstance(name, str) else None), ({} if args is None else args)
    split = getattr(entry, "name_and_args", None)
    if callable(split):
        return split()
    return None, None


# ---------------------------------------------------------------- effects

NOTIFY_RECIPIENT_PATTERN = r"customer|assignee|actor|role:[a-z][a-z0-9_]*"
PAYMENT_DECISIONS = ("valid", "suspended", "invalid")
INVOICE_AMOUNTS = ("cart_total",)
# fees (issue 13, item 7): the kinds of payment lines an invoice opens (a refund is recorded, never invoiced)
PAYMENT_KINDS = ("fee", "deposit")
ASSIGN_NUMBER_TO_PATTERN = r"[a-z_]+"

# name → what it does (the command layer performs them, in order, in the transition's transaction)
EFFECT_SUMMARIES: dict[str, str] = {
    "assign_number": "assign the next number of a numbering to the application",
    "set_deadline": "set a named deadline shown to the customer",
    "clear_deadline": "clear a named deadline",
    "assign": "set or clear the application's assignee",
    "set_field": "store a value in the application data",
    "create_invoice": "open a new (unpaid) payment, with its due date and overdue behaviour",
    "set_billing_code": "give the open invoice its billing code (drawn from a numbering, or typed by staff)",
    "record_payment_proof": "attach the customer's proof to the open payment",
    "set_payment_status": "the treasurer's decision on the open payment, with what they recorded of it",
    "record_refund": "record the transfer back of a validated deposit (date, account, amount)",
    "offer_slots": "store the staff's offered slots",
    "choose_slot": "store the customer's chosen slot",
    "generate": "queue generated documents (rendered after commit)",
    "sign": "sign a generated document with the actor's signatory key",
    "notify": "send notifications from templates",
}
EFFECT_NAMES = tuple(EFFECT_SUMMARIES)


def effect_name_and_args(entry: Any) -> tuple[str | None, Any]:
    """``{name: args}`` → ``('name', args)``; anything else → ``(None, None)``.

    A typed effect (``app.rules.format.EffectCall``) gives its name and plain arguments."""
    if isinstance(entry, dict) and len(entry) == 1:
        name, args = next(iter(entry.items()))
        return (name if isinstance(name, str) else None), args
    split = getattr(entry, "name_and_args", None)
    if callable(split):
        return split()
    return None, None


# ---------------------------------------------------------------- labels


def label_text(label: Any, language: str = "id") -> str:
    """The text of a label given as a string (Indonesian) or ``{id: ..., en: ...}``, in ``language``;
    Indonesian when that language is missing. Screens use ``app.rules.labels.rules_label``."""
    if isinstance(label, dict):
        return str(label.get(language) or label.get("id") or next(iter(label.values()), "") or "")
    if hasattr(label, "id") and hasattr(label, "en") and not isinstance(label, str):  # a typed label
        return str(getattr(label, language, None) or label.id or "")
    return "" if label is None else str(label)
