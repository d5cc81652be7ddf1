"""A small declarative schema language for the rules file.

Each schema checks a loaded value and reports problems (with places) to a ProblemSink instead of
raising, so one run reports everything. ``what`` names the value being checked, e.g.
``'kind' of state 'terkirim' of workflow 'bmkg_ptsp'``; ``owner`` names the thing that holds it.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping, Sequence

from app.rules.messages import Message, N_
from app.rules.problems import Place, ProblemSink
from app.rules.yaml_source import item_place, key_place, place_of

KEY_PATTERN = r"[a-z][a-z0-9_]*"
KEY_RE = re.compile(KEY_PATTERN)


def describe(value: Any) -> str:
    """A short description of a value for 'got ...' messages."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return repr(shown)
    return repr(value)


def suggestion(word: Any, choices: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` when a close choice exists, else ``''``."""
    if not isinstance(word, str):
        return ""
    close = difflib.get_close_matches(word, [c for c in choices if isinstance(c, str)], n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def described(value: Any) -> Message | str:
    """``describe`` for messages that go through the catalogs (app/rules/messages.py)."""
    if value is None:
        return N_("kosong")
    if isinstance(value, dict):
        return N_("sebuah pemetaan")
    if isinstance(value, list):
        return N_("sebuah daftar")
    return describe(value)


def did_you_mean(word: Any, choices: Iterable[str]) -> Message | str:
    """``suggestion`` for messages that go through the catalogs."""
    if not isinstance(word, str):
        return ""
    close = difflib.get_close_matches(word, [c for c in choices if isinstance(c, str)], n=1, cutoff=0.6)
    return N_(" (maksud Anda '%(name)s'?)", name=close[0]) if close else ""


def of(noun_phrase: Message | str, owner: Message | str) -> Message | str:
    return N_("%(what)s dari %(owner)s", what=noun_phrase, owner=owner) if owner else noun_phrase


def named(noun: Message | str, name: Any) -> Message:
    """``noun 'name'``, e.g. status 'terkirim'."""
    return N_("%(noun)s '%(name)s'", noun=noun, name=name)


def must_be(what: Any, expects: Any, got: Any, extra: Any = "") -> Message:
    return N_("%(what)s harus %(expects)s (tertulis %(got)s)%(extra)s", what=what, expects=expects, got=got, extra=extra)


VALUE = N_("sebuah nilai")
A_TEXT = N_("sebuah teks")
A_LIST = N_("sebuah daftar")
A_MAPPING = N_("sebuah pemetaan")


class Schema:
    """Base: checks ``value`` written at ``place``; never raises for bad input."""

    expects: Message | str = VALUE

    def check(self, value: Any, place: Place, what: Any, owner: Any, sink: ProblemSink) -> None:
        raise NotImplementedError

    def accepts(self, value: Any) -> bool:
        trial = ProblemSink()
        self.check(value, Place("", 0), "value", "", trial)
        return not trial.problems

    def wrong_type(self, value: Any, place: Place, what: str, sink: ProblemSink) -> None:
        hint: Message | str = ""
        if isinstance(value, (int, float)) and not isinstance(value, bool) and "teks" in str(self.expects):
            hint = N_("; beri tanda kutip")
        sink.add(place, N_("%(what)s harus %(expects)s (tertulis %(got)s%(hint)s)", what=what, expects=self.expects,
                           got=described(value), hint=hint))


class Anything(Schema):
    expects = VALUE

    def check(self, value, place, what, owner, sink):
        return None


class Scalar(Schema):
    """A text, number, boolean or null (no lists or mappings)."""

    expects = N_("teks, angka, true/false atau null")

    def check(self, value, place, what, owner, sink):
        if isinstance(value, (dict, list)):
            self.wrong_type(value, place, what, sink)


class Text(Schema):
    def __init__(self, pattern: str | None = None, expects: Message | str = A_TEXT, allow_empty: bool = False):
        self.pattern = re.compile(pattern) if pattern else None
        self.expects = expects
        self.allow_empty = allow_empty

    def check(self, value, place, what, owner, sink):
        if not isinstance(value, str):
            self.wrong_type(value, place, what, sink)
        elif not self.allow_empty and not value.strip():
            sink.add(place, N_("%(what)s tidak boleh kosong", what=what))
        elif self.pattern is not None and not self.pattern.fullmatch(value):
            sink.add(place, must_be(what, self.expects, described(value)))


KEY = Text(KEY_PATTERN, N_("pengenal (huruf kecil, angka dan _, diawali huruf)"))
TEXT = Text()


class Integer(Schema):
    def __init__(self, minimum: int | None = None, maximum: int | None = None, expects: Message | str | None = None):
        self.minimum, self.maximum = minimum, maximum
        if expects is None:
            if minimum is not None and maximum is not None:
                expects = N_("bilangan bulat dari %(minimum)s sampai %(maximum)s", minimum=minimum, maximum=maximum)
            elif minimum == 0:
                expects = N_("bilangan bulat, nol atau lebih")
            elif minimum is not None:
                expects = N_("bilangan bulat paling sedikit %(minimum)s", minimum=minimum)
            else:
                expects = N_("bilangan bulat")
        self.expects = expects

    def check(self, value, place, what, owner, sink):
        if isinstance(value, bool) or not isinstance(value, int):
            self.wrong_type(value, place, what, sink)
        elif (self.minimum is not None and value < self.minimum) or (
            self.maximum is not None and value > self.maximum
        ):
            sink.add(place, must_be(what, self.expects, value))


class Number(Schema):
    def __init__(self, minimum: float | None = None, positive: bool = False):
        self.minimum, self.positive = minimum, positive
        if positive:
            self.expects = N_("bilangan lebih dari 0")
        elif minimum is not None:
            self.expects = N_("bilangan paling sedikit %(minimum)s", minimum=minimum)
        else:
            self.expects = N_("bilangan")

    def check(self, value, place, what, owner, sink):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.wrong_type(value, place, what, sink)
        elif (self.positive and value <= 0) or (self.minimum is not None and value < self.minimum):
            sink.add(place, must_be(what, self.expects, value))


class Boolean(Schema):
    expects = N_("true atau false")

    def check(self, value, place, what, owner, sink):
        if not isinstance(value, bool):
            self.wrong_type(value, place, what, sink)


class OneOf(Schema):
    """One of a fixed set of texts."""

    def __init__(self, choices: Sequence[str]):
        self.choices = tuple(choices)
        self.expects = N_("salah satu dari %(choices)s", choices=", ".join(self.choices))

    def check(self, value, place, what, owner, sink):
        if not isinstance(value, str) or value not in self.choices:
            sink.add(place, must_be(what, self.expects, described(value), did_you_mean(value, self.choices)))


class Nullable(Schema):
    def __init__(self, inner: Schema):
        self.inner = inner
        self.expects = N_("%(expects)s atau null", expects=inner.expects)

    def check(self, value, place, what, owner, sink):
        if value is not None:
            self.inner.check(value, place, what, owner, sink)


class Either(Schema):
    """The first alternative whose type matches checks the value (e.g. a text or a list of texts)."""

    def __init__(self, *alternatives: tuple[type | tuple, Schema], expects: Message | str):
        self.alternatives = alternatives
        self.expects = expects

    def check(self, value, place, what, owner, sink):
        for python_type, schema in self.alternatives:
            if isinstance(value, python_type) and not (isinstance(value, bool) and python_type in (int, float)):
                schema.check(value, place, what, owner, sink)
                return
        self.wrong_type(value, place, what, sink)


class Label(Schema):
    """A plain (Indonesian) text or ``{id: ..., en: ...}``."""

    expects = N_("teks atau pemetaan {id: ..., en: ...}")

    def check(self, value, place, what, owner, sink):
        if isinstance(value, str):
            TEXT.check(value, place, what, owner, sink)
        elif isinstance(value, dict):
            LABEL_RECORD.check(value, place, what, owner, sink)
        else:
            self.wrong_type(value, place, what, sink)


class Custom(Schema):
    """Delegates to ``function(value, place, what, owner, sink)``."""

    def __init__(self, function: Callable, expects: Message | str = VALUE):
        self.function = function
        self.expects = expects

    def check(self, value, place, what, owner, sink):
        self.function(value, place, what, owner, sink)


class ListOf(Schema):
    """A list; ``noun``/``name_key`` name its items (``field 'nik' of service 'x'``) and keep names unique."""

    def __init__(
        self,
        item: Schema,
        *,
        noun: Message | str | None = None,
        name_key: str | None = None,
        min_items: int = 0,
        unique_names: bool = True,
        unique_values: bool = False,
    ):
        self.item, self.noun, self.name_key = item, noun, name_key
        self.min_items, self.unique_names, self.unique_values = min_items, unique_names, unique_values
        self.expects = A_LIST

    def item_what(self, item: Any, index: int, what: Any, owner: Any) -> Message | str:
        if self.noun is None:
            return N_("butir %(number)s dari %(what)s", number=index + 1, what=what)
        name = item.get(self.name_key) if self.name_key and isinstance(item, dict) else None
        label = named(self.noun, name) if isinstance(name, (str, int)) and not isinstance(name, bool) else (
            N_("%(noun)s %(number)s", noun=self.noun, number=index + 1)
        )
        return of(label, owner)

    def check(self, value, place, what, owner, sink):
        if not isinstance(value, list):
            self.wrong_type(value, place, what, sink)
            return
        if len(value) < self.min_items:
            need = N_("paling sedikit satu butir") if self.min_items == 1 else N_(
                "paling sedikit %(count)s butir", count=self.min_items)
            sink.add(place_of(value, place), N_("%(what)s harus memiliki %(need)s", what=what, need=need))
        first_places: dict = {}
        for index, item in enumerate(value):
            where = item_place(value, index, place)
            item_what = self.item_what(item, index, what, owner)
            self.item.check(item, where, item_what, item_what if self.noun else owner, sink)
            if self.name_key and self.unique_names and isinstance(item, dict):
                name = item.get(self.name_key)
                if isinstance(name, (str, int)) and not isinstance(name, bool):
                    if name in first_places:
                        sink.add(
                            key_place(item, self.name_key, where),
                            N_("%(noun)s '%(name)s' didefinisikan dua kali di %(owner)s (pertama di baris %(line)s)",
                               noun=self.noun, name=name, owner=owner or what, line=first_places[name].line),
                        )
                    else:
                        first_places[name] = key_place(item, self.name_key, where)
            elif self.unique_values and isinstance(item, (str, int)):
                if item in first_places:
                    sink.add(where, N_("%(what)s mencantumkan %(item)s dua kali", what=what, item=described(item)))
                else:
                    first_places[item] = where


class MapOf(Schema):
    """A mapping ``key → value`` whose keys are identifiers; items are named ``noun 'key' of owner``."""

    expects = A_MAPPING

    def __init__(self, value: Schema, *, noun: Message | str, key: Schema = KEY, min_items: int = 0):
        self.value, self.noun, self.key, self.min_items = value, noun, key, min_items

    def check(self, value, place, what, owner, sink):
        if not isinstance(value, dict):
            self.wrong_type(value, place, what, sink)
            return
        if len(value) < self.min_items:
            sink.add(place, N_("%(what)s harus mendefinisikan paling sedikit satu %(noun)s", what=what, noun=self.noun))
        for item_key, item in value.items():
            where = key_place(value, item_key, place)
            if not isinstance(item_key, str) or not KEY_RE.fullmatch(item_key):
                sink.add(where, N_("nama %(noun)s %(name)s di %(what)s harus %(expects)s", noun=self.noun,
                                   name=described(item_key), what=what, expects=KEY.expects))
                continue
            item_what = of(named(self.noun, item_key), owner)
            self.value.check(item, where, item_what, item_what, sink)


@dataclass(frozen=True)
class Field:
    schema: Schema
    required: bool = False


def required(schema: Schema) -> Field:
    return Field(schema, required=True)


def optional(schema: Schema) -> Field:
    return Field(schema, required=False)


class Record(Schema):
    """A mapping with known keys: missing required keys and unknown keys (typos) are problems."""

    expects = A_MAPPING

    def __init__(
        self,
        fields: Mapping[str, Field],
        *,
        extra_check: Callable[[dict, Place, str, ProblemSink], None] | None = None,
        exactly_one_of: Sequence[str] = (),
    ):
        self.fields = dict(fields)
        self.extra_check = extra_check
        self.exactly_one_of = tuple(exactly_one_of)

    def check(self, value, place, what, owner, sink):
        if not isinstance(value, dict):
            self.wrong_type(value, place, what, sink)
            return
        for name, field in self.fields.items():
            if field.required and name not in value:
                sink.add(place, N_("%(what)s tidak memiliki '%(name)s'", what=what, name=name))
        for name, item in value.items():
            where = key_place(value, name, place)
            field = self.fields.get(name)
            if field is None:
                sink.add(where, N_("kunci '%(name)s' tidak dikenal di %(what)s%(suggestion)s", name=name, what=what,
                                   suggestion=did_you_mean(name, self.fields)))
                continue
            field.schema.check(item, where, N_("'%(name)s' dari %(what)s", name=name, what=what), what, sink)
        if self.exactly_one_of:
            present = [name for name in self.exactly_one_of if name in value]
            if len(present) != 1:
                choices = ", ".join(f"'{name}'" for name in self.exactly_one_of)
                sink.add(place, N_("%(what)s harus memiliki tepat satu dari %(choices)s", what=what, choices=choices))
        if self.extra_check is not None:
            self.extra_check(value, place, what, sink)


LABEL_RECORD = Record({"id": required(TEXT), "en": optional(TEXT)})
LABEL = Label()
