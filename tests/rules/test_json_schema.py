"""The JSON Schema of a rules file (docs/rules.schema.json): generated from the models, committed as
generated, named by every shipped rules file, valid for all of them, and strict enough that an
editor marks a misspelt key or value; every key it describes has a description (the hover text)."""
from __future__ import annotations

import copy
import json
import os
from pathlib import Path

import jsonschema
import pytest
import yaml

from app.outbox.channels import notification_channels
from app.rules.json_schema import COMMITTED_PATH, DRAFT, SCHEMA_ID, rules_file_schema, rules_file_schema_text

ROOT = Path(__file__).resolve().parents[2]
ENTRY = ROOT / "workflow_rules.yaml"
MODELINE = "# yaml-language-server: $schema="
REGENERATE = "run: flask --app run rules schema --output docs/rules.schema.json"


class EditorLoader(yaml.SafeLoader):
    """YAML as an editor's language server reads it (YAML 1.2: ``2026-12-31`` is text, not a date)."""


EditorLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}


def load(path: Path):
    return yaml.load(path.read_text(encoding="utf-8"), Loader=EditorLoader)


def shipped_rules_files() -> list[Path]:
    """The entry file and every file it includes, transitively."""
    files, pending = [], [ENTRY]
    while pending:
        path = pending.pop(0).resolve()
        if path in files:
            continue
        files.append(path)
        pending += [path.parent / name for name in (load(path) or {}).get("include") or []]
    return files


