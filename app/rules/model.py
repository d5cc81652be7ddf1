"""``Rules``: the merged, validated rules as plain JSON-serialisable data, with a fingerprint.

The app stores each version with ``to_dict()`` and rebuilds it with ``Rules.from_dict()``
without reading YAML again; the fingerprint covers the data and every referenced template file.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Iterator, Mapping

from pydantic import BaseModel

from app.rules.format import DUMP_OPTIONS, RulesSpec
from app.rules.vocabulary import BUILTIN_ROLES



def plain_copy(value: Any) -> Any:
    """A deep copy of JSON-like data (much faster than ``copy.deepcopy``)."""
    if isinstance(value, dict):
        return {key: plain_copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain_copy(item) for item in value]
    return value


def plain_data(value: Any) -> Any:
    """The plain, JSON-serialisable form of a rules value as the rules store it: a typed model of
    ``app/rules/format.py`` is dumped, lists and dicts are copied; for JSON answers and ``tojson``."""
    if isinstance(value, BaseModel):
        return value.model_dump(**DUMP_OPTIONS)
    if isinstance(value, dict):
        return {key: plain_data(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain_data(item) for item in value]
    return value


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def fingerprint(data: Mapping[str, Any], template_digests: Mapping[str, str]) -> str:
    """sha256 over the canonical JSON of the rules and the sha256 of each template file."""
    return hashlib.sha256(canonical_json({"rules": data, "templates": dict(template_digests)})).hexdigest()


def referenced_template_paths(data: Mapping[str, Any]) -> list[str]:
    """Every template file the rules name: generated documents' and requirement templates."""
    paths = {document.get("template") for document in (data.get("documents") or {}).values()}
    for service in (data.get("services") or {}).values():
        paths.update(document.get("template") for document in service.get("documents") or ())
    return sorted(path for path in paths if isinstance(path, str) and path)


def read_template_digests(data: Mapping[str, Any], base_dir: Path) -> dict[str, str]:
    """sha256 of each referenced template file that exists under ``base_dir``."""
    digests = {}
    for relative in referenced_template_paths(data):
        path = Path(base_dir) / relative
        if path.is_file():
            digests[relative] = hashlib.sha256(path.read_bytes()).hexdigest()
    return digests


