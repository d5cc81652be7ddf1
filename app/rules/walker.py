"""The loader's structural check, driven by the typed models of the format (``app.rules.format``).

``schema_for(Model)`` turns a model's annotations and ``Meta`` into checkers: required and unknown keys
(with a "did you mean"), lists and mappings whose items are named in messages (``field 'nik' of
service 'x'``), texts, numbers, choices. A checker checks a loaded value and reports problems (with
their YAML places) to a ProblemSink instead of raising, so one run reports everything; ``what``
names the value being checked, e.g. ``'kind' of state 'terkirim' of workflow 'bmkg_ptsp'``;
``owner`` names the thing that holds it. The models are the only definition of the format: nothing
here names a key of the rules.
"""
from __future__ import annotations

import re
import types
from dataclasses import dataclass, fields as dataclass_fields, replace
from functools import lru_cache
from typing import Annotated, Any, Callable, Iterable, Literal, Mapping, Sequence, Union, get_args, get_origin

from pydantic import BaseModel, Discriminator
from pydantic.fields import FieldInfo

from app.rules.messages import Message, N_
from app.rules.problems import Place, ProblemSink
from app.rules.wording import described, describe, did_you_mean, must_be, named, of  # noqa: F401 (re-exported)
from app.rules.yaml_source import item_place, key_place, place_of


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


class TextOrRecord(Schema):
    """A text or a mapping with known keys (a label: a plain Indonesian text or ``{id: ..., en: ...}``)."""

    def __init__(self, text: Schema, record: Schema, expects: Message | str):
        self.text, self.record, self.expects = text, record, expects

    def check(self, value, place, what, owner, sink):
        if isinstance(value, str):
            self.text.check(value, place, what, owner, sink)
        elif isinstance(value, dict):
            self.record.check(value, place, what, owner, sink)
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

    def __init__(self, value: Schema, *, noun: Message | str, key: Schema, min_items: int = 0):
        self.value, self.noun, self.key, self.min_items = value, noun, key, min_items

    def check(self, value, place, what, owner, sink):
        if not isinstance(value, dict):
            self.wrong_type(value, place, what, sink)
            return
        if len(value) < self.min_items:
            sink.add(place, N_("%(what)s harus mendefinisikan paling sedikit satu %(noun)s", what=what, noun=self.noun))
        for item_key, item in value.items():
            where = key_place(value, item_key, place)
            if not isinstance(item_key, str) or not self.key.accepts(item_key):
                sink.add(where, N_("nama %(noun)s %(name)s di %(what)s harus %(expects)s", noun=self.noun,
                                   name=described(item_key), what=what, expects=self.key.expects))
                continue
            item_what = of(named(self.noun, item_key), owner)
            self.value.check(item, where, item_what, item_what, sink)


@dataclass(frozen=True)
class Field:
    schema: Schema
    required: bool = False


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



# ---------------------------------------------------------------- the models as checkers


@dataclass(frozen=True)
class WalkContext:
    """What checking depends on besides the models: the notification channels known to the app."""

    known_channels: tuple[str, ...] = ()

    def check_as(self, annotation: Any, value: Any, place: Place, what: Any, owner: Any, sink: ProblemSink) -> None:
        """Check ``value`` as ``annotation`` (a model of the format): for the models' own checks,
        which get this context and so need not import the walker."""
        schema_for(annotation, self).check(value, place, what, owner, sink)


def _unwrap(annotation: Any, metadata: Sequence[Any] = ()) -> tuple[Any, list]:
    """The bare type of ``annotation`` and all its metadata (a FieldInfo's constraints flattened)."""
    found = list(metadata)
    while get_origin(annotation) is Annotated:
        annotation, *more = get_args(annotation)
        found = [*more, *found]
    flat: list = []
    for item in found:
        flat.extend(item.metadata if isinstance(item, FieldInfo) else (item,))
    return annotation, flat


def _meta(metadata: Iterable[Any]):
    from app.rules.format import Meta

    merged = Meta()
    for item in metadata:
        if isinstance(item, Meta):
            changes = {f.name: getattr(item, f.name) for f in dataclass_fields(Meta)
                       if getattr(item, f.name) != f.default}
            merged = replace(merged, **changes)
    return merged


def _constraint(metadata: Iterable[Any], name: str) -> Any:
    value = None
    for item in metadata:
        if getattr(item, name, None) is not None:
            value = getattr(item, name)
    return value


def _is_union(annotation: Any) -> bool:
    return get_origin(annotation) in (Union, types.UnionType)


