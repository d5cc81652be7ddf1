"""YAML safe-loading that remembers where every key and list item was written.

PyYAML silently keeps the last of two equal keys in a mapping; this loader reports the duplicate.
Timestamps stay strings (``2026-12-31``), so the loaded data is always JSON-serialisable.
"""
from __future__ import annotations

from typing import Any

import yaml
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, ScalarNode

from app.rules.messages import N_
from app.rules.problems import Place, ProblemSink

MERGE_TAG = "tag:yaml.org,2002:merge"


class LineDict(dict):
    """A mapping read from YAML: ``place`` is where it starts, ``key_places[key]`` where each key is."""

    place: Place
    key_places: dict

    def key_place(self, key: Any) -> Place:
        return self.key_places.get(key, self.place)


class LineList(list):
    """A sequence read from YAML: ``place`` is where it starts, ``item_places[i]`` where item i is."""

    place: Place
    item_places: list

    def item_place(self, index: int) -> Place:
        if 0 <= index < len(self.item_places):
            return self.item_places[index]
        return self.place


def place_of(value: Any, fallback: Place) -> Place:
    """The place a loaded value was written, or ``fallback`` for scalars (which carry none)."""
    if isinstance(value, (LineDict, LineList)):
        return value.place
    return fallback


def key_place(mapping: Any, key: Any, fallback: Place) -> Place:
    if isinstance(mapping, LineDict):
        return mapping.key_place(key)
    return fallback


def item_place(sequence: Any, index: int, fallback: Place) -> Place:
    if isinstance(sequence, LineList):
        return sequence.item_place(index)
    return fallback


# libyaml's parser when PyYAML was built with it (about 5x faster); the constructors stay safe.
_SafeBase = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _LineLoader(_SafeBase):
    """A safe loader building LineDict/LineList and reporting duplicate keys to a ProblemSink."""

    def __init__(self, stream: str, file: str, sink: ProblemSink):
        super().__init__(stream)
        self.file = file
        self.sink = sink

    def place(self, node) -> Place:
        return Place(self.file, node.start_mark.line + 1)


def _construct_mapping(loader: _LineLoader, node: MappingNode):
    data = LineDict()
    data.place = loader.place(node)
    data.key_places = {}
    yield data
    first_seen: dict = {}
    for key_node, _ in node.value:
        if key_node.tag == MERGE_TAG or not isinstance(key_node, ScalarNode):
            continue
        key = loader.construct_object(key_node)
        if key in first_seen:
            loader.sink.add(
                loader.place(key_node),
                N_("kunci '%(key)s' ditulis dua kali (pertama di baris %(line)s)", key=key, line=first_seen[key]),
            )
        else:
            first_seen[key] = key_node.start_mark.line + 1
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        if not isinstance(key_node, ScalarNode):
            loader.sink.add(loader.place(key_node), N_("kunci pemetaan harus nilai biasa, bukan daftar atau pemetaan"))
            continue
        key = loader.construct_object(key_node, deep=True)
        data[key] = loader.construct_object(value_node, deep=True)
        data.key_places[key] = loader.place(key_node)


def _construct_sequence(loader: _LineLoader, node):
    data = LineList()
    data.place = loader.place(node)
    data.item_places = [loader.place(child) for child in node.value]
    yield data
    data.extend(loader.construct_object(child, deep=True) for child in node.value)


def _construct_timestamp_as_text(loader: _LineLoader, node):
    return loader.construct_scalar(node)


def _refuse_tag(loader: _LineLoader, node):
    raise ConstructorError(None, None, f"the YAML tag {node.tag} is not allowed in rules", node.start_mark)


_LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _construct_sequence)
_LineLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp_as_text)
for _tag in ("binary", "set", "omap", "pairs"):
    _LineLoader.add_constructor(f"tag:yaml.org,2002:{_tag}", _refuse_tag)


class YamlSyntaxProblem(Exception):
    """Raised by ``load_yaml`` after reporting a syntax error to the sink."""


def load_yaml(text: str, file: str, sink: ProblemSink) -> Any:
    """Parse one YAML document (``None`` when empty); a syntax error is reported to ``sink`` and
    raises YamlSyntaxProblem."""
    loader = _LineLoader(text, file, sink)
    try:
        return loader.get_single_data()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else 1
        reason = error.problem or error.context or N_("YAML tidak sah")
        sink.add(Place(file, line), N_("kesalahan sintaks YAML: %(reason)s", reason=reason))
    except yaml.YAMLError as error:
        sink.add(Place(file, 1), N_("kesalahan YAML: %(error)s", error=str(error)))
    finally:
        loader.dispose()
    raise YamlSyntaxProblem(file)


def to_plain(value: Any) -> Any:
    """A deep copy made of plain dicts and lists (no places), fit for JSON."""
    if isinstance(value, dict):
        return {key: to_plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [to_plain(item) for item in value]
    return value
