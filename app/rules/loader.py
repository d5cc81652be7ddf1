"""Loads ``workflow_rules.yaml`` and its includes, validates everything, and builds ``Rules``.

``check_rules`` returns every problem found (file:line) at once; ``load_rules`` raises
``InvalidRulesError`` with the same list. Nothing read is ever evaluated as Python.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from pydantic import ValidationError

from app.rules.crosschecks import cross_check
from app.rules.format import (
    COLLECTION_SECTIONS,
    DUMP_OPTIONS,
    SECTION_NOUNS,
    SINGLE_SECTIONS,
    TOP_LEVEL_KEYS,
    RulesSpec,
)
from app.rules.model import Rules, read_template_digests
from app.rules.messages import N_
from app.rules.problems import InvalidRulesError, Place, ProblemSink, RulesProblem
from app.rules.vocabulary import DEFAULT_CHANNELS, FORMAT_VERSION
from app.rules.walker import section_schemas
from app.rules.wording import described, did_you_mean
from app.rules.yaml_source import LineDict, YamlSyntaxProblem, item_place, key_place, load_yaml, to_plain


@dataclass
class RulesFile:
    """One loaded file: ``name`` as shown in messages, ``path`` resolved, ``root`` its top mapping."""

    name: str
    path: Path
    root: LineDict


def check_rules(
    path: str | os.PathLike, known_channels: Sequence[str] = DEFAULT_CHANNELS
) -> tuple[Rules | None, list[RulesProblem]]:
    """Load and check the rules at ``path``: ``(rules, [])`` when valid, else ``(None, problems)``."""
    sink = ProblemSink()
    entry_name = os.fspath(path)
    files: list[RulesFile] = []
    _read_file(entry_name, Path(entry_name).resolve(), None, [], files, sink, entry=True)
    sections, root_place = _merge(files, sink)
    schemas = section_schemas(known_channels)
    for name, section in sections.items():
        schemas[name].check(section, section.place, f"'{name}'", "", sink)
    base_dir = Path(entry_name).parent
    cross_check(sections, base_dir=base_dir, known_channels=known_channels, sink=sink, root=root_place)
    problems = sink.sorted([file.name for file in files])
    if problems:
        return None, problems
    data = normalise(sections, sink, root_place)
    if data is None:
        return None, sink.sorted([file.name for file in files])
    return (
        Rules(
            data,
            base_dir=base_dir.resolve(),
            template_digests=read_template_digests(data, base_dir),
            sources=tuple(file.name for file in files),
        ),
        [],
    )


def load_rules(path: str | os.PathLike, *, known_channels: Sequence[str] = DEFAULT_CHANNELS) -> Rules:
    """The valid rules at ``path``; raises ``InvalidRulesError`` listing every problem."""
    rules, problems = check_rules(path, known_channels=known_channels)
    if rules is None:
        raise InvalidRulesError(problems)
    return rules


# ---------------------------------------------------------------- reading files and includes


def _read_file(
    name: str,
    resolved: Path,
    included_at: Place | None,
    stack: list[Path],
    files: list[RulesFile],
    sink: ProblemSink,
    *,
    entry: bool = False,
) -> None:
    where = included_at or Place(name, 1)
    try:
        raw = resolved.read_bytes()
    except FileNotFoundError:
        sink.add(where, N_("berkas sertaan '%(name)s' tidak ditemukan", name=name) if included_at
                 else N_("berkas aturan tidak ditemukan"))
        return
    except OSError as error:
        sink.add(where, N_("'%(name)s' tidak dapat dibaca: %(error)s", name=name, error=str(error.strerror or error)))
        return
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        sink.add(Place(name, raw[: error.start].count(b"\n") + 1), N_("berkas ini bukan UTF-8 yang sah"))
        return
    try:
        root = load_yaml(text, name, sink)
    except YamlSyntaxProblem:
        return
    if root is None:
        root = LineDict()
        root.place, root.key_places = Place(name, 1), {}
    if not isinstance(root, LineDict):
        sink.add(Place(name, 1), N_("tingkat teratas berkas aturan harus sebuah pemetaan (tertulis %(got)s)",
                                            got=described(root)))
        return
    files.append(RulesFile(name, resolved, root))
    _check_top_level(root, name, sink, entry=entry)
    includes = root.get("include")
    if includes is None:
        return
    include_place = root.key_place("include")
    if not isinstance(includes, list):
        sink.add(include_place, N_("'include' harus daftar jalur berkas (tertulis %(got)s)", got=described(includes)))
        return
    for index, relative in enumerate(includes):
        place = item_place(includes, index, include_place)
        if not isinstance(relative, str) or not relative.strip():
            sink.add(place, N_("setiap include harus jalur berkas (tertulis %(got)s)", got=described(relative)))
            continue
        child_name = os.path.normpath(os.path.join(os.path.dirname(name), relative))
        child_path = (resolved.parent / relative).resolve()
        chain = [*stack, resolved]
        if child_path in chain:
            names = [_display(path, files) for path in chain[chain.index(child_path):]] + [child_name]
            sink.add(place, N_("include berputar: %(cycle)s", cycle=" -> ".join(names)))
            continue
        if any(file.path == child_path for file in files):
            continue  # already included elsewhere (a diamond, not a cycle): read once
        _read_file(child_name, child_path, place, chain, files, sink)


def _display(path: Path, files: list[RulesFile]) -> str:
    for file in files:
        if file.path == path:
            return file.name
    return str(path)


def _check_top_level(root: LineDict, name: str, sink: ProblemSink, *, entry: bool) -> None:
    for key in root:
        if key not in TOP_LEVEL_KEYS:
            sink.add(root.key_place(key), N_("kunci tingkat teratas '%(key)s' tidak dikenal%(suggestion)s", key=key,
                                                     suggestion=did_you_mean(key, TOP_LEVEL_KEYS)))
    if "version" in root:
        if root["version"] != FORMAT_VERSION or isinstance(root["version"], bool):
            sink.add(root.key_place("version"), N_("'version' harus %(version)s (tertulis %(got)s)",
                                                         version=FORMAT_VERSION, got=described(root["version"])))
    elif entry:
        sink.add(root.place, N_("berkas aturan harus diawali 'version: %(version)s'", version=FORMAT_VERSION))
    for section in (*SINGLE_SECTIONS, *COLLECTION_SECTIONS):
        if section in root and not isinstance(root[section], dict):
            if root[section] is None:
                continue  # an empty section ("services:") is allowed
            sink.add(root.key_place(section), N_("'%(section)s' harus sebuah pemetaan (tertulis %(got)s)", section=section,
                                                        got=described(root[section])))


def _merge(files: list[RulesFile], sink: ProblemSink) -> tuple[dict[str, LineDict], Place]:
    """Merge the sections of every file; an item (or the calendar) defined twice is a problem."""
    root_place = files[0].root.place if files else Place("", 1)
    sections: dict[str, LineDict] = {}
    calendar_place: Place | None = None
    for file in files:
        for name in (*SINGLE_SECTIONS, *COLLECTION_SECTIONS):
            value = file.root.get(name)
            if not isinstance(value, dict):
                continue
            place = file.root.key_place(name)
            if name in SINGLE_SECTIONS:
                if calendar_place is not None:
                    sink.add(
                        place,
                        N_("'%(name)s' didefinisikan dua kali: di %(first)s dan di %(second)s", name=name,
                           first=f"{calendar_place.file}:{calendar_place.line}", second=f"{place.file}:{place.line}"),
                    )
                    continue
                calendar_place = place
                sections[name] = value
                continue
            merged = sections.get(name)
            if merged is None:
                merged = sections[name] = LineDict()
                merged.place, merged.key_places = place, {}
            for key, item in value.items():
                item_at = value.key_place(key)
                if key in merged:
                    first = merged.key_place(key)
                    sink.add(
                        item_at,
                        N_("%(noun)s '%(key)s' didefinisikan dua kali: di %(first)s dan di %(second)s",
                           noun=SECTION_NOUNS[name], key=key, first=f"{first.file}:{first.line}",
                           second=f"{item_at.file}:{item_at.line}"),
                    )
                    continue
                merged[key] = item
                merged.key_places[key] = item_at
    return sections, root_place


# ---------------------------------------------------------------- defaults


def normalise(sections: dict[str, Any], sink: ProblemSink | None = None, root: Place | None = None) -> dict | None:
    """The stored form of the checked sections: the models' values, with the documented defaults of
    optional keys filled in (``app.rules.format``). Optional keys without a meaningful default
    (texts such as ``address``, references such as ``survey``) stay absent rather than becoming null.

    The walker has checked the sections against the same models, so the models accept them; should
    one still refuse something, each refusal goes to ``sink`` at its place (None is returned)."""
    plain = {name: to_plain(value) for name, value in sections.items()}
    try:
        return RulesSpec.model_validate(plain).model_dump(**DUMP_OPTIONS)
    except ValidationError as error:
        if sink is None:
            raise
        for problem in error.errors(include_url=False):
            place, path = _place_of_location(sections, problem["loc"], root or Place("", 1))
            sink.add(place, N_("%(path)s tidak sah: %(error)s", path=path, error=problem["msg"]))
        return None


def _place_of_location(sections: dict, location: tuple, fallback: Place) -> tuple[Place, str]:
    """The YAML place of a pydantic error location in the merged sections, and the location as text."""
    value: Any = sections
    place = fallback
    parts = []
    for step in location:
        if isinstance(value, dict) and step in value:
            place = key_place(value, step, place)
            value = value[step]
        elif isinstance(value, list) and isinstance(step, int) and 0 <= step < len(value):
            place = item_place(value, step, place)
            value = value[step]
        else:
            value = None  # a union member's name or a key the value lacks: keep the last known place
            continue
        parts.append(f"[{step}]" if isinstance(step, int) else (f".{step}" if parts else str(step)))
    return place, "".join(parts) or "rules"