@pytest.fixture(scope="module")
def validator():
    schema = json.loads((ROOT / COMMITTED_PATH).read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


# --- generated, committed, served the same ---------------------------------------------------
def test_the_committed_schema_is_the_one_the_models_give():
    committed = (ROOT / COMMITTED_PATH).read_text(encoding="utf-8")
    assert committed == rules_file_schema_text(notification_channels()), f"docs/rules.schema.json is out of date with app/rules/format.py; {REGENERATE}"


def test_the_channels_are_the_ones_the_app_knows():
    schema = rules_file_schema(("email", "fax"))
    assert schema["$defs"]["Notification"]["propertyNames"] == {"enum": ["email", "fax"]}
    assert schema["$defs"]["NotifyEntry"]["properties"]["channels"]["items"]["enum"] == ["email", "fax"]
    assert set(notification_channels()) == {"email", "inbox", "whatsapp"}


def test_the_schema_names_its_draft_and_itself():
    schema = rules_file_schema()
    assert schema["$schema"] == DRAFT == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == SCHEMA_ID and schema["title"].startswith("SatuPintu rules file")
    assert schema["additionalProperties"] is False
    assert {"version", "include", "agencies", "workflows", "services"} <= set(schema["properties"])


def test_flask_rules_schema_prints_and_writes_the_same_text(app, tmp_path):
    runner = app.test_cli_runner()
    printed = runner.invoke(args=["rules", "schema"])
    assert printed.exit_code == 0, printed.output
    assert printed.stdout == rules_file_schema_text(notification_channels())
    target = tmp_path / "rules.schema.json"
    written = runner.invoke(args=["rules", "schema", "--output", str(target)])
    assert written.exit_code == 0, written.output
    assert target.read_bytes() == rules_file_schema_text(notification_channels()).encode("utf-8")
    assert target.read_bytes().endswith(b"}\n") and b"\r" not in target.read_bytes()


# --- the shipped files --------------------------------------------------------------------------
def test_every_file_under_rules_is_a_shipped_rules_file():
    assert {p.name for p in (ROOT / "rules").glob("*.yaml")} == \
        {p.name for p in shipped_rules_files() if p.parent == ROOT / "rules"}


@pytest.mark.parametrize("path", shipped_rules_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_a_shipped_rules_file_names_the_schema_on_its_first_line(path):
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith(MODELINE), f"{path.name}: the first line is not the yaml-language-server modeline"
    target = first[len(MODELINE):]
    assert not os.path.isabs(target) and "://" not in target, "relative, so it works offline and in any checkout"
    assert (path.parent / target).resolve() == (ROOT / COMMITTED_PATH).resolve()


@pytest.mark.parametrize("path", shipped_rules_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_a_shipped_rules_file_is_valid_under_the_schema(validator, path):
    problems = [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in validator.iter_errors(load(path))]
    assert problems == []


# --- what an editor marks ---------------------------------------------------------------------
def _first(mapping: dict) -> str:
    return next(iter(mapping))


def _rename(mapping: dict, old: str, new: str) -> None:
    items = [(new if k == old else k, v) for k, v in mapping.items()]
    mapping.clear()
    mapping.update(items)


def _state(d):
    workflow = d["workflows"][_first(d["workflows"])]
    return workflow["states"][workflow["initial"]]


def _transition(d):
    return d["workflows"][_first(d["workflows"])]["transitions"][0]


def _service(d):
    return d["services"][_first(d["services"])]


def _agency(d):
    return d["agencies"][_first(d["agencies"])]


HOSTILE = {
    "top-level servcies": lambda d: _rename(d, "services", "servcies"),
    "top-level version 2": lambda d: d.update(version=2),
    "include as one text": lambda d: d.update(include="rules/bmkg.yaml"),
    "state lable": lambda d: _rename(_state(d), "label", "lable"),
    "state kind final_succes": lambda d: _state(d).update(kind="final_succes"),
    "state clock running": lambda d: _state(d).update(clock="running"),
    "state sla working_day": lambda d: _state(d).update(sla={"working_day": 3}),
    "state sla in two units": lambda d: _state(d).update(sla={"working_days": 3, "days": 2}),
    "state key in capitals": lambda d: d["workflows"][_first(d["workflows"])]["states"].update(
        Baru={"label": "Baru", "kind": "working"}),
    "label with eng": lambda d: _state(d).update(label={"id": "Baru", "eng": "New"}),
    "label without id": lambda d: _state(d).update(label={"en": "New"}),
    "transition acton": lambda d: _rename(_transition(d), "action", "acton"),
    "transition from no state": lambda d: _transition(d).update({"from": []}),
    "transition by a role twice": lambda d: _transition(d).update(by=["customer", "customer"]),
    "workflow without states": lambda d: d["workflows"][_first(d["workflows"])].update(states={}),
    "notify on no channel": lambda d: _transition(d).update(
        effects=[{"notify": [{"to": "customer", "channels": [], "template": "x"}]}]),
    "guard documents_complet": lambda d: _transition(d).update(guards=["documents_complet"]),
    "guard field_equal": lambda d: _transition(d).update(guards=[{"field_equal": {"field": "a", "value": "b"}}]),
    "guard argument feld": lambda d: _transition(d).update(guards=[{"field_equals": {"feld": "a", "value": "b"}}]),
    "effect asign_number": lambda d: _transition(d).update(effects=[{"asign_number": {"numbering": "a", "to": "number"}}]),
    "effect argument too": lambda d: _transition(d).update(effects=[{"assign_number": {"numbering": "a", "too": "number"}}]),
    "notify to custmer": lambda d: _transition(d).update(
        effects=[{"notify": [{"to": "custmer", "channels": ["email"], "template": "x"}]}]),
    "notification channel emial": lambda d: d["notifications"].update(x={"emial": {"subject": "a", "body": "b"}}),
    "notification on no channel": lambda d: d["notifications"].update(x={}),
    "notify on channel sms": lambda d: _transition(d).update(
        effects=[{"notify": [{"to": "customer", "channels": ["sms"], "template": "x"}]}]),
    "field type txt": lambda d: _service(d)["fields"][0].update(type="txt"),
    "field required yes": lambda d: _service(d)["fields"][0].update(required="yes"),
    "field show_if with two tests": lambda d: _service(d)["fields"][0].update(
        show_if={"field": "a", "equals": "x", "filled": True}),
    "service company_data maybe": lambda d: _service(d).update(company_data="maybe"),
    "service custmer_kinds": lambda d: _service(d).update(custmer_kinds=["person"]),
    "document types exe": lambda d: _service(d)["documents"][0].update(types=["exe"]),
    "document max_mb as text": lambda d: _service(d)["documents"][0].update(max_mb="20"),
    "agency account_activation sms": lambda d: _agency(d).update(account_activation="sms"),
    "agency bank account without number": lambda d: _agency(d).update(
        bank_accounts=[{"key": "bri", "bank": "BRI", "holder": "x"}]),
    "numbering per week": lambda d: d["numbering"].update(x={"pattern": "{seq}", "per": ["week"]}),
    "generated document kind licenze": lambda d: d["documents"].update(
        x={"label": "x", "kind": "licenze", "template": "templates/documents/surat_izin.html"}),
    "survey score 5": lambda d: d.setdefault("surveys", {}).update(s={"title": "t", "questions": [
        {"key": "u1", "text": "q", "options": [{"label": "a", "score": 5}, {"label": "b", "score": 1}]}]}),
    "workflow states as a list": lambda d: d["workflows"][_first(d["workflows"])].update(states=["baru"]),
}


@pytest.fixture(scope="module")
def office():
    """A shipped office file with every section the variants touch: valid as it is."""
    data = load(ROOT / "rules" / "bmkg.yaml")
    data.setdefault("notifications", {})
    assert {"workflows", "services", "agencies", "numbering", "documents"} <= set(data)
    return data


def test_the_office_file_the_variants_start_from_is_valid(validator, office):
    assert list(validator.iter_errors(office)) == []


@pytest.mark.parametrize("name", HOSTILE)
def test_the_schema_marks_a_misspelt_key_or_value(validator, office, name):
    data = copy.deepcopy(office)
    HOSTILE[name](data)
    assert data != office
    assert list(validator.iter_errors(data)), f"{name}: accepted by the schema"


# --- hover text -------------------------------------------------------------------------------
def _undescribed(node, where: str = "#") -> list[str]:
    missing = []
    if isinstance(node, dict):
        for key, prop in (node.get("properties") or {}).items():
            if not isinstance(prop, dict) or not str(prop.get("description", "")).strip():
                missing.append(f"{where}/properties/{key}")
        for key, value in node.items():
            missing += _undescribed(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            missing += _undescribed(value, f"{where}/{index}")
    return missing


def test_every_key_of_the_schema_has_a_description():
    assert _undescribed(rules_file_schema()) == []


def test_a_key_without_a_description_is_found():
    assert _undescribed({"$defs": {"State": {"properties": {"label": {"description": "x"}, "kind": {"type": "string"}}}}}) \
        == ["#/$defs/State/properties/kind"]
