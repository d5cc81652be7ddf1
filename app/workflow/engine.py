"""The workflow engine: given the rules, a snapshot of an application, the actor's roles and an
action with its form, decide the transition — or raise a typed WorkflowError.

Plain Python: no Flask, no SQLAlchemy. The engine performs nothing; its Decision lists the
effects (in order, with form values resolved) for the command layer to perform.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Collection, Mapping

from app.rules.model import Rules
from app.workflow.errors import (
    ActionNotAvailableError,
    FormInvalidError,
    GuardFailedError,
    Message,
    UnknownActionError,
    UnknownServiceError,
    WorkflowPermissionError,
)
from app.workflow.effects import effect_name_and_args
from app.workflow.fields import FieldContext, UploadedFileInfo, label_text, local_today, validate_fields
from app.workflow.guards import evaluate_guards
from app.workflow.snapshot import ApplicationSnapshot, GuardContext

FINAL_KINDS = frozenset({"final_success", "final_rejected", "final_cancelled"})


@dataclass(frozen=True)
class ActionOption:
    """An action the actor may see from the current state; disabled while ``guard_failures``."""

    action: str
    label: Any  # a text or {id, en}
    to_state: str
    form: list[dict]
    guard_failures: list[Message]

    @property
    def enabled(self) -> bool:
        return not self.guard_failures


@dataclass(frozen=True)
class Effect:
    name: str
    args: Any  # a mapping (a list for notify), copied from the rules, with form values resolved


@dataclass(frozen=True)
class Decision:
    """The outcome of a permitted, valid action. Perform ``effects`` in order; ``notify`` is the
    same notifications flattened, for convenience (do not send them twice)."""

    action: str
    label: Any
    timeline: Any
    from_state: str
    to_state: str
    to_state_kind: str
    is_final: bool
    values: dict  # cleaned form values, passphrases included: see secret_fields
    effects: list[Effect]
    notify: list[dict]
    secret_fields: frozenset[str] = frozenset()  # keys of values never to store or log (passphrases)
    file_documents: Mapping[str, str] = field(default_factory=dict)  # file field key → result | payment_proof | ...

    def storable_values(self) -> dict:
        """``values`` without the secret ones: what may be stored in the audit event."""
        return {key: value for key, value in self.values.items() if key not in self.secret_fields}

    def __repr__(self) -> str:
        shown = {key: ("***" if key in self.secret_fields else value) for key, value in self.values.items()}
        return (
            f"Decision(action={self.action!r}, from_state={self.from_state!r}, to_state={self.to_state!r},"
            f" values={shown!r}, effects={[effect.name for effect in self.effects]!r})"
        )


class WorkflowEngine:
    """Decides transitions of applications according to ``rules``."""

    def __init__(self, rules: Rules):
        self.rules = rules

    # ------------------------------------------------------------ lookups

    def service(self, service_key: str) -> dict:
        if not self.rules.has_service(service_key):
            raise UnknownServiceError(service_key)
        return self.rules.service(service_key)

    def workflow_key(self, service_key: str) -> str:
        return self.service(service_key)["workflow"]

    def initial_state(self, service_key: str) -> str:
        return self.rules.initial_state_for(service_key)

    def state(self, service_key: str, state_key: str) -> dict:
        return self.rules.state(self.workflow_key(service_key), state_key)

    def _transitions(self, service_key: str) -> list[dict]:
        return self.rules.transitions_for(service_key)

    def _field_context(self, snapshot: ApplicationSnapshot, assignee_candidates) -> FieldContext:
        service = self.service(snapshot.service_key)
        agency = self.rules.agency(service["agency"])
        return FieldContext(
            data=snapshot.data,
            assignee_candidates=assignee_candidates or {},
            bank_account_keys=frozenset(account["key"] for account in agency.get("bank_accounts") or ()),
            offered_slot_ids=frozenset(snapshot.facts.offered_slot_ids),
            today=local_today(agency.get("timezone")),
            labels={spec["key"]: spec.get("label") for spec in service.get("fields") or ()},
        )

    # ------------------------------------------------------------ queries

    def available_actions(self, snapshot: ApplicationSnapshot, roles: Collection[str]) -> list[ActionOption]:
        """Transitions from the current state that one of ``roles`` may perform, in rules order,
        each with the reasons its guards fail (empty: enabled)."""
        service = self.service(snapshot.service_key)
        workflow_key = service["workflow"]
        roles = frozenset(roles)
        guard_context = GuardContext(service, snapshot)
        forms = self.rules.plain_forms(workflow_key)
        return [
            ActionOption(
                action=transition["action"],
                label=transition["label"],
                to_state=transition["to"],
                form=forms[index],
                guard_failures=evaluate_guards(transition["guards"], guard_context),
            )
            for index, transition in enumerate(self.rules.transitions(workflow_key))
            if snapshot.state in transition["from"] and roles & set(transition["by"])
        ]

    def validate_application(
        self, service_key: str, values: Mapping[str, Any], files: Mapping[str, UploadedFileInfo] | None = None
    ) -> dict:
        """The service's own fields, cleaned; raises FormInvalidError."""
        cleaned, errors = validate_fields(self.service(service_key).get("fields") or (), values, files)
        if errors:
            raise FormInvalidError(errors)
        return cleaned

    # ------------------------------------------------------------ the decision

    def apply(
        self,
        snapshot: ApplicationSnapshot,
        roles: Collection[str],
        action: str,
        fields: Mapping[str, Any] | None = None,
        files: Mapping[str, UploadedFileInfo] | None = None,
        *,
        assignee_candidates: Mapping[str, Collection[int]] | None = None,
    ) -> Decision:
        """Decide ``action`` on the application, or raise (checked in this order):
        UnknownActionError (422), ActionNotAvailableError (422), WorkflowPermissionError (403),
        GuardFailedError (422), FormInvalidError (422)."""
        service = self.service(snapshot.service_key)
        workflow_key = service["workflow"]
        states = self.rules.states(workflow_key)
        candidates = [t for t in self.rules.transitions(workflow_key) if t["action"] == action]
        if not candidates:
            raise UnknownActionError(action, workflow_key)
        transition = next((t for t in candidates if snapshot.state in t["from"]), None)
        if transition is None:
            state = states.get(snapshot.state) or {}
            raise ActionNotAvailableError(
                action,
                snapshot.state,
                action_label=label_text(candidates[0]["label"]),
                state_label=label_text(state.get("label")) or snapshot.state,
            )
        if not frozenset(roles) & set(transition["by"]):
            raise WorkflowPermissionError(action, transition["by"])
        reasons = evaluate_guards(transition["guards"], GuardContext(service, snapshot))
        if reasons:
            raise GuardFailedError(action, reasons)
        context = self._field_context(snapshot, assignee_candidates)
        values, errors = validate_fields(transition["form"], fields or {}, files or {}, context=context)
        if errors:
            raise FormInvalidError(errors, action=action)

        effects = []
        for entry in transition["effects"]:
            name, args = effect_name_and_args(entry)
            effects.append(Effect(name, _resolve_effect_args(name, args, values, snapshot.data)))
        to_state = transition["to"]
        to_kind = states[to_state]["kind"]
        return Decision(
            action=action,
            label=transition["label"],
            timeline=transition.get("timeline", transition["label"]),
            from_state=snapshot.state,
            to_state=to_state,
            to_state_kind=to_kind,
            is_final=to_kind in FINAL_KINDS,
            values=values,
            effects=effects,
            notify=[dict(entry) for effect in effects if effect.name == "notify" for entry in effect.args],
            secret_fields=frozenset(spec["key"] for spec in transition["form"] if spec["type"] == "passphrase"),
            file_documents={
                spec["key"]: spec.get("document", "other")
                for spec in transition["form"]
                if spec["type"] == "file" and values.get(spec["key"]) is not None
            },
        )


def _resolve_effect_args(name: str, args: Any, values: Mapping[str, Any], data: Mapping[str, Any]) -> Any:
    """A copy of the effect's arguments plus the form values they name (never a secret)."""
    args = copy.deepcopy(args)
    if name == "notify":
        return [dict(entry) for entry in args]
    if not isinstance(args, dict):
        return args
    if name == "assign" and "field" in args:
        args["user_id"] = values.get(args["field"])
    elif name == "create_invoice" and "amount_field" in args:
        key = args["amount_field"]
        args["amount"] = values[key] if key in values else data.get(key)
    elif name == "record_payment_proof":
        args["file"] = values.get(args["file_field"])
        for arg, resolved in (("account_field", "account"), ("reference_field", "reference"), ("date_field", "date")):
            if arg in args:
                args[resolved] = values.get(args[arg])
    elif name == "offer_slots":
        args["slots"] = values.get(args["field"])
    elif name == "choose_slot":
        args["slot_id"] = values.get(args["field"])
    return args
