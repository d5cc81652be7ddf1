"""The JSON Schema of one rules file, generated from ``RulesFileSpec`` (app/rules/format.py).

Editors read it through the ``# yaml-language-server: $schema=…`` line at the top of every shipped
rules file (completion, hover text from the models' descriptions, unknown keys marked), tools through
``GET /api/v1/rules/schema``. ``flask rules schema --output docs/rules.schema.json`` writes the
committed copy; a test fails when that copy and the models differ.

The schema checks the shape of one file; what spans files or sections (references, reachability,
a key defined twice) is the loader's (``flask rules check``).
"""
from __future__ import annotations

import functools
import hashlib
import json
from types import UnionType
from typing import Annotated, Any, Iterable, Iterator, Sequence, Union, get_args, get_origin

from pydantic import BaseModel

from app.rules.vocabulary import DEFAULT_CHANNELS

DRAFT = "https://json-schema.org/draft/2020-12/schema"
# The format's name, not an address: the schema is read from docs/rules.schema.json or the API, and
# every reference inside it is local (#/$defs/...).
SCHEMA_ID = "urn:satupintu:rules-file:1"
TITLE = "SatuPintu rules file (workflow_rules.yaml and the files it includes)"
COMMITTED_PATH = "docs/rules.schema.json"


def models_under(model: type[BaseModel]) -> dict[str, type[BaseModel]]:
    """Every model a value of ``model`` may contain (itself included), by class name."""
    found: dict[str, type[BaseModel]] = {}

    def visit(annotation: Any) -> None:
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            if found.setdefault(annotation.__name__, annotation) is annotation and \
                    annotation.__name__ not in seen:
                seen.add(annotation.__name__)
                for info in annotation.model_fields.values():
                    visit(info.annotation)
            return
        for argument in get_args(annotation):
            visit(argument)

    seen: set[str] = set()
    visit(model)
    return found


def _one_of_keys(schema: dict[str, Any], models: dict[str, type[BaseModel]]) -> None:
    """A model whose keys are "exactly one of" (``exactly_one_of``: an SLA's unit, ``assign``'s
    target…) says so to the editor: one ``required`` alternative per key."""
    for name, definition in schema.get("$defs", {}).items():
        keys = getattr(models.get(name), "exactly_one_of", ())
        if not keys:
            continue
        unknown = [key for key in keys if key not in definition.get("properties", {})]
        if unknown:
            raise ValueError(f"{name}.exactly_one_of names {unknown}, not keys of the model")
        definition["oneOf"] = [{"required": [key]} for key in keys]


def _container_metas(annotation: Any, metadata: Iterable[Any] = ()) -> Iterator[tuple[str, Any]]:
    """("list" | "dict", Meta) for the lists and mappings a field's value may be, with their Meta
    (``min_items``, ``unique_values``), looking through Annotated and unions, not into items."""
    from app.rules.format import Meta

    origin = get_origin(annotation)
    if origin is Annotated:
        base, *extra = get_args(annotation)
        yield from _container_metas(base, extra)
        return
    if origin in (Union, UnionType):
        for argument in get_args(annotation):
            yield from _container_metas(argument)
        return
    kind = {list: "list", dict: "dict"}.get(origin)
    if kind:
        for meta in metadata:
            if isinstance(meta, Meta):
                yield kind, meta


def _branches(node: dict[str, Any], schema_type: str) -> list[dict[str, Any]]:
    """``node`` or its anyOf alternatives of JSON type ``schema_type`` (not through $ref)."""
    found = [node] if node.get("type") == schema_type else []
    for alternative in node.get("anyOf", []):
        found += _branches(alternative, schema_type)
    return found


