"""The effect registry: names and argument schemas of what a transition does.

The engine does not perform effects: it returns them in its Decision, in order, with form values
resolved; the command layer performs them in the same transaction (or queues them in the outbox).
In the rules an effect is a one-key mapping ``{name: args}``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.rules.messages import N_
from app.rules.validators import (
    KEY,
    Custom,
    Integer,
    ListOf,
    OneOf,
    Record,
    Scalar,
    Schema,
    Text,
    optional,
    required,
)

NOTIFY_RECIPIENT_PATTERN = r"customer|assignee|actor|role:[a-z][a-z0-9_]*"
PAYMENT_DECISIONS = ("valid", "suspended", "invalid")


def _must_be_true(value, place, what, owner, sink) -> None:
    if value is not True:
        sink.add(place, N_("%(what)s harus true", what=what))


NOTIFY_ENTRY = Record(
    {
        "to": required(Text(NOTIFY_RECIPIENT_PATTERN, N_("customer, assignee, actor atau role:<kunci peran>"))),
        "channels": required(ListOf(KEY, min_items=1, unique_values=True)),
        "template": required(KEY),
    }
)
NOTIFY_LIST = ListOf(NOTIFY_ENTRY, noun=N_("notifikasi"), min_items=1)

# An invoice's due date: a period from its issue, or the date/time a form field holds
# (e.g. the "masa berlaku kode billing" the treasurer types).
INVOICE_DUE = Record(
    {
        "working_days": optional(Integer(1)),
        "days": optional(Integer(1)),
        "hours": optional(Integer(1)),
        "field": optional(KEY),
    },
    exactly_one_of=("working_days", "days", "hours", "field"),
)
# What happens to an invoice still unpaid past its due date (run by the SLA tick, once).
INVOICE_OVERDUE = Record({"notify": optional(NOTIFY_LIST), "fire": optional(KEY)})


@dataclass(frozen=True)
class EffectSpec:
    name: str
    args: Schema
    summary: str


EFFECTS: dict[str, EffectSpec] = {
    spec.name: spec
    for spec in (
        EffectSpec(
            "assign_number",
            Record({"numbering": required(KEY), "to": required(Text(r"[a-z_]+", N_("number, receipt atau sebuah kunci [a-z_]+")))}),
            "assign the next number of a numbering to the application",
        ),
        EffectSpec(
            "set_deadline",
            Record(
                {
                    "key": required(KEY),
                    "working_days": optional(Integer(1)),
                    "days": optional(Integer(1)),
                    "hours": optional(Integer(1)),
                },
                exactly_one_of=("working_days", "days", "hours"),
            ),
            "set a named deadline shown to the customer",
        ),
        EffectSpec("clear_deadline", Record({"key": required(KEY)}), "clear a named deadline"),
        EffectSpec(
            "assign",
            Record(
                {
                    "field": optional(KEY),
                    "actor": optional(Custom(_must_be_true, N_("true"))),
                    "clear": optional(Custom(_must_be_true, N_("true"))),
                },
                exactly_one_of=("field", "actor", "clear"),
            ),
            "set or clear the application's assignee",
        ),
        EffectSpec(
            "set_field",
            Record({"field": required(KEY), "value": required(Scalar())}),
            "store a value in the application data",
        ),
        EffectSpec(
            "create_invoice",
            Record(
                {
                    "amount": optional(OneOf(("cart_total",))),
                    "amount_field": optional(KEY),
                    "due": optional(INVOICE_DUE),
                    "on_overdue": optional(INVOICE_OVERDUE),
                },
                exactly_one_of=("amount", "amount_field"),
            ),
            "open a new (unpaid) payment, with its due date and overdue behaviour",
        ),
        EffectSpec(
            "set_billing_code",
            Record(
                {"numbering": optional(KEY), "field": optional(KEY)},
                exactly_one_of=("numbering", "field"),
            ),
            "give the open invoice its billing code (drawn from a numbering, or typed by staff)",
        ),
        EffectSpec(
            "record_payment_proof",
            Record(
                {
                    "file_field": required(KEY),
                    "account_field": optional(KEY),
                    "reference_field": optional(KEY),
                    "date_field": optional(KEY),
                }
            ),
            "attach the customer's proof to the open payment",
        ),
        EffectSpec(
            "set_payment_status",
            Record(
                {
                    "status": required(OneOf(PAYMENT_DECISIONS)),
                    "date_field": optional(KEY),
                    "amount_field": optional(KEY),
                    "reference_field": optional(KEY),
                    "ntpn_field": optional(KEY),
                }
            ),
            "the treasurer's decision on the open payment, with what they recorded of it",
        ),
        EffectSpec("offer_slots", Record({"field": required(KEY)}), "store the staff's offered slots"),
        EffectSpec("choose_slot", Record({"field": required(KEY)}), "store the customer's chosen slot"),
        EffectSpec(
            "generate",
            Record({"documents": required(ListOf(KEY, min_items=1, unique_values=True))}),
            "queue generated documents (rendered after commit)",
        ),
        EffectSpec(
            "sign",
            Record({"document": required(KEY), "passphrase_field": required(KEY)}),
            "sign a generated document with the actor's signatory key",
        ),
        EffectSpec("notify", NOTIFY_LIST, "send notifications from templates"),
    )
}


def effect_name_and_args(entry: Any) -> tuple[str | None, Any]:
    """``{name: args}`` → ``('name', args)``; anything else → ``(None, None)``."""
    if hasattr(entry, "name_and_args"):  # the typed rules' EffectCall: args as plain data
        return entry.name_and_args()
    if isinstance(entry, dict) and len(entry) == 1:
        name, args = next(iter(entry.items()))
        return (name if isinstance(name, str) else None), args
    return None, None
