"""What templates can use, and a check that they use nothing else (``rules check``).

The variables a notification text and a document template see are declared once: the tables under
"What templates can use" in ``docs/rules-format.md``. ``tests/documents/test_template_variables.py``
compares those tables with the contexts the platform really builds (transitions, the SLA tick's
notices, every generated document), so the sample context built here from the same tables has the
real shape.

Each template is rendered against that sample context with an ``Undefined`` that records, instead
of printing nothing, every name it is asked for that the context lacks, with the template line that
asked. Names in the tables: ``a.b`` a key of a mapping, ``a[].b`` a key of each item of a list,
``a.<key>`` a mapping whose keys come from the rules or the application (any key is accepted there).
"""
from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "rules-format.md"
SECTIONS = {"notifications": "### Variables of notification texts",
            "documents": "### Variables of document templates"}
NAME = re.compile(r"^[a-z_]+(\[\])?(\.([a-z_]+(\[\])?|<[a-z_]+>))*$")
OPEN = re.compile(r"^<[a-z_]+>$")
SAMPLE_VALUE = 1  # a leaf: a number works with every filter, in tests and in arithmetic
# the leaves the filters read as settings: what the platform passes (`id`, an agency's zone)
SAMPLE_SETTINGS = {"locale": "id", "zone": "Asia/Makassar"}
TEMPLATE_FILENAME = "<rules-template>"


def documented(heading: str, text: str | None = None) -> set[str]:
    """The backquoted names of the first column of the table under ``heading``."""
    lines = (DOC.read_text(encoding="utf-8") if text is None else text).splitlines()
    start = lines.index(heading)
    names: set[str] = set()
    for line in lines[start + 1:]:
        if line.startswith("#"):
            break
        if not line.startswith("| `"):
            continue
        first = re.split(r"(?<!\\)\|", line)[1]
        for name in re.findall(r"`([^`]+)`", first):
            if not NAME.match(name):
                raise ValueError(f"{name!r} in {heading} is not a variable name")
            names.add(name)
    if not names:
        raise ValueError(f"no table under {heading}")
    return names


class SampleMap(dict):
    """A mapping of the sample context; ``_path`` is its name (underscored: templates cannot reach it) in the tables (``app``, ``app.cart[]``)."""

    def __init__(self, path: str, open_mapping: bool = False):
        super().__init__()
        self._path = path
        self._open = open_mapping

    def __missing__(self, key):
        if self._open:
            return SAMPLE_VALUE
        raise KeyError(key)


def sample_context(names: set[str]) -> dict:
    """A context with every documented name (a leaf is a number, a list holds one item)."""
    root = SampleMap("")
    for name in sorted(names):
        node = root
        parts = name.split(".")
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            if OPEN.match(part):
                node._open = True
                break
            is_list = part.endswith("[]")
            key = part[:-2] if is_list else part
            path = f"{node._path}.{part}" if node._path else part
            if last and not is_list:
                node.setdefault(key, SAMPLE_SETTINGS.get(path, SAMPLE_VALUE))
                break
            existing = node.get(key)
            if is_list:
                if not isinstance(existing, list):
                    existing = node[key] = [SampleMap(path)]
                node = existing[0]
            else:
                if not isinstance(existing, SampleMap):
                    existing = node[key] = SampleMap(path)
                node = existing
    return dict(root)


@lru_cache(maxsize=2)
def _contexts() -> dict[str, tuple[dict, frozenset]]:
    found = {}
    for kind, heading in SECTIONS.items():
        names = documented(heading)
        found[kind] = (sample_context(names), frozenset(names))
    return found


@dataclass(frozen=True)
class UnknownName:
    """``name`` (``app.total_amount``) asked for at ``line`` of the template; ``known`` the
    documented names beside it, for a suggestion. ``filter`` when it is a filter or a test the
    environment does not have (the template does not compile)."""

    name: str
    line: int
    known: tuple[str, ...]
    filter: bool = False


def _template_line(template_holder: list) -> int:
    frame = sys._getframe(2)
    while frame is not None:
        if frame.f_code.co_filename == TEMPLATE_FILENAME and template_holder:
            return template_holder[0].get_corresponding_lineno(frame.f_lineno)
        frame = frame.f_back
    return 1


def _environment(found: list[UnknownName], template_holder: list, *, autoescape: bool):
    from jinja2 import Undefined
    from jinja2.sandbox import SandboxedEnvironment
    from jinja2.utils import missing

    from app.core.formatting import document_filters, install_filters

    class RecordingUndefined(Undefined):
        """Renders empty like the platform's, but records a name the sample context lacks."""

        __slots__ = ()

        def __init__(self, hint=None, obj=missing, name=None, exc=None):
            super().__init__(hint, obj, name, exc)
            if name is None or not isinstance(name, str):
                return
            if obj is missing:
                found.append(UnknownName(name, _template_line(template_holder), ()))
            elif isinstance(obj, SampleMap):
                prefix = f"{obj._path}." if obj._path else ""
                found.append(UnknownName(prefix + name, _template_line(template_holder),
                                         tuple(prefix + key for key in obj)))

    env = SandboxedEnvironment(undefined=RecordingUndefined, autoescape=autoescape)
    install_filters(env)
    if autoescape:  # documents
        env.filters.update(document_filters())
    return env


def unknown_names(source: str, kind: str) -> list[UnknownName]:
    """See ``_unknown_names``; a template's answer is kept (the same texts are checked at every load)."""
    return list(_unknown_names(source, kind))


@lru_cache(maxsize=2048)
def _unknown_names(source: str, kind: str) -> tuple[UnknownName, ...]:
    """The names ``source`` (a template of ``kind``: ``notifications`` or ``documents``) uses that
    its context does not have, in order, each once. A template that does not parse gives none
    (its syntax error is reported elsewhere); a render that fails on a sample value stops there."""
    from jinja2 import TemplateAssertionError, TemplateError

    context, names = _contexts()[kind]
    found: list[UnknownName] = []
    holder: list = []
    env = _environment(found, holder, autoescape=(kind == "documents"))
    try:
        code = env.compile(source, filename=TEMPLATE_FILENAME)
        template = env.template_class.from_code(env, code, env.make_globals(None))
    except TemplateAssertionError as error:  # an unknown filter or test
        named = re.search(r"'([^']+)'", error.message or "")
        name = named.group(1) if named else str(error.message)
        return (UnknownName(name, error.lineno or 1, tuple(sorted({**env.filters, **env.tests})), filter=True),)
    except TemplateError:
        return ()
    holder.append(template)
    top_level = tuple(sorted(key for key in context))
    try:
        template.render(**context)
    except Exception:  # noqa: BLE001 - a filter or a test refusing a sample value: keep what was found
        pass
    seen: set[tuple[str, int]] = set()
    result = []
    for item in found:
        if (item.name, item.line) in seen:
            continue
        seen.add((item.name, item.line))
        result.append(item if item.known else UnknownName(item.name, item.line, top_level))
    return tuple(result)
