"""The vocabulary of the rules format (app/rules/vocabulary.py) and what implements it: the engine's
guards, the command layer's effects and the format's argument models name exactly the same things,
and the format does not depend on the engine."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import get_args

from app.rules import vocabulary
from app.rules.format import EFFECT_ARGS, GUARD_ARGS


def test_the_engine_implements_exactly_the_guards_of_the_vocabulary():
    from app.workflow.guards import GUARDS

    assert tuple(GUARDS) == vocabulary.GUARD_NAMES == tuple(GUARD_ARGS)
    assert {name: spec.field_args for name, spec in GUARDS.items()} == vocabulary.GUARD_FIELD_ARGS


def test_the_command_layer_performs_exactly_the_effects_of_the_vocabulary():
    from app.commands.application.effects import PERFORMERS

    assert set(PERFORMERS) == set(vocabulary.EFFECT_NAMES) == set(EFFECT_ARGS)


def test_the_rules_package_does_not_import_the_engine():
    root = Path(__file__).resolve().parents[2]
    code = ("import sys, app.rules.loader, app.rules.check, app.rules.format, app.rules.walker; "
            "print(sorted(name for name in sys.modules if name.startswith('app.workflow')))")
    result = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def _models(annotation, seen: set) -> set:
    """Every model of the format reachable from ``annotation``."""
    from app.rules.format import Spec

    if isinstance(annotation, type) and issubclass(annotation, Spec):
        if annotation not in seen:
            seen.add(annotation)
            for info in annotation.model_fields.values():
                _models(info.annotation, seen)
    else:
        for argument in get_args(annotation):
            _models(argument, seen)
    return seen


def test_the_loader_checks_each_item_against_exactly_the_keys_of_its_model():
    """The walker builds its checks from the models: every model of the format reached from the
    sections is checked with its own keys (by their written names) and its own required keys."""
    from app.rules.format import SECTIONS, RulesSpec
    from app.rules.walker import Record, WalkContext, _compiler, section_schemas

    channels = ("email", "inbox", "whatsapp")
    assert set(section_schemas(channels)) == set(SECTIONS)
    compiler = _compiler(WalkContext(channels))
    checked = 0
    for model in _models(RulesSpec, set()) - {RulesSpec}:
        if model.value_check is not None:  # checked by its own function (notification channels)
            continue
        record = compiler.record(model)
        assert isinstance(record, Record), model
        keys = {info.alias or name: info.is_required() for name, info in model.model_fields.items()}
        assert {key: field.required for key, field in record.fields.items()} == keys, model
        checked += 1
    assert checked > 30
