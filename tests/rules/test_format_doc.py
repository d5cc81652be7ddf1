"""docs/rules-format.md against the models (app/rules/format.py, through the JSON Schema they give):
every key of every model is documented, and every documented key exists.

The convention the doc follows, under "## Every key, section by section":
- a heading names a place in the file in backquotes — a full path (`workflows.<key>.states.<key>`)
  or the end of one (`sla`: every `sla` of the file); `<key>` is a key the author chooses, `[]` an
  item of a list. A heading without one is the top level of a file;
- below it either a table whose first column is the backquoted keys, or "Same keys as `path`.";
- the guard and effect names are the first column of the "Guards (registry)" and "Effects (registry)"
  tables.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.rules.json_schema import rules_file_schema

DOC = Path(__file__).resolve().parents[2] / "docs" / "rules-format.md"
REFERENCE = "## Every key, section by section"
ROOT = "(file)"


# --- the schema: every place of a file and the model found there -------------------------------
def _alternatives(schema: dict, node: dict) -> list[dict]:
    """``node`` and what it may be instead (anyOf/oneOf/$ref), flattened."""
    found = [node]
    if "$ref" in node:
        found += _alternatives(schema, schema["$defs"][node["$ref"].rsplit("/", 1)[-1]])
    for word in ("anyOf", "oneOf"):
        for branch in node.get(word, []):
            found += _alternatives(schema, branch)
    return found


def places(schema: dict) -> dict[str, set[str]]:
    """path -> names of the models ($defs) a value at that path may be; the top level is ROOT."""
    result: dict[str, set[str]] = {}

    def visit(path: str, node: dict, trail: tuple[str, ...]) -> None:
        for alternative in _alternatives(schema, node):
            ref = alternative.get("$ref")
            if ref:
                name = ref.rsplit("/", 1)[-1]
                result.setdefault(path, set()).add(name)
                if name in trail:
                    continue
                trail = trail + (name,)
            for key, prop in (alternative.get("properties") or {}).items():
                visit(f"{path}.{key}" if path else key, prop, trail)
            extra = alternative.get("additionalProperties")
            if isinstance(extra, dict) and extra:
                visit(f"{path}.<key>", extra, trail)
            if isinstance(alternative.get("items"), dict):
                visit(f"{path}[]", alternative["items"], trail)

    visit("", schema, ())
    result[ROOT] = {ROOT}
    return result


def models(schema: dict) -> dict[str, set[str]]:
    """model name -> its keys (the top level as ROOT)."""
    keys = {name: set(d.get("properties") or {}) for name, d in schema["$defs"].items()}
    keys[ROOT] = set(schema["properties"])
    return keys


def resolve(documented_path: str, known: dict[str, set[str]]) -> set[str]:
    """The models at every path that is, or ends with, ``documented_path``."""
    if documented_path == ROOT:
        return {ROOT}
    found: set[str] = set()
    for path, names in known.items():
        if path == documented_path or path.endswith("." + documented_path):
            found |= names
    return found


# --- the doc ----------------------------------------------------------------------------------
def _first_column(line: str) -> list[str]:
    return re.findall(r"`([^`]+)`", re.split(r"(?<!\\)\|", line)[1])


def reference_sections(text: str) -> dict[str, dict]:
    """heading path -> {"keys": set, "same_as": path or None}, from the reference section."""
    lines = text.splitlines()
    start = lines.index(REFERENCE)
    sections: dict[str, dict] = {}
    current = None
    for line in lines[start + 1:]:
        if line.startswith("## "):
            break
        if line.startswith("### "):
            named = re.findall(r"`([^`]+)`", line)
            current = named[0] if named else ROOT
            assert current not in sections, f"{line}: documented twice"
            sections[current] = {"keys": set(), "same_as": None, "heading": line}
        elif current and line.startswith("| `"):
            sections[current]["keys"].update(_first_column(line))
        elif current and line.startswith("Same keys as `"):
            sections[current]["same_as"] = re.match(r"Same keys as `([^`]+)`", line).group(1)
    return sections


def registry_names(text: str, heading: str) -> set[str]:
    lines = text.splitlines()
    names = set()
    for line in lines[lines.index(heading) + 1:]:
        if line.startswith("#"):
            break
        if line.startswith("| `"):
            names.update(_first_column(line))
    return names


@pytest.fixture(scope="module")
def schema():
    return rules_file_schema()


@pytest.fixture(scope="module")
def doc():
    return DOC.read_text(encoding="utf-8")


def _documented_keys(sections: dict, path: str) -> set[str]:
    section = sections[path]
    return _documented_keys(sections, section["same_as"]) if section["same_as"] else section["keys"]


def test_every_documented_section_is_one_model_with_exactly_those_keys(schema, doc):
    known, keys = places(schema), models(schema)
    sections = reference_sections(doc)
    assert sections, f"no '### ' sections under {REFERENCE!r}"
    problems = []
    for path, section in sections.items():
        found = resolve(path, known)
        if len(found) != 1:
            problems.append(f"{section['heading']}: `{path}` is {sorted(found) or 'no place in a rules file'}, not one model")
            continue
        model = next(iter(found))
        documented = _documented_keys(sections, path)
        if documented - keys[model]:
            problems.append(f"{section['heading']}: documented, not in the model: {sorted(documented - keys[model])}")
        if keys[model] - documented:
            problems.append(f"{section['heading']}: in the model, not documented: {sorted(keys[model] - documented)}")
    assert problems == []


def test_every_model_with_keys_is_documented_somewhere(schema, doc):
    known, keys = places(schema), models(schema)
    documented_models = set()
    for path in reference_sections(doc):
        documented_models |= resolve(path, known)
    calls = _call_models(schema)
    missing = [name for name, names in keys.items()
               if names and name not in documented_models and name not in calls]
    assert missing == [], f"models without a section under {REFERENCE!r} of docs/rules-format.md"


def _call_models(schema: dict) -> dict[str, str]:
    """The guard and effect wrappers (``{field_equals: {...}}``): model name -> the guard/effect name."""
    transition = schema["$defs"]["Transition"]["properties"]
    calls = {}
    for key in ("guards", "effects"):
        for alternative in _alternatives(schema, transition[key]["items"]):
            ref = alternative.get("$ref")
            if ref:
                name = ref.rsplit("/", 1)[-1]
                props = schema["$defs"][name].get("properties") or {}
                if len(props) == 1:
                    calls[name] = (key, next(iter(props)))
    return calls


@pytest.mark.parametrize("kind, heading", [("guards", "### Guards (registry)"), ("effects", "### Effects (registry)")])
def test_the_registry_tables_name_every_guard_and_effect(schema, doc, kind, heading):
    names = {name for k, name in _call_models(schema).values() if k == kind}
    assert names, kind
    assert registry_names(doc, heading) == names


@pytest.mark.parametrize("path, expected", [
    ("workflows.<key>.states.<key>", {"State"}),
    ("sla", {"Sla"}),
    ("notify[]", {"NotifyEntry"}),
    ("effects[].create_invoice.due", {"InvoiceDue"}),
    ("states.<key>.lable", set()),
    (ROOT, {ROOT}),
])
def test_a_documented_path_is_found_in_the_schema(schema, path, expected):
    assert resolve(path, places(schema)) == expected
