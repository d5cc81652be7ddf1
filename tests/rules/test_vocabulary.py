"""The vocabulary of the rules format (app/rules/vocabulary.py) and what implements it: the engine's
guards, the command layer's effects and the format's argument models name exactly the same things,
and the format does not depend on the engine."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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
