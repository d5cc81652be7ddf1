"""Typed workflow errors, each with an HTTP status, a code and a human message in Bahasa Indonesia.

Message templates are marked with ``N_()`` so a Babel extractor finds them
(``pybabel extract -k N_``); parameters use ``%(name)s``. A ``Message`` is the formatted Indonesian
text and also keeps ``template`` and ``params``, so a view can translate it later:
``gettext(message.template) % message.params``.
"""
from __future__ import annotations

from typing import Any, Mapping


def N_(template: str) -> str:
    """Marks a message template for extraction; returns it unchanged."""
    return template


class Message(str):
    """A formatted message that remembers its template and parameters."""

    template: str
    params: dict

    def __new__(cls, template: str, **params: Any) -> "Message":
        text = template % params if params else template
        message = super().__new__(cls, text)
        message.template = template
        message.params = params
        return message

    def __reduce__(self):
        return (_rebuild_message, (self.template, self.params))


def _rebuild_message(template: str, params: dict) -> Message:
    return Message(template, **params)


class WorkflowError(Exception):
    """Base of every error the engine raises; ``details`` holds the machine-readable extras."""

    status = 400
    code = "workflow_error"

    def __init__(self, message: str, **details: Any):
        super().__init__(message)
        self.message = message
        self.details = details

    def to_dict(self) -> dict:
        return {"code": self.code, "message": str(self.message), **self.details}


class UnknownServiceError(WorkflowError):
    """The application names a service the rules do not define (rules changed under it)."""

    status = 404
    code = "unknown_service"

    def __init__(self, service: str):
        super().__init__(Message(N_("Layanan '%(service)s' tidak dikenal."), service=service), service=service)
        self.service = service


class UnknownActionError(WorkflowError):
    """The action is not part of this application's workflow at all."""

    status = 422
    code = "unknown_action"

    def __init__(self, action: str, workflow: str):
        super().__init__(
            Message(N_("Tindakan '%(action)s' tidak dikenal pada layanan ini."), action=action),
            action=action,
            workflow=workflow,
        )
        self.action = action
        self.workflow = workflow


class ActionNotAvailableError(WorkflowError):
    """The action exists in the workflow but not from the current state: a skipped step (422).
    A stale or concurrent request is told apart by the application's version (409, see
    ApplicationTransitionCommand)."""

    status = 422
    code = "action_not_available"

    def __init__(self, action: str, state: str, *, action_label: str | None = None, state_label: str | None = None):
        super().__init__(
            Message(
                N_("Tindakan '%(action)s' tidak tersedia pada status '%(state)s'."),
                action=action_label or action,
                state=state_label or state,
            ),
            action=action,
            state=state,
        )
        self.action = action
        self.state = state


class WorkflowPermissionError(WorkflowError):
    """None of the actor's roles may perform this action."""

    status = 403
    code = "forbidden"

    def __init__(self, action: str, allowed_roles: list[str]):
        super().__init__(
            Message(N_("Anda tidak berwenang melakukan tindakan ini.")),
            action=action,
            allowed_roles=list(allowed_roles),
        )
        self.action = action
        self.allowed_roles = list(allowed_roles)


class GuardFailedError(WorkflowError):
    """One or more guards of the transition do not pass; ``reasons`` says why, in Indonesian."""

    status = 422
    code = "guard_failed"

    def __init__(self, action: str, reasons: list[str]):
        super().__init__(
            Message(N_("Tindakan belum dapat dilakukan: %(reasons)s"), reasons=" ".join(reasons)),
            action=action,
            reasons=[str(reason) for reason in reasons],
        )
        self.action = action
        self.reasons = list(reasons)


class FormInvalidError(WorkflowError):
    """The submitted form has errors; ``field_errors`` maps each field key to its message."""

    status = 422
    code = "form_invalid"

    def __init__(self, field_errors: Mapping[str, str], action: str | None = None):
        super().__init__(
            Message(N_("Periksa kembali isian formulir.")),
            action=action,
            field_errors={key: str(message) for key, message in field_errors.items()},
        )
        self.action = action
        self.field_errors = dict(field_errors)