def _item_counts(schema: dict[str, Any], models: dict[str, type[BaseModel]]) -> None:
    """The models' ``Meta(min_items=…, unique_values=…)`` as ``minItems``/``minProperties`` and
    ``uniqueItems``, so an editor marks ``from: []`` or a state listed twice too."""
    for name, definition in schema.get("$defs", {}).items():
        model = models.get(name)
        if model is None:
            continue
        for field_name, info in model.model_fields.items():
            prop = definition.get("properties", {}).get(info.alias or field_name)
            if prop is None:
                continue
            for kind, meta in _container_metas(info.annotation, info.metadata):
                for branch in _branches(prop, "array" if kind == "list" else "object"):
                    if meta.min_items:
                        branch["minItems" if kind == "list" else "minProperties"] = meta.min_items
                    if meta.unique_values and kind == "list":
                        branch["uniqueItems"] = True


def _keys_as_property_names(node: Any) -> None:
    """pydantic writes a mapping with constrained keys (``dict[Key, State]``) as ``patternProperties``,
    which lets any other key through unchecked (``Baru:``, ``label x:``). Written as ``propertyNames``
    plus ``additionalProperties``, every key must match and every value is checked."""
    if isinstance(node, dict):
        patterns = node.get("patternProperties")
        if isinstance(patterns, dict) and len(patterns) == 1 and "properties" not in node \
                and "additionalProperties" not in node:
            (pattern, values), = patterns.items()
            del node["patternProperties"]
            node["propertyNames"] = {"pattern": pattern}
            node["additionalProperties"] = values
        for value in node.values():
            _keys_as_property_names(value)
    elif isinstance(node, list):
        for value in node:
            _keys_as_property_names(value)


def _channels(schema: dict[str, Any], channels: Sequence[str]) -> None:
    """The notification channels the app knows (the loader's ``known_channels``): a template's keys
    and a ``notify`` entry's ``channels`` are those names, so ``emial:`` is marked like any typo."""
    definitions = schema["$defs"]
    names = sorted(channels)
    definitions["Notification"]["propertyNames"] = {"enum": names}
    definitions["Notification"]["minProperties"] = 1
    items = definitions["NotifyEntry"]["properties"]["channels"]["items"]
    items.pop("pattern", None)
    items["enum"] = names


def _generate(channels: Sequence[str]) -> dict[str, Any]:
    from app.rules import format as rules_format
    from app.rules.format import RulesFileSpec

    schema = RulesFileSpec.model_json_schema(by_alias=True, mode="validation")
    models = {name: model for name, model in vars(rules_format).items()
              if isinstance(model, type) and issubclass(model, BaseModel)}
    models = {**models, **models_under(RulesFileSpec)}
    _one_of_keys(schema, models)
    _item_counts(schema, models)
    _keys_as_property_names(schema)
    _channels(schema, channels)
    schema.update({"$schema": DRAFT, "$id": SCHEMA_ID, "title": TITLE})
    return schema


@functools.cache
def rules_file_schema_text(channels: Sequence[str] = DEFAULT_CHANNELS) -> str:
    """The schema as committed and served: sorted keys, two-space indent, UTF-8, one final newline,
    so the same models (and notification channels) always give the same bytes. ``channels``: the
    names the app's channel registry knows (``app.outbox.channels.notification_channels()``)."""
    return json.dumps(_generate(tuple(channels)), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def rules_file_schema(channels: Sequence[str] = DEFAULT_CHANNELS) -> dict[str, Any]:
    """The schema as a mapping (draft 2020-12, validation mode, keys as written in YAML), a fresh copy."""
    return json.loads(rules_file_schema_text(tuple(channels)))


@functools.cache
def rules_file_schema_etag(channels: Sequence[str] = DEFAULT_CHANNELS) -> str:
    """A strong validator of the served text (its sha256, shortened)."""
    return hashlib.sha256(rules_file_schema_text(tuple(channels)).encode("utf-8")).hexdigest()[:32]


def write_rules_file_schema(path: str, channels: Sequence[str] = DEFAULT_CHANNELS) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(rules_file_schema_text(tuple(channels)))