class Rules:
    """The rules in force. ``data`` is plain dicts/lists with defaults filled in (see the spec)."""

    def __init__(
        self,
        data: dict,
        *,
        base_dir: Path | str | None = None,
        template_digests: Mapping[str, str] | None = None,
        sources: tuple[str, ...] = (),
    ):
        self.data = data
        self.base_dir = Path(base_dir) if base_dir is not None else None
        self.template_digests = dict(template_digests or {})
        self.sources = tuple(sources)
        self.sha256 = fingerprint(data, self.template_digests)
        self._spec: RulesSpec | None = None

    def __repr__(self) -> str:
        return f"<Rules {self.sha256[:12]} {self.summary()}>"

    # ------------------------------------------------------------ serialisation

    def to_dict(self) -> dict:
        """A deep copy of the rules data (JSON-serialisable): what the app stores as a version.
        Code outside ``app/rules/`` reads through the accessors below, never ``rules.data``."""
        return plain_copy(self.data)

    @classmethod
    def from_dict(
        cls,
        data: Mapping[str, Any],
        base_dir: Path | str | None = None,
        *,
        template_digests: Mapping[str, str] | None = None,
    ) -> "Rules":
        """Rebuild from ``to_dict()`` output without re-reading YAML or re-validating.

        The fingerprint covers template files: given ``template_digests`` (or read from
        ``base_dir``), ``sha256`` equals the stored one while the templates are unchanged."""
        plain = plain_copy(dict(data))
        if template_digests is None:
            template_digests = read_template_digests(plain, Path(base_dir)) if base_dir is not None else {}
        return cls(plain, base_dir=base_dir, template_digests=template_digests)

    # ------------------------------------------------------------ accessors

    @property
    def spec(self) -> RulesSpec:
        """The typed rules (``app/rules/format.py``), built from ``data`` once, on first use.
        ``data`` stays the canonical stored form the fingerprint is computed over."""
        if self._spec is None:
            self._spec = RulesSpec.model_validate(self.data)
        return self._spec

    def _section(self, name: str) -> dict:
        return getattr(self.spec, name) or {}

    def _raw_section(self, name: str) -> dict:
        return self.data.get(name) or {}

    def _get(self, section: str, key: str, noun: str) -> dict:
        try:
            return self._section(section)[key]
        except KeyError:
            raise KeyError(f"{noun} '{key}' is not defined in the rules") from None

    def service(self, key: str) -> dict:
        return self._get("services", key, "service")

    def workflow(self, key: str) -> dict:
        return self._get("workflows", key, "workflow")

    def workflow_for(self, service_key: str) -> dict:
        return self.workflow(self.service(service_key)["workflow"])

    def agency(self, key: str) -> dict:
        return self._get("agencies", key, "agency")

    def agency_for(self, service_key: str) -> dict:
        return self.agency(self.service(service_key)["agency"])

    def document(self, key: str) -> dict:
        return self._get("documents", key, "document")

    def notification(self, key: str) -> dict:
        return self._get("notifications", key, "notification template")

    def numbering(self, key: str) -> dict:
        return self._get("numbering", key, "numbering")

    def survey(self, key: str) -> dict:
        return self._get("surveys", key, "survey")

    def state(self, workflow_key: str, state_key: str) -> dict:
        states = self.workflow(workflow_key)["states"]
        if state_key not in states:
            raise KeyError(f"state '{state_key}' is not defined in workflow '{workflow_key}'")
        return states[state_key]

    def services(self) -> Iterator[tuple[str, dict]]:
        return iter(self._section("services").items())

    # -- roles: shared (top-level ``roles``) or an agency's own (``agencies.<key>.roles``) ----------

    def shared_roles(self) -> dict[str, dict]:
        """The roles every agency may use, key → ``{label, description}``."""
        return plain_copy(self._raw_section("roles"))

    def agency_roles(self, agency_key: str | None) -> dict[str, dict]:
        """The roles ``agency_key`` declares itself (not the shared ones); {} for an unknown agency."""
        agency = self._raw_section("agencies").get(agency_key) if agency_key else None
        return plain_copy((agency or {}).get("roles") or {})

    def roles(self, agency_key: str | None = None) -> dict[str, dict]:
        """The staff roles, key → ``{label, description}`` (built-ins not included): for
        ``agency_key``, the shared roles and that agency's own (with its labels); without, every
        declared key once (an agency's own first, in agency order, then the shared ones)."""
        if agency_key is not None:
            return {**self.shared_roles(), **self.agency_roles(agency_key)}
        result: dict[str, dict] = {}
        for key in self._raw_section("agencies"):
            for role, spec in self.agency_roles(key).items():
                result.setdefault(role, spec)
        return {**result, **self.shared_roles()}

    def role_keys_of_agency(self, agency_key: str | None) -> set[str]:
        """The staff role keys ``agency_key`` may use: shared ones and its own."""
        return set(self._raw_section("roles")) | set(self.agency_roles(agency_key))

    def role_label(self, key: str, agency_key: str | None = None) -> Any:
        """A role's label as ``agency_key``'s staff see it (a text or ``{id, en}``); the key when undeclared."""
        spec = self.roles(agency_key).get(key) if agency_key is not None else None
        spec = spec or self.roles().get(key)
        return spec.get("label", key) if spec else key

    @staticmethod
    def builtin_roles() -> tuple[str, ...]:
        return BUILTIN_ROLES

    def template_path(self, relative: str) -> Path:
        """A template file named in the rules, as a path (relative paths are under ``base_dir``)."""
        if self.base_dir is None:
            raise ValueError("these rules have no base_dir to find template files in")
        return self.base_dir / relative

    def summary(self) -> dict[str, int]:
        workflows = self._raw_section("workflows").values()
        return {
            "agencies": len(self._raw_section("agencies")),
            "services": len(self._raw_section("services")),
            "workflows": len(self._raw_section("workflows")),
            "states": sum(len(workflow.get("states") or {}) for workflow in workflows),
            "transitions": sum(len(workflow.get("transitions") or ()) for workflow in workflows),
        }

    # ------------------------------------------------------------ call-site accessors
    # What code outside ``app/rules/`` reads: none of it indexes ``data`` itself, so a misspelt
    # section is a KeyError naming what is missing, and the storage shape can change here alone.
    # Callers read what these return (``spec["label"]``, ``spec.get(...)``) and never mutate it.

    def has_service(self, key: str | None) -> bool:
        return bool(key) and key in self._section("services")

    def has_document(self, key: str | None) -> bool:
        return bool(key) and key in self._section("documents")

    def has_agency(self, key: str | None) -> bool:
        return bool(key) and key in self._section("agencies")

    def has_workflow(self, key: str | None) -> bool:
        return bool(key) and key in self._section("workflows")

    def workflows(self) -> Iterator[tuple[str, dict]]:
        return iter(self._section("workflows").items())

    def agencies(self) -> Iterator[tuple[str, dict]]:
        return iter(self._section("agencies").items())

    def documents(self) -> Iterator[tuple[str, dict]]:
        return iter(self._section("documents").items())

    def notifications(self) -> Iterator[tuple[str, dict]]:
        return iter(self._section("notifications").items())

    def agency_keys(self) -> list[str]:
        return list(self._section("agencies"))

    def document_keys(self) -> list[str]:
        return list(self._section("documents"))

    def role_keys(self) -> set[str]:
        """Every declared staff role key, shared or an agency's own (built-ins not included)."""
        keys = set(self._raw_section("roles"))
        for agency_key in self._raw_section("agencies"):
            keys |= set(self.agency_roles(agency_key))
        return keys

    def role(self, key: str, agency_key: str | None = None) -> dict:
        """A role's spec as ``agency_key`` declares it (or shared); without an agency, the first declaration."""
        spec = self.roles(agency_key).get(key)
        if spec is None:
            raise KeyError(f"role '{key}' is not defined in the rules")
        return spec

    def services_of_agency(self, agency_key: str) -> Iterator[tuple[str, dict]]:
        """The services an agency offers, in the rules' order."""
        return ((key, spec) for key, spec in self.services() if spec["agency"] == agency_key)

    def workflow_key_for(self, service_key: str) -> str:
        return self.service(service_key)["workflow"]

    def states(self, workflow_key: str) -> Mapping[str, dict]:
        """A workflow's states, key → spec (read-only)."""
        return self.workflow(workflow_key)["states"]

    def states_for(self, service_key: str) -> Mapping[str, dict]:
        return self.states(self.workflow_key_for(service_key))

    def state_for(self, service_key: str, state_key: str) -> dict:
        return self.state(self.workflow_key_for(service_key), state_key)

    def initial_state_for(self, service_key: str) -> str:
        return self.workflow_for(service_key)["initial"]

    def transitions(self, workflow_key: str) -> list[dict]:
        """A workflow's transitions in the rules' order (read-only)."""
        return self.workflow(workflow_key)["transitions"]

    def transitions_for(self, service_key: str) -> list[dict]:
        return self.transitions(self.workflow_key_for(service_key))

    def transition(self, workflow_key: str, action: str, from_state: str | None = None) -> dict:
        """The first transition of ``action`` (leaving ``from_state`` when given)."""
        for transition in self.transitions(workflow_key):
            if transition["action"] == action and (from_state is None or from_state in transition["from"]):
                return transition
        where = f" from state '{from_state}'" if from_state is not None else ""
        raise KeyError(f"action '{action}'{where} is not defined in workflow '{workflow_key}'")

    def transition_for(self, service_key: str, action: str, from_state: str | None = None) -> dict:
        return self.transition(self.workflow_key_for(service_key), action, from_state)

    def plain_forms(self, workflow_key: str) -> list[list[dict]]:
        """A plain copy of each transition's form, in the rules' order: for answers serialised as JSON."""
        self.workflow(workflow_key)
        return [plain_copy(t.get("form") or []) for t in self._raw_section("workflows")[workflow_key]["transitions"]]

    def survey_for(self, service_key: str) -> dict | None:
        """The satisfaction survey a service asks for, or None when it asks for none."""
        key = self.service(service_key).get("survey")
        return self.survey(key) if key else None

    def numbering_or_none(self, key: str | None) -> dict | None:
        return self._section("numbering").get(key) if key else None

    def calendar(self):
        return self.spec.calendar

    def request_kind(self, key: str) -> dict:
        return self._get("request_kinds", key, "request kind")

    def request_kinds(self) -> Iterator[tuple[str, dict]]:
        return iter(self._section("request_kinds").items())
