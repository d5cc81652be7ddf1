"""The typed definition of the rules format (app/rules/format.py): it reads the stored rules back to
exactly the same data, it normalises the written form the way the loader stores it, and a version
stored before an optional key existed still validates with the default filled in."""
from __future__ import annotations

import copy

import pytest
from pydantic import ValidationError

from app.rules.format import DUMP_OPTIONS, RulesFileSpec, RulesSpec, Service, Transition
from app.rules.loader import load_rules
from app.rules.model import fingerprint

SHIPPED_FINGERPRINT = "f9401fac548a0a91377811ee3ce8c884856bbebceca88cfe51a648e00e28039d"  # the document templates: the verification address in a wrapping .verify-url block


@pytest.fixture(scope="module")
def shipped():
    return load_rules("workflow_rules.yaml")


def test_the_shipped_rules_round_trip_through_the_models(shipped):
    data = shipped.to_dict()
    assert RulesSpec.model_validate(data).model_dump(**DUMP_OPTIONS) == data


def test_the_fingerprint_of_the_shipped_rules_is_unchanged(shipped):
    assert shipped.sha256 == SHIPPED_FINGERPRINT
    again = RulesSpec.model_validate(shipped.to_dict()).model_dump(**DUMP_OPTIONS)
    assert fingerprint(again, shipped.template_digests) == SHIPPED_FINGERPRINT


def test_a_stored_version_without_a_later_optional_key_gets_its_default(shipped):
    data = shipped.to_dict()
    service_key, service = next(iter(data["services"].items()))
    del service["customer_kinds"]
    workflow = next(iter(data["workflows"].values()))
    del workflow["on_submit"]
    del workflow["transitions"][0]["timeline"]
    rules = RulesSpec.model_validate(data)
    assert rules.services[service_key].customer_kinds == ["person", "company", "institution"]
    assert next(iter(rules.workflows.values())).on_submit.notify == []
    first = next(iter(rules.workflows.values())).transitions[0]
    assert first.timeline == first.label


def test_shorthands_are_normalised():
    transition = Transition.model_validate({
        "action": "kirim", "label": "Kirim", "from": "draf", "to": "terkirim", "by": "customer",
        "guards": ["documents_complete", {"field_filled": {"field": "nama"}}, {"survey_done": None}],
        "effects": [{"notify": [{"to": "customer", "channels": ["email"], "template": "diterima"}]}],
    })
    assert transition.from_ == ["draf"] and transition.by == ["customer"]
    assert [guard.name for guard in transition.guards] == ["documents_complete", "field_filled", "survey_done"]
    assert transition.guards[1].args.field == "nama"
    assert transition.effects[0].name_and_args() == (
        "notify", [{"to": "customer", "channels": ["email"], "template": "diterima"}])
    assert transition.model_dump(**DUMP_OPTIONS) == {
        "action": "kirim", "label": "Kirim", "timeline": "Kirim", "from": ["draf"], "to": "terkirim",
        "by": ["customer"], "form": [],
        "guards": [{"documents_complete": {}}, {"field_filled": {"field": "nama"}}, {"survey_done": {}}],
        "effects": [{"notify": [{"to": "customer", "channels": ["email"], "template": "diterima"}]}],
    }


def test_a_misspelt_key_is_refused(shipped):
    data = shipped.to_dict()
    next(iter(data["services"].values()))["lable"] = "x"
    with pytest.raises(ValidationError, match="lable"):
        RulesSpec.model_validate(data)


def test_mapping_access_is_read_only_and_by_written_key(shipped):
    rules = RulesSpec.model_validate(shipped.to_dict())
    key, service = next(iter(rules.services.items()))
    raw = shipped.data["services"][key]
    assert service["class"] == service.class_ == raw["class"]
    sla = service.get("sla")
    assert (sla.model_dump(**DUMP_OPTIONS) if sla is not None else None) == raw.get("sla")
    assert ("survey" in service) == ("survey" in raw)
    assert service.get("no_such_key", 7) == 7
    with pytest.raises(KeyError):
        service["no_such_key"]
    with pytest.raises(ValidationError):
        service.code = "X"


def test_every_shipped_file_is_a_rules_file_spec():
    from pathlib import Path

    from app.rules.problems import ProblemSink
    from app.rules.yaml_source import load_yaml, to_plain

    entry = Path("workflow_rules.yaml")
    root = load_yaml(entry.read_text(encoding="utf-8"), str(entry), ProblemSink())
    for name in [str(entry), *(str(entry.parent / include) for include in root["include"])]:
        RulesFileSpec.model_validate(to_plain(load_yaml(Path(name).read_text(encoding="utf-8"), name, ProblemSink())))


def test_service_defaults_do_not_depend_on_the_written_form():
    written = {"agency": "a", "class": "c", "code": "X", "name": "N", "workflow": "w",
               "documents": [{"key": "ktp", "label": "KTP"}]}
    stored = Service.model_validate(written).model_dump(**DUMP_OPTIONS)
    assert stored["documents"] == [{"key": "ktp", "label": "KTP", "types": ["pdf", "jpg", "png"], "max_mb": 20,
                                    "required": True}]
    assert Service.model_validate(copy.deepcopy(stored)).model_dump(**DUMP_OPTIONS) == stored


def test_a_refusal_left_to_the_models_is_a_problem_at_its_place_not_a_traceback():
    from app.rules.loader import normalise
    from app.rules.problems import Place, ProblemSink
    from app.rules.yaml_source import load_yaml

    text = "services:\n  uji:\n    agency: a\n    class: c\n    code: X\n    name: Uji\n    workflow: w\n    cart: ya\n"
    sink = ProblemSink()
    root = load_yaml(text, "rules.yaml", sink)
    assert normalise({"services": root["services"]}, sink, Place("rules.yaml", 1)) is None
    assert [(problem.file, problem.line) for problem in sink.problems] == [("rules.yaml", 8)]
    assert str(sink.problems[0].message).startswith("services.uji.cart tidak sah: ")
