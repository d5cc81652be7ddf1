"""The workflow engine: plain Python that turns rules, a snapshot, roles and an action into a
Decision (no Flask, no SQLAlchemy). Exports resolve lazily (see ``app.rules``)."""
from __future__ import annotations

import importlib

_EXPORTS = {
    "WorkflowEngine": "app.workflow.engine",
    "ApplicationSnapshot": "app.workflow.snapshot",
    "Facts": "app.workflow.snapshot",
    "ActionOption": "app.workflow.engine",
    "Decision": "app.workflow.engine",
    "Effect": "app.workflow.engine",
    "UploadedFileInfo": "app.workflow.fields",
    "FieldContext": "app.workflow.fields",
    "validate_fields": "app.workflow.fields",
    "required_documents": "app.workflow.fields",
    "WorkflowError": "app.workflow.errors",
    "UnknownServiceError": "app.workflow.errors",
    "UnknownActionError": "app.workflow.errors",
    "ActionNotAvailableError": "app.workflow.errors",
    "WorkflowPermissionError": "app.workflow.errors",
    "GuardFailedError": "app.workflow.errors",
    "FormInvalidError": "app.workflow.errors",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'app.workflow' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
