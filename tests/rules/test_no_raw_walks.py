"""Code outside ``app/rules/`` asks the ``Rules`` accessors; it never walks the raw rules dict.

A lookup such as ``data["workflows"][data["services"][key]["workflow"]]["states"]`` written at a
call site is a 500 when one key is misspelt; the accessors (``rules.state_for(service, state)``)
raise a KeyError naming what is missing, and the storage shape can change in one place.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCANNED = ("app", "views", "models", "bench")
EXEMPT = ROOT / "app" / "rules"
RAW_SECTIONS = {"workflows", "services", "states"}


def scanned_files() -> list[Path]:
    return sorted(path for folder in SCANNED for path in (ROOT / folder).rglob("*.py")
                  if EXEMPT not in path.parents)


def _names_rules(node: ast.AST) -> bool:
    """Whether an expression is (or returns) a Rules object, by its name: ``rules``,
    ``self.rules``, ``state.file_rules``, ``rules_state().rules_for(version)``."""
    if isinstance(node, ast.Name):
        return "rules" in node.id
    if isinstance(node, ast.Attribute):
        return "rules" in node.attr
    if isinstance(node, ast.Call):
        return _names_rules(node.func)
    return False


def raw_walks(source: str) -> list[tuple[int, str]]:
    """(line, what) of each ``x["workflows"|"services"|"states"]`` subscript and each ``.data``
    read on a Rules object in ``source``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) \
                and node.slice.value in RAW_SECTIONS:
            found.append((node.lineno, f'["{node.slice.value}"]'))
        elif isinstance(node, ast.Attribute) and node.attr == "data" and _names_rules(node.value):
            found.append((node.lineno, f"{ast.unparse(node)}"))
    return found


def test_the_scan_sees_the_code():
    files = scanned_files()
    assert ROOT / "app" / "workflow" / "engine.py" in files
    assert ROOT / "models" / "application.py" in files
    assert not any(EXEMPT in path.parents for path in files)


@pytest.mark.parametrize("source", [
    'workflow = data["workflows"][spec["workflow"]]',
    'spec = data["services"].get(key)',
    'label = workflow["states"][state]["label"]',
    "spec = rules.data.get('documents')",
    "spec = rules_state().rules_for(version).data",
    "agencies = self.rules.data",
    "agencies = rules_state().file_rules.data",
])
def test_a_raw_walk_is_found(source):
    assert raw_walks(source)


@pytest.mark.parametrize("source", [
    'spec = rules.state_for(service_key, state)["label"]',
    "values = application.data",
    "value = context.data.get(key)",
    'kind = spec.get("kind")',
])
def test_accessor_reads_are_not_walks(source):
    assert raw_walks(source) == []


def test_no_module_outside_app_rules_walks_the_raw_rules_dict():
    problems = [f"{path.relative_to(ROOT)}:{line}: {what}"
                for path in scanned_files() for line, what in raw_walks(path.read_text(encoding="utf-8"))]
    assert problems == [], "ask the Rules accessors (app/rules/model.py) instead:\n" + "\n".join(problems)