class _Compiler:
    """Builds the checker of a type once per context (models are shared by several places)."""

    def __init__(self, context: WalkContext):
        self.context = context
        self.records: dict[type, Schema] = {}

    def schema(self, annotation: Any, metadata: Sequence[Any] = ()) -> Schema:
        from app.rules.format import EffectCall, GuardCall, Spec

        base, metadata = _unwrap(annotation, metadata)
        meta = _meta(metadata)
        if meta.check is not None:
            return Custom(meta.check, meta.expects or VALUE)
        if base is Any:
            return Anything()
        origin = get_origin(base)
        if _is_union(base):
            members = [member for member in get_args(base) if member is not type(None)]
            if len(members) == 1:
                inner = self.schema(members[0])
                return Nullable(inner) if meta.nullable else inner
            bare = [_unwrap(member)[0] for member in members]
            if any(isinstance(item, Discriminator) for item in metadata):
                if all(isinstance(item, type) and issubclass(item, GuardCall) for item in bare):
                    return Custom(_check_guard)
                if all(isinstance(item, type) and issubclass(item, EffectCall) for item in bare):
                    return Custom(_check_effect)
            if set(bare) == {int, float}:
                if _constraint(metadata, "gt") == 0:
                    return Number(positive=True)
                return Number(minimum=_constraint(metadata, "ge"))
            if set(bare) <= {str, int, float, bool}:
                return Scalar()
            records = [item for item in bare if isinstance(item, type) and issubclass(item, BaseModel)]
            if len(members) == 2 and str in bare and len(records) == 1:
                text = self.schema(members[bare.index(str)])
                return TextOrRecord(text, self.schema(records[0]), meta.expects or VALUE)
            raise TypeError(f"the rules walker cannot check {annotation!r}")
        if origin is Literal:
            return OneOf(get_args(base))
        if origin is list:
            item = self.schema(get_args(base)[0])
            if meta.one_or_list:
                return Either((str, item), (list, ListOf(item, min_items=meta.min_items, unique_values=meta.unique_values)),
                              expects=meta.expects)
            return ListOf(item, noun=meta.noun, name_key=meta.name_key, min_items=meta.min_items,
                          unique_names=meta.unique_names, unique_values=meta.unique_values)
        if origin is dict:
            key_type, value_type = get_args(base)
            return MapOf(self.schema(value_type), noun=meta.noun, key=self.schema(key_type), min_items=meta.min_items)
        if isinstance(base, type) and issubclass(base, Spec):
            return self.record(base)
        if base is bool:
            return Boolean()
        if base is int:
            low = _constraint(metadata, "ge")
            if low is None and _constraint(metadata, "gt") is not None:
                low = _constraint(metadata, "gt") + 1
            return Integer(low, _constraint(metadata, "le"), expects=meta.expects)
        if base is str:
            pattern = _constraint(metadata, "pattern")
            return Text(pattern, meta.expects or A_TEXT) if pattern else TEXT
        raise TypeError(f"the rules walker cannot check {annotation!r}")

    def record(self, model: type) -> Schema:
        known = self.records.get(model)
        if known is not None:
            return known
        value_check = getattr(model, "value_check", None)
        if value_check is not None:
            context = self.context

            def check(value, place, what, owner, sink):
                value_check(value, place, what, owner, sink, context)

            schema: Schema = Custom(check, A_MAPPING)
        else:
            record_check = model.record_check
            schema = Record(
                {(info.alias or name): Field(self.schema(info.annotation, info.metadata), info.is_required())
                 for name, info in model.model_fields.items()},
                extra_check=record_check,
                exactly_one_of=model.exactly_one_of,
            )
        self.records[model] = schema
        return schema


@lru_cache(maxsize=16)
def _compiler(context: WalkContext) -> _Compiler:
    return _Compiler(context)


def schema_for(annotation: Any, context: WalkContext = WalkContext()) -> Schema:
    """The checker of a model (or any annotation of the format)."""
    return _compiler(context).schema(annotation)


def section_schemas(known_channels: Sequence[str]) -> dict[str, Schema]:
    """The checker of each top-level section, keyed by section name."""
    from app.rules.format import SECTIONS, RulesSpec

    compiler = _compiler(WalkContext(tuple(known_channels)))
    return {name: compiler.schema(RulesSpec.model_fields[name].annotation, RulesSpec.model_fields[name].metadata)
            for name in SECTIONS}


# ---------------------------------------------------------------- guards and effects


GUARD, EFFECT = N_("syarat"), N_("efek")


def _check_registry_entry(kind, registry: Mapping[str, Any], split, value, place, owner, sink) -> None:
    name, args = split(value)
    if name is None:
        shape = N_("nama atau pemetaan satu kunci {name: arguments}") if kind is GUARD else N_(
            "pemetaan satu kunci {name: arguments}")
        sink.add(place, N_("setiap %(kind)s dari %(owner)s harus %(shape)s (tertulis %(got)s)", kind=kind, owner=owner,
                           shape=shape, got=described(value)))
        return
    if name not in registry:
        sink.add(place, N_("%(kind)s '%(name)s' tidak dikenal di %(owner)s%(suggestion)s", kind=kind, name=name,
                           owner=owner, suggestion=did_you_mean(name, registry)))
        return
    subject = of(named(kind, name), owner)
    if registry[name] is None:
        if args not in ({}, None):
            sink.add(place, N_("%(subject)s tidak menerima argumen", subject=subject))
        return
    if isinstance(value, str):
        sink.add(place, N_("%(subject)s memerlukan argumen", subject=subject))
        return
    schema_for(registry[name]).check(args, key_place(value, name, place), N_("argumen dari %(subject)s", subject=subject),
                                     subject, sink)


def _check_guard(value, place, what, owner, sink):
    from app.rules.format import GUARD_ARGS
    from app.rules.vocabulary import guard_name_and_args

    _check_registry_entry(GUARD, GUARD_ARGS, guard_name_and_args, value, place, owner, sink)


def _check_effect(value, place, what, owner, sink):
    from app.rules.format import EFFECT_ARGS
    from app.rules.vocabulary import effect_name_and_args

    _check_registry_entry(EFFECT, EFFECT_ARGS, effect_name_and_args, value, place, owner, sink)
