"""The guard registry: named predicates a transition may require. No Python comes from YAML.

A guard in the rules is a bare name (``documents_complete``) or a one-key mapping with arguments
(``{field_equals: {field: jenis, value: tera_ulang}}``). Each predicate returns ``None`` when it
passes, or the Indonesian reason it does not.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

from app.rules.vocabulary import GUARD_FIELD_ARGS, guard_name_and_args
from app.workflow.errors import N_, Message
from app.workflow.fields import is_empty, label_text, required_documents, same_value
from app.workflow.snapshot import GuardContext


Predicate = Callable[[Mapping[str, Any], GuardContext], "Message | None"]


@dataclass(frozen=True)
class GuardSpec:
    """A guard of the vocabulary (``app.rules.vocabulary.GUARD_NAMES``) and its predicate; its arguments
    are defined by the format (``app.rules.format.GUARD_ARGS``)."""

    name: str
    predicate: Predicate

    @property
    def field_args(self) -> tuple[str, ...]:
        """The arguments that refer to application fields (the loader checks them)."""
        return GUARD_FIELD_ARGS[self.name]


def _documents_complete(args, context: GuardContext):
    uploaded = context.facts.documents
    missing = [
        label_text(document.get("label"))
        for document in required_documents(context.service, context.data)
        if document.get("required", True) and document.get("key") not in uploaded
    ]
    if missing:
        return Message(N_("Dokumen persyaratan belum lengkap: %(documents)s."), documents=", ".join(missing))
    return None


def _payment_validated(args, context: GuardContext):
    if context.facts.payment_status != "valid":
        return Message(N_("Pembayaran belum divalidasi."))
    return None


def _payment_proof_uploaded(args, context: GuardContext):
    if not context.facts.payment_has_proof:
        return Message(N_("Bukti pembayaran belum diunggah."))
    return None


def _survey_done(args, context: GuardContext):
    if not context.facts.survey_done:
        return Message(N_("Survei kepuasan belum diisi."))
    return None


def _slot_chosen(args, context: GuardContext):
    if not context.facts.slot_chosen:
        return Message(N_("Jadwal belum dipilih."))
    return None


def _has_assignee(args, context: GuardContext):
    if not context.facts.has_assignee:
        return Message(N_("Permohonan belum ditugaskan kepada petugas."))
    return None


def _cart_not_empty(args, context: GuardContext):
    if context.facts.cart_lines <= 0:
        return Message(N_("Keranjang masih kosong."))
    return None


def _results_uploaded(args, context: GuardContext):
    if context.facts.results <= 0:
        return Message(N_("Dokumen hasil belum diunggah."))
    return None


def _work_items_done(args, context: GuardContext):
    from app.workflow.work_items import PENDING_MESSAGES, pending_rows
    step = args["step"]
    statuses = context.facts.work_items
    if not statuses:
        return Message(N_("Belum ada baris pekerjaan (parameter) pada permohonan ini."))
    pending = pending_rows(statuses, step)
    if pending:
        return Message(PENDING_MESSAGES[step], pending=pending, total=len(statuses))
    return None


def _field_equals(args, context: GuardContext):
    key, expected = args["field"], args["value"]
    if not same_value(context.data.get(key), expected):
        return Message(
            N_("Hanya untuk %(field)s: %(value)s."),
            field=context.field_label(key),
            value=context.value_label(key, expected),
        )
    return None


def _field_in(args, context: GuardContext):
    key, choices = args["field"], args["values"]
    if not any(same_value(context.data.get(key), choice) for choice in choices):
        return Message(
            N_("Hanya untuk %(field)s: %(values)s."),
            field=context.field_label(key),
            values=", ".join(context.value_label(key, choice) for choice in choices),
        )
    return None


def _field_filled(args, context: GuardContext):
    key = args["field"]
    if is_empty(context.data.get(key)):
        return Message(N_("%(field)s belum diisi."), field=context.field_label(key))
    return None


GUARDS: dict[str, GuardSpec] = {
    spec.name: spec
    for spec in (
        GuardSpec("documents_complete", _documents_complete),
        GuardSpec("payment_validated", _payment_validated),
        GuardSpec("payment_proof_uploaded", _payment_proof_uploaded),
        GuardSpec("survey_done", _survey_done),
        GuardSpec("slot_chosen", _slot_chosen),
        GuardSpec("has_assignee", _has_assignee),
        GuardSpec("cart_not_empty", _cart_not_empty),
        GuardSpec("results_uploaded", _results_uploaded),
        GuardSpec("work_items_done", _work_items_done),
        GuardSpec("field_equals", _field_equals),
        GuardSpec("field_in", _field_in),
        GuardSpec("field_filled", _field_filled),
    )
}


def evaluate_guards(guards: list, context: GuardContext) -> list[Message]:
    """Every failure reason of ``guards`` (empty: all pass)."""
    reasons = []
    for entry in guards or ():
        name, args = guard_name_and_args(entry)
        spec = GUARDS.get(name)
        if spec is None:  # the loader rejects this; stored rules from an older registry might not
            reasons.append(Message(N_("Syarat '%(guard)s' tidak dikenal."), guard=str(name)))
            continue
        reason = spec.predicate(args, context)
        if reason is not None:
            reasons.append(reason)
    return reasons
