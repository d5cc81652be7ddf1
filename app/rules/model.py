"""``Rules``: the merged, validated rules as plain JSON-serialisable data, with a fingerprint.

The app stores each version with ``to_dict()`` and rebuilds it with ``Rules.from_dict()``
without reading YAML again; the fingerprint covers the data and every referenced template file.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Iterator, Mapping

from app.rules.vocabulary import BUILTIN_ROLES



def plain_copy(value: Any) -> Any:
    """A deep copy of JSON-like data (much faster than ``copy.deepcopy``)."""
    if isinstance(value, dict):
        return {key: plain_copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain_copy(item) for item in value]
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

    def __repr__(self) -> str:
        return f"<Rules {self.sha256[:12]} {self.summary()}>"

    # ------------------------------------------------------------ serialisation

    def to_dict(self) -> dict:
        """A deep copy of the rules data (JSON-serialisable): what the app stores as a version.
        For reads on a hot path use ``rules.data`` directly and do not mutate it."""
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

    def _section(self, name: str) -> dict:
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

    def roles(self) -> dict[str, dict]:
        """The declared staff roles, key → ``{label, description}`` (built-ins not included)."""
        return plain_copy(self._section("roles"))

    @staticmethod
    def builtin_roles() -> tuple[str, ...]:
        return BUILTIN_ROLES

    def template_path(self, relative: str) -> Path:
        """A template file named in the rules, as a path (relative paths are under ``base_dir``)."""
        if self.base_dir is None:
            raise ValueError("these rules have no base_dir to find template files in")
        return self.base_dir / relative

    def summary(self) -> dict[str, int]:
        workflows = self._section("workflows").values()
        return {
            "agencies": len(self._section("agencies")),
            "services": len(self._section("services")),
            "workflows": len(self._section("workflows")),
            "states": sum(len(workflow.get("states") or {}) for workflow in workflows),
            "transitions": sum(len(workflow.get("transitions") or ()) for workflow in workflows),
        }
