"""The rules file: loading, checking and the ``Rules`` model (plain Python, no Flask).

Exports are resolved lazily, so importing one module of the package (``app.rules.vocabulary``,
which ``app.workflow`` imports) does not load the loader and everything it needs.
"""
from __future__ import annotations

import importlib

_EXPORTS = {
    "load_rules": "app.rules.loader",
    "check_rules": "app.rules.loader",
    "DEFAULT_CHANNELS": "app.rules.loader",
    "Rules": "app.rules.model",
    "RulesProblem": "app.rules.problems",
    "InvalidRulesError": "app.rules.problems",
    "run_check": "app.rules.check",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'app.rules' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
