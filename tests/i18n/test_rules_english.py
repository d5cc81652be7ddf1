"""The shipped offices' rules give every label an English text (``{id: ..., en: ...}``).

``labels_without_english`` walks exactly the keys docs/rules-format.md lists as labels."""
from __future__ import annotations

from pathlib import Path

import pytest

from app.rules.problems import ProblemSink
from app.rules.yaml_source import load_yaml

ROOT = Path(__file__).resolve().parents[2]
LABEL_KEYS = {"label", "staff_label", "timeline", "help"}
FILES = ["workflow_rules.yaml", *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "rules").glob("*.yaml"))]


def is_label(path: list, key: str) -> bool:
    return (key in LABEL_KEYS
            or (key == "text" and "questions" in path)
            or (key in ("name", "description") and len(path) == 2 and path[0] == "services")
            or (key == "title" and len(path) == 2 and path[0] == "surveys"))


def labels_without_english(node, path=()) -> list[str]:
    """``line: path`` of every label that is a plain text or a mapping without ``en``."""
    missing = []
    if isinstance(node, dict):
        for key, value in node.items():
            where = [*path, key]
            if is_label(list(path), key) and (isinstance(value, str) or (isinstance(value, dict) and not value.get("en"))):
                missing.append(f"{node.key_place(key).line}: {'.'.join(map(str, where))}")
            elif not (is_label(list(path), key) and isinstance(value, dict)):
                missing += labels_without_english(value, where)
    elif isinstance(node, list):
        for index, item in enumerate(node):
            missing += labels_without_english(item, [*path, index])
    return missing


@pytest.mark.parametrize("name", FILES)
def test_every_label_has_an_english_text(name):
    root = load_yaml((ROOT / name).read_text(encoding="utf-8"), name, ProblemSink())
    assert labels_without_english(root) == []


def test_the_walk_finds_labels_without_english():
    root = load_yaml("services:\n  s:\n    name: Layanan\n    fields:\n      - {key: a, label: {id: A}}\n", "x", ProblemSink())
    assert labels_without_english(root) == ["3: services.s.name", "5: services.s.fields.0.label"]
