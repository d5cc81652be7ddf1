"""The rules format as typed models: the one definition of ``workflow_rules.yaml`` (docs/rules-format.md).

``RulesSpec`` is the merged rules (every section, defaults filled in); ``RulesFileSpec`` is one file as
written (``version``, ``include``, every section optional) and is what the JSON Schema describes.
The models accept both the written form (shorthands such as ``from: terkirim`` or a bare guard name)
and the stored form (``RulesSpec.model_dump(...)`` of a rules version, perhaps from before an optional
key was added: the defaults fill it); after validation the values are the normalised ones, so

    RulesSpec.model_validate(data).model_dump(**DUMP_OPTIONS) == data

for any stored rules ``data``. The loader checks a file against these models first with the
structural walker (``app.rules.walker``), which turns the models' annotations and ``Meta`` into the
loader's ``file:line: message`` problems; ``Meta.check`` and ``Spec.record_check`` hold the checks of
one value or one item that types cannot say. References between sections are ``app.rules.crosschecks``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, Callable, ClassVar, Literal, Union, get_origin

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field as _Field,
    StringConstraints,
    Tag,
    create_model,
    model_validator,
)

from app.rules import vocabulary as v
from app.rules.messages import N_

DUMP_OPTIONS = {"by_alias": True, "mode": "json", "exclude_unset": True}


# ---------------------------------------------------------------- metadata for the walker


@dataclass(frozen=True)
class Meta:
    """What the loader's messages need beyond the type (read by ``app.rules.walker``).

    ``expects``: the phrase "must be …" uses (else derived from the type); ``noun``/``name_key``:
    how the items of a list or mapping are named in messages (``field 'nik' of service 'x'``) and
    kept unique; ``min_items``; ``unique_values``: no item twice; ``one_or_list``: a single item is
    accepted for the list (``from: terkirim``), ``nullable``: null is allowed; ``check``: a custom
    check ``check(value, place, what, owner, sink)`` replacing the structural one."""

    expects: Any = None
    noun: Any = None
    name_key: str | None = None
    min_items: int = 0
    unique_names: bool = True
    unique_values: bool = False
    one_or_list: bool = False
    nullable: bool = False
    check: Callable | None = None


def _drop_null(schema: dict) -> None:
    """JSON Schema of an optional, non-nullable key: absent is fine, null is not."""
    alternatives = schema.get("anyOf")
    if isinstance(alternatives, list) and {"type": "null"} in alternatives:
        rest = [item for item in alternatives if item != {"type": "null"}]
        del schema["anyOf"]
        if len(rest) == 1:
            schema.update(rest[0])
        else:
            schema["anyOf"] = rest
    if schema.get("default", 0) is None:
        del schema["default"]


def _req(description: str, **kwargs: Any) -> Any:
    """A required key."""
    return _Field(description=description, **kwargs)


def _opt(description: str, default: Any = None, *, nullable: bool = False, **kwargs: Any) -> Any:
    """An optional key; ``default`` None means absent stays absent (never null in the stored form)
    unless the loader fills it in. ``nullable``: null may be written."""
    info = _Field(default=default, description=description, json_schema_extra=None if nullable else _drop_null, **kwargs)
    if nullable:
        info.metadata.append(Meta(nullable=True))
    return info


def _with_defaults(mapping: dict, **defaults: Any) -> dict:
    result = dict(mapping)
    for key, value in defaults.items():
        if key not in result:
            result[key] = value
    return result


def _fill(data: Any, **defaults: Any) -> Any:
    """``data`` (a mapping) with ``defaults`` for its absent keys; anything else unchanged."""
    return _with_defaults(data, **defaults) if isinstance(data, dict) else data


# ---------------------------------------------------------------- the base


class Spec(BaseModel):
    """Base of every item of the rules: unknown keys are refused, values are immutable, keys that are
    Python words are aliases (``from_`` is written ``from``).

    Transitional read-only mapping access, for code written against the plain dicts and converted
    gradually: ``spec["label"]`` (by the written key; KeyError when the model has no such key),
    ``spec.get("sla")`` and ``"sla" in spec`` (set, or not None). New code uses attributes."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    exactly_one_of: ClassVar[tuple[str, ...]] = ()
    record_check: ClassVar[Callable | None] = None  # check(value, place, what, sink) of a whole item
    # replaces the structural check: check(value, place, what, owner, sink, context) (app.rules.walker)
    value_check: ClassVar[Callable | None] = None

    @classmethod
    def _attribute(cls, key: Any) -> str | None:
        if not isinstance(key, str):
            return None
        aliases = cls.__dict__.get("_alias_map")
        if aliases is None:
            aliases = {(info.alias or name): name for name, info in cls.model_fields.items()}
            type.__setattr__(cls, "_alias_map", aliases)
        return aliases.get(key)

    def __getitem__(self, key: str) -> Any:
        name = self._attribute(key)
        if name is None:
            extra = self.__pydantic_extra__
            if extra and key in extra:
                return extra[key]
            raise KeyError(key)
        return getattr(self, name)

    def get(self, key: str, default: Any = None) -> Any:
        name = self._attribute(key)
        if name is None:
            extra = self.__pydantic_extra__
            return extra.get(key, default) if extra else default
        if name not in self.model_fields_set and getattr(self, name) is None:
            return default
        return getattr(self, name)

    def __contains__(self, key: object) -> bool:
        name = self._attribute(key)
        if name is None:
            extra = self.__pydantic_extra__
            return bool(extra) and key in extra
        return name in self.model_fields_set or getattr(self, name) is not None


# ---------------------------------------------------------------- values

KEY_EXPECTS = N_("pengenal (huruf kecil, angka dan _, diawali huruf)")
Key = Annotated[str, StringConstraints(pattern=f"^{v.KEY_PATTERN}$"), Meta(expects=KEY_EXPECTS)]
Text = Annotated[str, StringConstraints(min_length=1)]
Code = Annotated[str, StringConstraints(pattern=f"^{v.CODE_PATTERN}$"),
                 Meta(expects=N_("kode (huruf, angka, '.', '_' atau '-')"))]
Email = Annotated[str, StringConstraints(pattern=f"^{v.EMAIL_PATTERN}$"), Meta(expects=N_("sebuah alamat email"))]
PositiveInt = Annotated[int, _Field(ge=1, strict=True)]
PositiveNumber = Annotated[Union[int, float], _Field(gt=0)]
Scalar = Annotated[Union[str, bool, int, float, None], Meta(expects=N_("teks, angka, true/false atau null"))]


def _as_list(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


class _OneOrList:
    """JSON Schema: a single name may be written for the list (``from: terkirim``)."""

    def __get_pydantic_json_schema__(self, core_schema, handler):
        schema = handler(core_schema)
        items = schema.get("items") if schema.get("type") == "array" else None
        return {"anyOf": [items, schema]} if items else schema


StateNames = Annotated[
    list[Key], BeforeValidator(_as_list), _OneOrList(),
    Meta(one_or_list=True, min_items=1, unique_values=True, expects=N_("status atau daftar status")),
]
RoleNames = Annotated[
    list[Key], BeforeValidator(_as_list), _OneOrList(),
    Meta(one_or_list=True, min_items=1, unique_values=True, expects=N_("peran atau daftar peran")),
]


def _check_iso_date(value, place, what, owner, sink):
    from app.rules.wording import described, must_be

    try:
        if not isinstance(value, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
            raise ValueError
        date.fromisoformat(value)
    except ValueError:
        sink.add(place, must_be(what, N_("tanggal yang ditulis YYYY-MM-DD"), described(value)))


def _check_timezone(value, place, what, owner, sink):
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from app.rules.wording import described, must_be

    try:
        if not isinstance(value, str) or not value:
            raise ValueError
        ZoneInfo(value)
    except (ValueError, ZoneInfoNotFoundError):
        sink.add(place, must_be(what, N_("zona waktu seperti Asia/Jakarta, Asia/Makassar atau Asia/Jayapura"),
                                described(value)))


def _is_iso_datetime(value) -> bool:
    try:
        return isinstance(value, str) and bool(datetime.fromisoformat(value)) and "-" in value
    except ValueError:
        return False


IsoDate = Annotated[str, StringConstraints(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"),
                    Meta(expects=N_("tanggal YYYY-MM-DD"), check=_check_iso_date)]
TimeZone = Annotated[str, Meta(expects=N_("zona waktu"), check=_check_timezone)]


class LocalizedText(Spec):
    """A text in Indonesian and, optionally, English."""

    id: Text = _req("The Indonesian text. — Teks dalam bahasa Indonesia.")
    en: Text | None = _opt("The English text (Indonesian is shown where it is missing). — Teks dalam bahasa Inggris "
                           "(bila tidak ada, teks Indonesia yang ditampilkan).")


Label = Annotated[Union[Text, LocalizedText], Meta(expects=N_("teks atau pemetaan {id: ..., en: ...}"))]


# ---------------------------------------------------------------- notifications (who is told what)


class NotifyEntry(Spec):
    """One notification sent: to whom, on which channels, from which template."""

    to: Annotated[str, StringConstraints(pattern=f"^(?:{v.NOTIFY_RECIPIENT_PATTERN})$"),
                  Meta(expects=N_("customer, assignee, actor atau role:<kunci peran>"))] = _req(
        "Recipient: customer, assignee, actor or role:<role key>.")
    channels: Annotated[list[Key], Meta(min_items=1, unique_values=True)] = _req(
        "Channels to send on (email, inbox, whatsapp…); the template must have each.")
    template: Key = _req("Key of the notification template (section notifications).")


NotifyList = Annotated[list[NotifyEntry], Meta(noun=N_("notifikasi"), min_items=1)]


# ---------------------------------------------------------------- form fields


class Condition(Spec):
    """When a field is shown or a document is required: exactly one of equals, in, filled."""

    exactly_one_of: ClassVar[tuple[str, ...]] = ("equals", "in", "filled")

    field: Key = _req("Key of the field the condition looks at.")
    equals: Scalar = _opt("Holds when the field equals this value.", nullable=True)
    in_: Annotated[list[Scalar], Meta(min_items=1)] | None = _opt(
        "Holds when the field is one of these values.", alias="in")
    filled: bool | None = _opt("true: holds when the field is filled; false: when it is empty.")


def _check_field_pattern(value, place, what, owner, sink):
    """fields (issue 13): a text field's ``pattern`` compiles and is safe to match."""
    from app.rules.patterns import pattern_problem

    if isinstance(value, str):
        problem = pattern_problem(value)
        if problem is not None:
            sink.add(place, N_("%(what)s: %(problem)s", what=what, problem=problem))


def _check_option_value(value, place, what, owner, sink):
    from app.rules.wording import described, must_be

    if value is None or isinstance(value, (dict, list)):
        sink.add(place, must_be(what, N_("teks, angka atau true/false"), described(value)))


class Option(Spec):
    """One choice of a select field."""

    value: Annotated[Union[str, bool, int, float], Meta(check=_check_option_value)] = _req(
        "The value stored when this option is chosen.")
    label: Label = _req("Label shown to customers and staff. — Label yang ditampilkan kepada pelanggan dan petugas.")


def _field_check(in_form: bool):
    def check(spec: dict, place, what, sink) -> None:
        from app.rules.yaml_source import key_place

        kind = spec.get("type")
        if not isinstance(kind, str) or kind not in v.FIELD_TYPES:
            return
        if kind in v.FORM_ONLY_TYPES and not in_form:
            sink.add(key_place(spec, "type", place),
                     N_("%(what)s: tipe '%(kind)s' hanya boleh di formulir transisi", what=what, kind=kind))
        for name, kinds in v.FIELD_KEYS_ONLY_ON.items():
            if name in spec and kind not in kinds:
                sink.add(key_place(spec, name, place),
                         N_("'%(name)s' tidak boleh pada isian %(kind)s (%(what)s)", name=name, kind=kind, what=what))
        if "document" in spec and kind == "file" and not in_form:
            sink.add(
                key_place(spec, "document", place),
                N_("'document' hanya boleh pada isian berkas di formulir transisi (%(what)s)", what=what),
            )
        if kind == "select" and "options" not in spec:
            sink.add(place, N_("%(what)s adalah isian pilihan dan memerlukan 'options'", what=what))
        if kind == "assignee" and "role" not in spec:
            sink.add(place, N_("%(what)s adalah isian penugasan dan memerlukan 'role' (peran para penggunanya)",
                               what=what))
        bounds = {name: spec[name] for name in ("min", "max") if name in spec}
        for name, bound in bounds.items():
            where = key_place(spec, name, place)
            if kind == "money" and (isinstance(bound, bool) or not isinstance(bound, int) or bound < 0):
                sink.add(where, N_("'%(name)s' dari %(what)s harus bilangan bulat rupiah, nol atau lebih",
                                   name=name, what=what))
            elif kind == "integer" and (isinstance(bound, bool) or not isinstance(bound, int)):
                sink.add(where, N_("'%(name)s' dari %(what)s harus bilangan bulat", name=name, what=what))
            elif kind == "number" and (isinstance(bound, bool) or not isinstance(bound, (int, float))):
                sink.add(where, N_("'%(name)s' dari %(what)s harus bilangan", name=name, what=what))
            elif kind == "date":
                _check_iso_date(bound, where, N_("'%(name)s' dari %(what)s", name=name, what=what), what, sink)
            elif kind == "datetime" and not _is_iso_datetime(bound):
                sink.add(where, N_("'%(name)s' dari %(what)s harus tanggal dan jam seperti 2026-01-31T08:00",
                                   name=name, what=what))
        low, high = bounds.get("min"), bounds.get("max")
        if low is not None and high is not None and type(low) is type(high):
            try:
                if low > high:
                    sink.add(key_place(spec, "max", place), N_("'max' dari %(what)s lebih kecil dari 'min'-nya", what=what))
            except TypeError:
                pass
        # fields (issue 13): repeatable groups
        if kind == "group":
            if in_form:
                sink.add(key_place(spec, "type", place),
                         N_("%(what)s: isian grup berulang hanya boleh pada isian layanan", what=what))
            if "fields" not in spec:
                sink.add(place, N_("%(what)s adalah isian grup berulang dan memerlukan 'fields'", what=what))
            low, high = spec.get("min_items"), spec.get("max_items")
            if isinstance(low, int) and isinstance(high, int) and low > high:
                sink.add(key_place(spec, "max_items", place),
                         N_("'max_items' dari %(what)s lebih kecil dari 'min_items'-nya", what=what))

    return check


FileKinds = Annotated[list[Literal[v.FILE_KINDS]], Meta(min_items=1, unique_values=True)]


class FieldKeys(Spec):
    """The keys every field has (a field of a form, or a sub-field of a repeatable group)."""

    in_form: ClassVar[bool] = False
    record_check: ClassVar[Callable | None] = staticmethod(_field_check(False))

    key: Key = _req("Identifier of the field, unique in its form; the value is stored under it.")
    label: Label = _req("Label shown to customers and staff. — Label yang ditampilkan kepada pelanggan dan petugas.")
    type: Literal[v.FIELD_TYPES] = _req(
        "What is entered: text, textarea, number, integer (whole numbers), money, date, datetime, select, checkbox, email, phone, nik, npwp, "
        "coordinates, file, ntpn, billing_code, group (repeatable rows of sub-fields, service fields only); in transition forms also "
        "assignee, slots, slot, bank_account, passphrase.")
    required: bool = _opt("Whether the field must be filled (default false).", default=False)
    options: Annotated[list[Option], Meta(noun=N_("pilihan"), name_key="value", min_items=1)] | None = _opt(
        "The choices of a select field (required there, values unique).")
    show_if: Condition | None = _opt("Show the field only when this condition on an earlier field holds.")
    help: Label | None = _opt("Help text shown under the field. — Teks bantuan yang ditampilkan di bawah isian.")
    min: Any = _opt(
        "Lowest value: a number (number; integer and money in whole numbers) or an ISO date/date-time (date, datetime).")
    max: Any = _opt(
        "Highest value: a number (number; integer and money in whole numbers) or an ISO date/date-time (date, datetime).")
    max_length: PositiveInt | None = _opt("Longest text allowed (text, textarea).")
    types: FileKinds | None = _opt("File kinds accepted (file; default pdf, jpg, png), checked by content.")
    max_mb: PositiveNumber | None = _opt("Largest file in megabytes (file; default 20).")
    role: Key | None = _opt("Role whose users may be picked (assignee fields, required there).")
    document: Literal[v.FILE_DOCUMENT_KINDS] | None = _opt(
        "How an uploaded file is stored (file fields of transition forms; default other).")
    subject: bool | None = _opt("true: this text field says what the application is about (Perihal in recaps).")
    not_future: bool | None = _opt("true: a date not after today in the agency's zone (date, datetime).")
    after: Key | None = _opt("A date on or after the date of that earlier field (date, datetime).")
    # fields (issue 13): comparisons with another field of the form (or, in a transition form, of the service)
    before: Key | None = _opt("A date on or before the date of that other field (date, datetime).")
    min_field: Key | None = _opt(
        "A number not below the value of that other number, integer or money field (number, integer, money).")
    max_field: Key | None = _opt(
        "A number not above the value of that other number, integer or money field (number, integer, money).")
    pattern: Annotated[str, Meta(check=_check_field_pattern)] | None = _opt(
        "A regular expression the whole value must match (text, textarea); at most 200 characters, no "
        "back-references or look-arounds, no variable repetition inside an unbounded one such as (a+)+.")
    pattern_message: Label | None = _opt(
        "Message shown on the field when the value does not match the pattern (default: a generic one). — "
        "Pesan pada isian bila nilainya tidak sesuai pola.")

    @model_validator(mode="before")
    @classmethod
    def _defaults(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = _fill(data, required=False)
        if data.get("type") == "file":
            data = _fill(data, types=list(v.DEFAULT_FILE_TYPES), max_mb=v.DEFAULT_MAX_MB)
            if cls.in_form:
                data = _fill(data, document="other")
        return data


# ---------------------------------------------------------------- fields (issue 13): repeatable groups


def _group_item_check(spec: dict, place, what, sink) -> None:
    from app.rules.yaml_source import key_place

    _field_check(False)(spec, place, what, sink)
    kind = spec.get("type")
    if kind in ("group", "file") or kind in v.FORM_ONLY_TYPES:
        sink.add(key_place(spec, "type", place),
                 N_("%(what)s: isian dalam grup berulang tidak boleh bertipe '%(kind)s'", what=what, kind=kind))


class GroupItemField(FieldKeys):
    """A sub-field of a repeatable group: the simple types only (no group, no file)."""

    record_check: ClassVar[Callable | None] = staticmethod(_group_item_check)


GroupItemFields = Annotated[list[GroupItemField], Meta(noun=N_("isian"), name_key="key", min_items=1)]


class Field(FieldKeys):
    """A field of a service's application form (``fields``); see FormField for transition forms."""

    fields: GroupItemFields | None = _opt(
        "The sub-fields of each row of a group field (group; required there): the simple types only, no "
        "group and no file.")
    min_items: Annotated[int, _Field(ge=0, strict=True)] | None = _opt("Fewest rows of a group field (group; default 0).")
    max_items: PositiveInt | None = _opt("Most rows of a group field (group; default 20).")
    item_label: Label | None = _opt(
        "The label of a row, numbered (group; default the field's label): {id: Lokasi} shows Lokasi 1, "
        "Lokasi 2… — Label baris, diberi nomor.")

    @model_validator(mode="before")
    @classmethod
    def _group_defaults(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("type") == "group":
            data = _fill(data, min_items=0, max_items=v.DEFAULT_GROUP_MAX_ITEMS)
        return data


class FormField(Field):
    """A field of a transition's form (or a work-row column): also assignee, slots, slot, bank_account,
    passphrase, and file fields say how their file is stored (``document``)."""

    in_form: ClassVar[bool] = True
    record_check: ClassVar[Callable | None] = staticmethod(_field_check(True))


class Column(FormField):
    """A column of work rows (a form field); stored as written: no defaults are filled in (reading
    code gets the documented defaults from the attributes: ``required`` false)."""

    @model_validator(mode="before")
    @classmethod
    def _defaults(cls, data: Any) -> Any:
        return data


ServiceFields = Annotated[list[Field], Meta(noun=N_("isian"), name_key="key")]
FormFields = Annotated[list[FormField], Meta(noun=N_("isian"), name_key="key")]
Columns = Annotated[list[Column], Meta(noun=N_("isian"), name_key="key")]


# ---------------------------------------------------------------- guards and effects (registries)


class NoArgs(Spec):
    """No arguments (``{}``)."""


class WorkItemsDoneArgs(Spec):
    step: Literal[v.WORK_ITEM_STEPS] = _req("The step every work row must have reached: assign, enter, verify, validate.")


class FieldEqualsArgs(Spec):
    field: Key = _req("Key of a service field.")
    value: Scalar = _req("The value it must equal (an option's value for a select field).")


class FieldInArgs(Spec):
    field: Key = _req("Key of a service field.")
    values: Annotated[list[Scalar], Meta(min_items=1)] = _req("The values it must be one of.")


class FieldArgs(Spec):
    field: Key = _req("Key of a field.")


GUARD_ARGS: dict[str, type[Spec] | None] = {
    "documents_complete": None,
    "payment_validated": None,
    "payment_proof_uploaded": None,
    "survey_done": None,
    "slot_chosen": None,
    "has_assignee": None,
    "cart_not_empty": None,
    "results_uploaded": None,
    "work_items_done": WorkItemsDoneArgs,
    "field_equals": FieldEqualsArgs,
    "field_in": FieldInArgs,
    "field_filled": FieldArgs,
}
GUARD_DESCRIPTIONS = {
    "documents_complete": "Every required document that applies (its `when` holds) is uploaded.",
    "payment_validated": "The latest payment is valid.",
    "payment_proof_uploaded": "The latest payment has a proof.",
    "survey_done": "The application's survey is answered.",
    "slot_chosen": "The customer picked an offered slot.",
    "has_assignee": "The application has an assigned user.",
    "cart_not_empty": "At least one cart line.",
    "results_uploaded": "At least one result document is attached.",
    "work_items_done": "The application has work rows and every one has reached the step.",
    "field_equals": "The application field equals the value.",
    "field_in": "The application field is one of the values.",
    "field_filled": "The application field is not empty.",
}


class _Call(Spec):
    """A registry entry written ``{name: arguments}``: a model with one key per name, exactly one set."""

    def name_and_args(self) -> tuple[str, Any]:
        name = next(iter(self.model_fields_set))
        args = getattr(self, name)
        if isinstance(args, Spec):
            return name, args.model_dump(**DUMP_OPTIONS)
        if isinstance(args, list):
            return name, [item.model_dump(**DUMP_OPTIONS) if isinstance(item, Spec) else item for item in args]
        return name, args

    @property
    def name(self) -> str:
        return next(iter(self.model_fields_set))

    @property
    def args(self) -> Any:
        return getattr(self, self.name)


class GuardCall(_Call):
    """A guard: a bare name or ``{name: arguments}``; stored as ``{name: arguments}``."""


class EffectCall(_Call):
    """An effect: ``{name: arguments}``."""


def _call_models(base: type[_Call], registry: dict[str, Any], descriptions: dict[str, str]) -> dict[str, type]:
    models = {}
    for name, args in registry.items():
        title = "".join(part.capitalize() for part in name.split("_"))
        models[name] = create_model(
            f"{title}{base.__name__.removesuffix('Call')}", __base__=base,
            __doc__=descriptions[name],
            **{name: (args if args is not None else NoArgs, _req(descriptions[name]))},
        )
    return models


def _call_tag(value: Any) -> str | None:
    if isinstance(value, dict) and len(value) == 1:
        return next(iter(value))
    if isinstance(value, _Call):
        return value.name
    return None


def _guard_shorthand(value: Any) -> Any:
    """``documents_complete`` → ``{documents_complete: {}}``; ``{name: null}`` → ``{name: {}}``."""
    if isinstance(value, str):
        return {value: {}}
    if isinstance(value, dict) and len(value) == 1:
        name, args = next(iter(value.items()))
        if args is None:
            return {name: {}}
    return value


class _BareNames:
    """JSON Schema: a guard without arguments may be written as its bare name."""

    def __get_pydantic_json_schema__(self, core_schema, handler):
        schema = handler(core_schema)
        names = [name for name, args in GUARD_ARGS.items() if args is None]
        return {"anyOf": [{"type": "string", "enum": names}, schema]}


GUARD_MODELS = _call_models(GuardCall, GUARD_ARGS, GUARD_DESCRIPTIONS)
Guard = Annotated[
    Union[tuple(Annotated[model, Tag(name)] for name, model in GUARD_MODELS.items())],
    Discriminator(_call_tag), BeforeValidator(_guard_shorthand), _BareNames(),
]


class SetDeadlineArgs(Spec):
    exactly_one_of: ClassVar[tuple[str, ...]] = ("working_days", "days", "hours")

    key: Key = _req("Name of the deadline (e.g. revisi), shown to the customer.")
    working_days: PositiveInt | None = _opt("Working days from now (ends 23:59:59 of a working day in the agency's zone).")
    days: PositiveInt | None = _opt("Calendar days from now.")
    hours: PositiveInt | None = _opt("Hours from now.")


class KeyArgs(Spec):
    key: Key = _req("Name of the deadline.")


def _check_true(value, place, what, owner, sink) -> None:
    if value is not True:
        sink.add(place, N_("%(what)s harus true", what=what))


TrueOnly = Annotated[Literal[True], Meta(expects=N_("true"), check=_check_true)]


class AssignArgs(Spec):
    exactly_one_of: ClassVar[tuple[str, ...]] = ("field", "actor", "clear")

    field: Key | None = _opt("An assignee field of the form: its user becomes the assignee.")
    actor: TrueOnly | None = _opt("true: the user performing the transition becomes the assignee.")
    clear: TrueOnly | None = _opt("true: the application has no assignee any more.")


class AssignNumberArgs(Spec):
    numbering: Key = _req("Key of the numbering the number is drawn from.")
    to: Annotated[str, StringConstraints(pattern=f"^(?:{v.ASSIGN_NUMBER_TO_PATTERN})$"),
                  Meta(expects=N_("number, receipt atau sebuah kunci [a-z_]+"))] = _req(
        "Where the number is kept: number, receipt or any [a-z_]+ key of the application's numbers.")


class SetFieldArgs(Spec):
    field: Key = _req("Key of a service field.")
    value: Scalar = _req("The value stored.")


class InvoiceDue(Spec):
    """An invoice's due date: a period from its issue, or the date/time a form field holds."""

    exactly_one_of: ClassVar[tuple[str, ...]] = ("working_days", "days", "hours", "field")

    working_days: PositiveInt | None = _opt("Working days from the invoice.")
    days: PositiveInt | None = _opt("Calendar days from the invoice.")
    hours: PositiveInt | None = _opt("Hours from the invoice.")
    field: Key | None = _opt("A date/datetime field of the form (a date means its end).")


class InvoiceOverdue(Spec):
    """What happens to an invoice still unpaid past its due date (run by the SLA tick, once)."""

    notify: NotifyList | None = _opt("Notifications sent first.")
    fire: Key | None = _opt("Then this action, available to system in the transition's to-state.")


# ---- fees (issue 13, item 5): a tariff computed from data
def _check_tariff(value, place, what, owner, sink):
    from app.rules.tariff import TariffError, parse_tariff
    try:
        parse_tariff(value)
    except TariffError as error:
        sink.add(place, N_("%(what)s: %(problem)s", what=what, problem=error.message))


TariffExpression = Annotated[str, Meta(expects=N_("rumus tarif"), check=_check_tariff)]
# ---- end fees


class CreateInvoiceArgs(Spec):
    exactly_one_of: ClassVar[tuple[str, ...]] = ("amount", "amount_field", "amount_expr")

    amount: Literal[v.INVOICE_AMOUNTS] | None = _opt("cart_total: the total of the cart.")
    amount_field: Key | None = _opt("A money/number field of the form or the service holding the amount.")
    amount_expr: TariffExpression | None = _opt(
        "A tariff computed from data (Tarif yang dihitung dari data): arithmetic on fields.<key>, cart_total, "
        "cart_quantity and booked_days, rounded to whole rupiah.")
    kind: Literal[v.PAYMENT_KINDS] | None = _opt(
        "fee (the default) or deposit (uang jaminan, returned later by record_refund): a line of its own with its own "
        "proof and validation.")
    due: InvoiceDue | None = _opt("When the invoice falls due.")
    on_overdue: InvoiceOverdue | None = _opt("What happens when it is unpaid past its due date (needs due).")


class SetBillingCodeArgs(Spec):
    exactly_one_of: ClassVar[tuple[str, ...]] = ("numbering", "field")

    numbering: Key | None = _opt("A numbering the billing code is drawn from (15 digits).")
    field: Key | None = _opt("A billing_code field of the form typed by staff.")


class RecordPaymentProofArgs(Spec):
    file_field: Key = _req("The file field holding the proof.")
    kind: Literal[v.PAYMENT_KINDS] | None = _opt("Only the open payment of this kind (fee or deposit); else the latest open one.")
    account_field: Key | None = _opt("A bank_account field: the account paid into.")
    reference_field: Key | None = _opt("A text/number field: the bank reference.")
    date_field: Key | None = _opt("A date/datetime field: when it was paid.")


class SetPaymentStatusArgs(Spec):
    status: Literal[v.PAYMENT_DECISIONS] = _req("The decision: valid, suspended, invalid.")
    kind: Literal[v.PAYMENT_KINDS] | None = _opt("Only the submitted payment of this kind (fee or deposit); else the latest.")
    date_field: Key | None = _opt("A date field: the payment date.")
    amount_field: Key | None = _opt("A money/number field: the amount received.")
    reference_field: Key | None = _opt("A text field: the bank reference.")
    ntpn_field: Key | None = _opt("An ntpn field: the NTPN.")


# ---- fees (issue 13, item 7): a deposit's transfer back
class RecordRefundArgs(Spec):
    date_field: Key = _req("A date field: when the deposit was transferred back (not after today).")
    amount_field: Key = _req("A money/number field: the amount returned (at most the validated deposit not yet returned).")
    account_field: Key = _req("A text field: the account it was transferred to (bank, number, holder).")
    reference_field: Key | None = _opt("A text field: the bank reference of the transfer.")
# ---- end fees


class GenerateArgs(Spec):
    documents: Annotated[list[Key], Meta(min_items=1, unique_values=True)] = _req(
        "Keys of the generated documents to render (section documents).")


class SignArgs(Spec):
    document: Key = _req("Key of a generated document with signed: true.")
    passphrase_field: Key = _req("The passphrase field of the form.")


EFFECT_ARGS: dict[str, Any] = {
    "assign_number": AssignNumberArgs,
    "set_deadline": SetDeadlineArgs,
    "clear_deadline": KeyArgs,
    "assign": AssignArgs,
    "set_field": SetFieldArgs,
    "create_invoice": CreateInvoiceArgs,
    "set_billing_code": SetBillingCodeArgs,
    "record_payment_proof": RecordPaymentProofArgs,
    "set_payment_status": SetPaymentStatusArgs,
    "record_refund": RecordRefundArgs,
    "offer_slots": FieldArgs,
    "choose_slot": FieldArgs,
    "generate": GenerateArgs,
    "sign": SignArgs,
    "notify": NotifyList,
}
EFFECT_MODELS = _call_models(EffectCall, EFFECT_ARGS, {name: f"{summary[0].upper()}{summary[1:]}."
                                                       for name, summary in v.EFFECT_SUMMARIES.items()})
Effect = Annotated[
    Union[tuple(Annotated[model, Tag(name)] for name, model in EFFECT_MODELS.items())], Discriminator(_call_tag),
]
GuardList = list[Guard]
EffectList = list[Effect]


# ---------------------------------------------------------------- workflows


class Sla(Spec):
    """A time limit: exactly one of working_days, days, hours, minutes."""

    exactly_one_of: ClassVar[tuple[str, ...]] = v.SLA_UNITS

    working_days: PositiveInt | None = _opt("Working days (ending 23:59:59 of a working day in the agency's zone).")
    days: PositiveInt | None = _opt("Calendar days.")
    hours: PositiveInt | None = _opt("Hours.")
    minutes: PositiveInt | None = _opt("Minutes.")


class OnOverdue(Spec):
    """What happens when a state's SLA is exceeded."""

    notify: NotifyList = _opt("Notifications sent (default none).", default=None)
    fire: Key | None = _opt("An action available to system from the state, or null.", nullable=True)

    @model_validator(mode="before")
    @classmethod
    def _defaults(cls, data: Any) -> Any:
        return _fill(data, notify=[])


def _state_check(state: dict, place, what, sink) -> None:
    from app.rules.yaml_source import key_place

    final = state.get("kind") in v.FINAL_STATE_KINDS
    for name in ("sla", "on_overdue", "clock"):
        if final and name in state:
            sink.add(key_place(state, name, place),
                     N_("%(what)s adalah status akhir dan tidak boleh memiliki '%(name)s'", what=what, name=name))
    if "on_overdue" in state and "sla" not in state and not final:
        sink.add(key_place(state, "on_overdue", place),
                 N_("%(what)s memiliki 'on_overdue' tetapi tidak memiliki 'sla'", what=what))


class State(Spec):
    """A state of a workflow."""

    record_check: ClassVar[Callable | None] = staticmethod(_state_check)

    label: Label = _req("What the customer sees. — Yang dilihat pelanggan.")
    staff_label: Label = _opt("What staff see (default: label). — Yang dilihat petugas (bawaan: label).")
    kind: Literal[v.STATE_KINDS] = _req(
        "working, waiting_customer (the customer's turn), final_success, final_rejected or final_cancelled.")
    sla: Sla | None = _opt("Time limit of the state (not on final states).")
    clock: Literal[v.CLOCK_MODES] = _opt(
        "Whether the service's clock runs here: runs or stops (default stops for waiting_customer and final states).")
    on_overdue: OnOverdue | None = _opt("What happens when the SLA is exceeded (needs sla).")

    @model_validator(mode="before")
    @classmethod
    def _defaults(cls, data: Any) -> Any:
        if not isinstance(data, dict) or "label" not in data:
            return data
        kind = data.get("kind")
        return _fill(data, staff_label=data["label"],
                     clock="stops" if kind in v.FINAL_STATE_KINDS or kind == "waiting_customer" else "runs")


# ---------------------------------------------------------------- automatic steps (issue 13, item 4)


def _check_auto(value, place, what, owner, sink):
    from app.rules.wording import described, did_you_mean, must_be
    from app.rules.yaml_source import key_place

    expects = N_("true/false atau {after_working_days: N}")
    if isinstance(value, bool):
        return
    if not isinstance(value, dict):
        sink.add(place, must_be(what, expects, described(value)))
        return
    for key in value:
        if key != "after_working_days":
            sink.add(key_place(value, key, place), N_("kunci '%(key)s' tidak dikenal di %(what)s%(suggestion)s", key=key,
                                                      what=what, suggestion=did_you_mean(key, ["after_working_days"])))
    if "after_working_days" not in value:
        sink.add(place, N_("%(what)s harus memiliki 'after_working_days'", what=what))
        return
    days = value["after_working_days"]
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        sink.add(key_place(value, "after_working_days", place),
                 must_be(N_("'after_working_days' dari %(what)s", what=what), N_("bilangan bulat 1 atau lebih"), described(days)))


class AutoAfter(Spec):
    """An automatic step performed after a delay in its from-state."""

    after_working_days: PositiveInt = _req(
        "Working days in the from-state (the agency's calendar) after which the system performs the step.")


class Transition(Spec):
    """An action taking an application from one of some states to another."""

    action: Key = _req("Name of the action, unique per from-state.")
    label: Label = _req("Button label. — Label tombol.")
    timeline: Label = _opt("Customer-facing timeline text (default: label). — Teks riwayat yang dilihat pelanggan "
                           "(bawaan: label).")
    from_: StateNames = _req("The state or states it starts from.", alias="from")
    to: Key = _req("The state it leads to.")
    by: RoleNames = _req("Who performs it: role keys, customer, assignee, system.")
    form: FormFields = _opt("The form the actor fills (default none).")
    revise: Annotated[list[Literal[v.REVISE_PARTS]], Meta(min_items=1, unique_values=True)] | None = _opt(
        "On a customer's revision: what the portal's revision form lets them correct (default fields, documents).")
    guards: GuardList = _opt("Conditions that must all hold (default none).")
    effects: EffectList = _opt("What it does, in order, in the same transaction (default nothing).")
    # issue 13, item 4: automatic steps
    auto: Annotated[Union[bool, AutoAfter], Meta(check=_check_auto)] | None = _opt(
        "true: the system performs it as soon as its guards hold, on entering its from-state; "
        "{after_working_days: N}: after N working days in the from-state (the SLA tick). `by` must "
        "include system. — Langkah otomatis oleh sistem (timeline: \"Sistem\").")

    @model_validator(mode="before")
    @classmethod
    def _defaults(cls, data: Any) -> Any:
        if not isinstance(data, dict) or "label" not in data:
            return data
        return _fill(data, timeline=data["label"], form=[], guards=[], effects=[])

    def auto_delay(self) -> int | None:
        """The working days before the system performs it (0: at once); None when it is not automatic."""
        if self.auto is True:
            return 0
        if isinstance(self.auto, AutoAfter):
            return self.auto.after_working_days
        return None


class OnSubmit(Spec):
    """What is sent when the customer submits an application."""

    notify: NotifyList = _req("Notifications sent on submission.")


class Workflow(Spec):
    """A state machine shared by any number of services."""

    initial: Key = _req("The state an application is created in.")
    on_submit: OnSubmit = _opt("Sent when the customer submits the application (created in initial).")
    states: Annotated[dict[Key, State], Meta(noun=N_("status"), min_items=1)] = _req("The states, by key.")
    # Actions repeat across states, so transition names need not be unique (crosschecks look closer).
    transitions: Annotated[list[Transition], Meta(noun=N_("transisi"), name_key="action", min_items=1,
                                                  unique_names=False)] = _req("The transitions.")

    @model_validator(mode="before")
    @classmethod
    def _defaults(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        on_submit = data.get("on_submit")
        notify = on_submit.get("notify") if isinstance(on_submit, (dict, OnSubmit)) else None
        return {**data, "on_submit": {"notify": list(notify or [])}}


# ---------------------------------------------------------------- the other sections


def _check_calendar(calendar: dict, place, what, sink) -> None:
    from app.rules.yaml_source import item_place, key_place

    try:
        import holidays
    except ImportError:  # the calendar module needs it anyway; skip the extra precision
        return
    country, categories = calendar.get("country"), calendar.get("categories")
    if not isinstance(country, str):
        return
    if country not in holidays.list_supported_countries():
        sink.add(key_place(calendar, "country", place),
                 N_("negara '%(country)s' dari %(what)s tidak memiliki kalender libur", country=country, what=what))
        return
    supported = holidays.country_holidays(country).supported_categories
    for index, category in enumerate(categories if isinstance(categories, list) else ()):
        if isinstance(category, str) and category not in supported:
            sink.add(
                item_place(categories, index, key_place(calendar, "categories", place)),
                N_("kategori libur '%(category)s' tidak tersedia untuk %(country)s (tersedia: %(available)s)",
                   category=category, country=country, available=", ".join(supported)),
            )


class Calendar(Spec):
    """The holiday calendar working days are counted with (the holidays package)."""

    record_check: ClassVar[Callable | None] = staticmethod(_check_calendar)

    country: Annotated[str, StringConstraints(pattern=f"^{v.COUNTRY_PATTERN}$"),
                       Meta(expects=N_("kode negara dua huruf seperti ID"))] = _req("Two-letter country code, e.g. ID.")
    categories: Annotated[list[Key], Meta(min_items=1, unique_values=True)] = _opt(
        "Holiday categories (default public, government).")

    @model_validator(mode="before")
    @classmethod
    def _defaults(cls, data: Any) -> Any:
        return _fill(data, **{key: list(value) if isinstance(value, list) else value
                              for key, value in v.DEFAULT_CALENDAR.items()})


class RequestKind(Spec):
    """A kind of request (baru, perpanjangan, perubahan…)."""

    label: Label = _req("Label shown to customers and staff. — Label yang ditampilkan kepada pelanggan dan petugas.")


class Role(Spec):
    """A staff role (customer, assignee and system are built in and not declared)."""

    label: Label = _req("Label shown to staff. — Label yang ditampilkan kepada petugas.")
    description: Text | None = _opt("What the role does. — Tugas peran ini.")


def numbering_pattern_problems(pattern: str) -> list:
    """What is wrong with a numbering pattern (empty list: nothing), as messages."""
    from app.rules.wording import did_you_mean

    problems = []
    tokens = re.findall(r"\{([^{}]*)\}", pattern)
    if re.sub(r"\{[^{}]*\}", "", pattern).count("{") or re.sub(r"\{[^{}]*\}", "", pattern).count("}"):
        problems.append(N_("memiliki '%(open)s' atau '%(close)s' tanpa pasangan", open="{", close="}"))
    for token in tokens:
        name, _, width = token.partition(":")
        if name not in v.NUMBERING_TOKENS:
            problems.append(N_("memiliki token '{%(token)s}' yang tidak dikenal%(suggestion)s", token=token,
                               suggestion=did_you_mean(name, v.NUMBERING_TOKENS)))
        elif width and (name != "seq" or not (width.isascii() and width.isdigit()) or not 1 <= int(width) <= 12):
            problems.append(N_("memiliki token '{%(token)s}' yang tidak sah (hanya seq yang memiliki lebar, 1 sampai 12: "
                               "{seq:4})", token=token))
    if not any(token.partition(":")[0] in ("seq", "hex6") for token in tokens):
        problems.append(N_("memerlukan {seq}, {seq:N} atau {hex6} agar nomor unik"))
    return problems


def _numbering_check(numbering: dict, place, what, sink) -> None:
    from app.rules.yaml_source import key_place

    pattern = numbering.get("pattern")
    if isinstance(pattern, str):
        for problem in numbering_pattern_problems(pattern):
            sink.add(key_place(numbering, "pattern", place), N_("pola dari %(what)s %(problem)s", what=what, problem=problem))


class Numbering(Spec):
    """A number sequence, e.g. ``{seq}/L.Data/{dd}/{roman_month}/{yy}``."""

    record_check: ClassVar[Callable | None] = staticmethod(_numbering_check)

    pattern: Text = _req("Tokens {seq} or {seq:N}, {dd}, {mm}, {roman_month}, {yy}, {yyyy}, {hex6}, {agency}, {service} "
                         "between literal text; needs {seq} or {hex6}.")
    per: Annotated[list[Literal[v.NUMBERING_SCOPES]], Meta(unique_values=True)] = _opt(
        "The sequence restarts per each of these: agency, service, year, month, day (default never).", default=None)

    @model_validator(mode="before")
    @classmethod
    def _defaults(cls, data: Any) -> Any:
        return _fill(data, per=[])


class ChannelText(Spec):
    """A notification's text on one channel (Jinja)."""

    subject: Text | None = _opt("Subject (Jinja). — Subjek pesan.")
    body: Text = _req("Body (Jinja). — Isi pesan.")


class MailText(ChannelText):
    """A notification's text on a channel with a subject (email, inbox)."""

    subject: Text = _req("Subject (Jinja). — Subjek pesan.")


class WhatsAppText(Spec):
    """A notification's WhatsApp text."""

    body: Text = _req("Body (Jinja). — Isi pesan.")


def _jinja_problems(text: str) -> list[tuple[int, str]]:
    try:
        import jinja2
    except ImportError:
        return []
    try:
        jinja2.Environment().parse(text)
    except jinja2.TemplateSyntaxError as error:
        return [(error.lineno or 1, error.message or "syntax error")]
    return []


def _notification_check(template, place, what, owner, sink, context) -> None:
    """The channels known to the app (a registered channel may be added), each with its texts, whose
    Jinja syntax is checked."""
    from app.rules.problems import Place
    from app.rules.wording import described, did_you_mean, must_be
    from app.rules.yaml_source import key_place

    known = tuple(context.known_channels)
    if not isinstance(template, dict):
        sink.add(place, must_be(what, N_("pemetaan kanal"), described(template)))
        return
    if not template:
        sink.add(place, N_("%(what)s harus memiliki paling sedikit satu kanal (%(known)s)", what=what,
                           known=", ".join(known)))
    for channel, variant in template.items():
        where = key_place(template, channel, place)
        if channel not in known:
            sink.add(where, N_("kanal '%(channel)s' tidak dikenal di %(what)s (yang dikenal: %(known)s)%(suggestion)s",
                               channel=channel, what=what, known=", ".join(known),
                               suggestion=did_you_mean(channel, known)))
            continue
        field = Notification.model_fields.get(channel) if isinstance(channel, str) else None
        model = _unwrap_optional(field.annotation) if field is not None else ChannelText
        variant_what = N_("'%(name)s' dari %(what)s", name=channel, what=what)
        context.check_as(model, variant, where, variant_what, what, sink)
        if not isinstance(variant, dict):
            continue
        for part in ("subject", "body"):
            text = variant.get(part)
            if not isinstance(text, str):
                continue
            part_place = key_place(variant, part, where)
            for line, message in _jinja_problems(text):
                offset = line if "\n" in text else 0
                sink.add(Place(part_place.file, part_place.line + offset), N_(
                    "kesalahan templat di %(part)s dari %(what)s: %(error)s", part=part, what=variant_what, error=message))


def _unwrap_optional(annotation: Any) -> Any:
    members = [member for member in getattr(annotation, "__args__", (annotation,)) if member is not type(None)]
    return members[0]


class Notification(Spec):
    """A notification template: its text per channel; a channel registered later may be added."""

    model_config = ConfigDict(extra="allow")
    value_check: ClassVar[Callable | None] = staticmethod(_notification_check)
    __pydantic_extra__: dict[str, ChannelText] = _Field(init=False)

    email: MailText | None = _opt("The email: subject and body. — Email: subjek dan isi.")
    inbox: MailText | None = _opt("The portal inbox message: subject and body. — Pesan kotak masuk portal.")
    whatsapp: WhatsAppText | None = _opt("The WhatsApp message: body. — Pesan WhatsApp.")


class ValidityRemind(Spec):
    """Reminders to the holder before a document's validity ends."""

    days_before: Annotated[list[PositiveInt], Meta(min_items=1, unique_values=True)] = _req(
        "Days before the end a reminder is sent.")
    notify: NotifyList = _req("The reminder's notifications (not to actor).")


class Validity(Spec):
    """Masa berlaku: how long a generated document is valid (exactly one of years, months, days)."""

    exactly_one_of: ClassVar[tuple[str, ...]] = v.VALIDITY_UNITS

    years: PositiveInt | None = _opt("Years.")
    months: PositiveInt | None = _opt("Months.")
    days: PositiveInt | None = _opt("Days.")
    from_: Annotated[str, StringConstraints(pattern=f"^(?:{v.VALIDITY_FROM_PATTERN})$"),
                     Meta(expects=N_("issued, signed atau field:<kunci isian>"))] | None = _opt(
        "Where it starts: issued (default), signed or field:<key> (a date of the application).", alias="from")
    remind: ValidityRemind | None = _opt("Reminders before it ends.")


class Document(Spec):
    """A generated document (PDF from an HTML template)."""

    label: Label = _req("Label shown to customers and staff. — Label yang ditampilkan kepada pelanggan dan petugas.")
    kind: Literal[v.DOCUMENT_KINDS] = _req("receipt, invoice, kuitansi, cover_letter, licence, report or other.")
    template: Text = _req("Template file, relative to the rules entry file's folder.")
    numbering: Key | None = _opt("Numbering whose next number the document gets when generated.", nullable=True)
    signed: bool = _opt("true: signed (PAdES) by a signatory in a signing transition (default false).", default=False)
    locale: Literal[v.DOCUMENT_LOCALES] | None = _opt("Language of its dates and numbers: id (default) or en.")
    validity: Validity | None = _opt("Masa berlaku: how long the document is valid.")


class SurveyOption(Spec):
    """An answer of a survey question."""

    label: Label = _req("The answer shown to the customer. — Jawaban yang ditampilkan kepada pelanggan.")
    score: Annotated[int, _Field(ge=v.SURVEY_MIN_SCORE, le=v.SURVEY_MAX_SCORE, strict=True)] = _req("Score, 1 to 4.")


class SurveyQuestion(Spec):
    """A scored question of a satisfaction survey."""

    key: Key = _req("Identifier of the question, unique in the survey.")
    element: Literal[v.SURVEY_ELEMENTS] | None = _opt("PermenPANRB 14/2017 element U1..U9 (extra questions: none).",
                                                      nullable=True)
    text: Label = _req("The question. — Pertanyaan.")
    options: Annotated[list[SurveyOption], Meta(min_items=2)] = _req("The answers, in the order shown.")


class FreeTextQuestion(Spec):
    """A free-text question of a survey."""

    key: Key = _req("Identifier, unique in the survey together with the questions' keys.")
    label: Label = _req("The question. — Pertanyaan.")
    required: bool = _opt("Whether an answer is required (default false).", default=False)

    @model_validator(mode="before")
    @classmethod
    def _defaults(cls, data: Any) -> Any:
        return _fill(data, required=False)


def _survey_check(survey: dict, place, what, sink) -> None:
    from app.rules.yaml_source import key_place

    questions, free_text = survey.get("questions"), survey.get("free_text")
    question_keys = {
        q["key"] for q in (questions if isinstance(questions, list) else ())
        if isinstance(q, dict) and isinstance(q.get("key"), str)
    }
    for item in free_text if isinstance(free_text, list) else ():
        if isinstance(item, dict) and isinstance(item.get("key"), str) and item["key"] in question_keys:
            sink.add(
                key_place(item, "key", place),
                N_("kunci '%(key)s' dari %(what)s dipakai oleh sebuah pertanyaan dan sebuah pertanyaan isian bebas",
                   key=item["key"], what=what),
            )


class Survey(Spec):
    """A satisfaction survey (IKM)."""

    record_check: ClassVar[Callable | None] = staticmethod(_survey_check)

    title: Label = _req("Title shown to the customer. — Judul yang ditampilkan kepada pelanggan.")
    gates_downloads: bool = _opt("true: results are downloadable only after the survey is answered (default false).",
                                 default=False)
    questions: Annotated[list[SurveyQuestion], Meta(noun=N_("pertanyaan"), name_key="key", min_items=1)] = _req(
        "The scored questions.")
    free_text: Annotated[list[FreeTextQuestion], Meta(noun=N_("pertanyaan isian bebas"), name_key="key")] = _opt(
        "Free-text questions (default none).")

    @model_validator(mode="before")
    @classmethod
    def _defaults(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        return {**_fill(data, gates_downloads=False), "free_text": list(data.get("free_text") or ())}


class BankAccount(Spec):
    """An account customers pay into."""

    key: Key = _req("Identifier, unique in the agency.")
    bank: Text = _req("Bank name. — Nama bank.")
    number: Text = _req("Account number (quoted). — Nomor rekening.")
    holder: Text = _req("Account holder. — Nama pemilik rekening.")


class Signatory(Spec):
    """An official who signs generated documents."""

    key: Key = _req("Identifier, unique in the agency.")
    name: Text = _req("Full name as printed. — Nama lengkap.")
    nip: Text | None = _opt("NIP (quoted).")
    title: Text = _req("Position as printed. — Jabatan.")
    role: Key = _req("The staff role of the signing user.")


class ServiceClass(Spec):
    """A group of an agency's services."""

    key: Key = _req("Identifier, unique in the agency.")
    label: Label = _req("Label shown to customers and staff. — Label yang ditampilkan kepada pelanggan dan petugas.")


class ManagesCustomers(Spec):
    """A participant group whose members manage customers (register owners)."""

    register_as: Key = _req("The group an approved customer joins (one of the agency's groups).")
    approved_by: Annotated[list[Key], Meta(min_items=1, unique_values=True)] = _req(
        "Staff roles of the agency that approve registrations.")


class ParticipantGroup(Spec):
    """A group a customer picks when registering for the agency."""

    key: Key = _req("Identifier, unique in the agency.")
    label: Label = _req("Label shown to customers and staff. — Label yang ditampilkan kepada pelanggan dan petugas.")
    description: Label | None = _opt("Explanation shown on registration. — Penjelasan saat pendaftaran.")
    manages_customers: ManagesCustomers | None = _opt("Its participants manage a list of customers.")


# ---------------------------------------------------------------- bookings (resources and their slots)

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
BOOKING_UNITS = ("slot", "day")
BOOKING_WIZARD = ("required", "optional", "none")
HOURS_PATTERN = r"^(?:[01][0-9]|2[0-3]):[0-5][0-9]-(?:[01][0-9]|2[0-3]):[0-5][0-9]$"
OpeningHours = Annotated[str, StringConstraints(pattern=HOURS_PATTERN),
                         Meta(expects=N_("rentang jam seperti 08:00-16:00"))]


def _resource_check(resource: dict, place, what, sink) -> None:
    from app.rules.yaml_source import key_place

    hours = resource.get("opening_hours")
    for day, span in (hours.items() if isinstance(hours, dict) else ()):
        if isinstance(span, str) and re.fullmatch(HOURS_PATTERN, span):
            start, end = span.split("-")
            if end <= start:
                sink.add(key_place(hours, day, place),
                         N_("jam buka '%(day)s' dari %(what)s harus berakhir setelah mulai (%(span)s)",
                            day=day, what=what, span=span))


class Resource(Spec):
    """Something an agency books out: a hall, a lab instrument, a technician team."""

    record_check: ClassVar[Callable | None] = staticmethod(_resource_check)

    key: Key = _req("Identifier, unique in the agency.")
    label: Label = _req("Label shown to customers and staff. — Label yang ditampilkan kepada pelanggan dan petugas.")
    capacity: PositiveInt = _opt("How many bookings one slot takes at the same time (default 1).", default=1)
    opening_hours: Annotated[dict[Literal[WEEKDAYS], OpeningHours], Meta(min_items=1)] = _req(
        "Per weekday (mon..sun) the hours slots may be offered in, HH:MM-HH:MM in the agency's zone; a weekday "
        "not listed is closed.")
    managed_by: RoleNames = _req("Staff roles that offer its slots and see its calendar.")

    @model_validator(mode="before")
    @classmethod
    def _defaults(cls, data: Any) -> Any:
        return _fill(data, capacity=1)


class Booking(Spec):
    """The resource a service's applications book: the customer picks one offered, free slot."""

    resource: Key = _req("Key of a resource of the service's agency.")
    unit: Literal[BOOKING_UNITS] = _opt("slot (default): a time range within one day; day: whole days.")
    pick_in: StateNames | None = _opt("States in which the customer may pick or change the slot (default: the "
                                      "workflow's initial state).")
    wizard: Literal[BOOKING_WIZARD] | None = _opt(
        "The apply wizard's step 'Pilih Jadwal': required (a free slot must be chosen; it is booked when the "
        "application is submitted, in the same transaction), optional (may be left empty and picked later on the "
        "application page) or none (no step). Default: optional when the customer may pick in the workflow's "
        "initial state, else none. — Langkah 'Pilih Jadwal' pada formulir pengajuan: required (wajib memilih slot "
        "kosong, dipesan saat permohonan dikirim dalam transaksi yang sama), optional (boleh dikosongkan dan dipilih "
        "nanti di halaman permohonan) atau none (tanpa langkah ini). Bawaan: optional bila pelanggan boleh memilih "
        "pada status awal alur, selain itu none.")

    @model_validator(mode="before")
    @classmethod
    def _defaults(cls, data: Any) -> Any:
        return _fill(data, unit="slot")


def _agency_check(agency: dict, place, what, sink) -> None:
    from app.rules.yaml_source import key_place

    groups = agency.get("participant_groups")
    groups = [g for g in groups if isinstance(g, dict)] if isinstance(groups, list) else []
    keys = {g.get("key") for g in groups}
    for group in groups:
        manages = group.get("manages_customers")
        if isinstance(manages, dict) and isinstance(manages.get("register_as"), str) \
                and manages["register_as"] not in keys:
            sink.add(key_place(manages, "register_as", place),
                     N_("register_as '%(group)s' dari %(what)s bukan salah satu kelompok pesertanya",
                        group=manages["register_as"], what=what))


class Agency(Spec):
    """A government office offering services."""

    record_check: ClassVar[Callable | None] = staticmethod(_agency_check)

    name: Text = _req("Full name. — Nama lengkap instansi.")
    short_name: Text = _opt("Short name (default: name). — Nama singkat (bawaan: nama).")
    code: Code = _req("Code used in numbers ({agency}); unique.")
    timezone: TimeZone = _opt("Time zone of deadlines and dates (default Asia/Jakarta; Asia/Makassar, Asia/Jayapura).")
    address: Text | None = _opt("Postal address. — Alamat.")
    phone: Text | None = _opt("Phone (quoted). — Telepon.")
    email: Email | None = _opt("Contact email. — Email kontak.")
    account_activation: Literal[v.ACCOUNT_ACTIVATION] = _opt(
        "How new customers' accounts are activated: email (default) or admin.")
    bank_accounts: Annotated[list[BankAccount], Meta(noun=N_("rekening bank"), name_key="key")] = _opt(
        "Accounts customers pay into (default none).")
    signatories: Annotated[list[Signatory], Meta(noun=N_("penandatangan"), name_key="key")] = _opt(
        "Officials who sign documents (default none).")
    extra_days_off: Annotated[list[IsoDate], Meta(unique_values=True)] = _opt(
        "Days off on top of the national calendar, YYYY-MM-DD (default none).")
    service_classes: Annotated[list[ServiceClass], Meta(noun=N_("kelas layanan"), name_key="key", min_items=1)] = _req(
        "Groups of the agency's services.")
    complaint_channel: Text | None = _opt("Where complaints go. — Saluran pengaduan.")
    participant_groups: Annotated[list[ParticipantGroup], Meta(noun=N_("kelompok peserta"), name_key="key")] | None = \
        _opt("Groups a customer picks when registering for this agency.")
    # -- roles of one agency (issue 13, item 2): keys are the agency's own; top-level roles are shared
    roles: Annotated[dict[Key, Role], Meta(noun=N_("peran"))] | None = _opt(
        "Staff roles of this agency only, by key: another agency may declare the same key with its own label. "
        "Roles under the top-level roles are shared by every agency.")
    # bookings
    resources: Annotated[list[Resource], Meta(noun=N_("sumber daya"), name_key="key")] | None = _opt(
        "Things booked out by slots: halls, instruments, teams (default none).")

    @model_validator(mode="before")
    @classmethod
    def _defaults(cls, data: Any) -> Any:
        if not isinstance(data, dict) or "name" not in data:
            return data
        return _fill(data, short_name=data["name"], timezone=v.DEFAULT_TIMEZONE, account_activation="email",
                     bank_accounts=[], signatories=[], extra_days_off=[])


class CatalogueItem(Spec):
    """An item a customer may order (services with a cart)."""

    code: Code = _req("Code, unique in the service.")
    name: Text = _req("Name shown to customers. — Nama yang ditampilkan kepada pelanggan.")
    unit: Text | None = _opt("Unit of the price. — Satuan.")
    price: Annotated[int, _Field(ge=0, strict=True), Meta(expects=N_("bilangan bulat rupiah, nol atau lebih"))] = _req(
        "Price in whole rupiah.")
    weight: Annotated[Union[int, float], _Field(ge=0)] | None = _opt("Weight (or null).", nullable=True)
    handler_role: Key | None = _opt("Role that handles it (or null).", nullable=True)
    data_required: Text | None = _opt("What the customer must provide. — Data yang diperlukan.")


class RequiredDocument(Spec):
    """A document the customer uploads with the application."""

    key: Key = _req("Identifier, unique in the service.")
    label: Label = _req("Label shown to customers and staff. — Label yang ditampilkan kepada pelanggan dan petugas.")
    types: FileKinds = _opt("File kinds accepted (default pdf, jpg, png), checked by content.")
    max_mb: PositiveNumber = _opt("Largest file in megabytes (default 20).")
    required: bool = _opt("Whether it must be uploaded (default true).", default=True)
    template: Text | None = _opt("A downloadable template file, relative to the rules entry file's folder.",
                                 nullable=True)
    when: Condition | None = _opt("Required only when this condition on a service field holds.")
    help: Label | None = _opt("Help text. — Teks bantuan.")
    # UU PDP: opening a personal document (KTP, NPWP…) is logged; kept this long after closing
    personal: bool | None = _opt("true: it holds personal data; every download or preview is logged.")
    retention_days: Annotated[int, _Field(ge=1, strict=True),
                              Meta(expects=N_("bilangan bulat hari, satu atau lebih"))] | None = _opt(
        "Days it is kept after the application closed (default DOCUMENT_RETENTION_DAYS).")

    @model_validator(mode="before")
    @classmethod
    def _defaults(cls, data: Any) -> Any:
        return _fill(data, types=list(v.DEFAULT_FILE_TYPES), max_mb=v.DEFAULT_MAX_MB, required=True)


class Asset(Spec):
    """The customer's asset an application is about (one application per asset)."""

    kind: Key = _req("Kind of asset, e.g. uttp.")
    label: Label = _req("Label shown to customers and staff. — Label yang ditampilkan kepada pelanggan dan petugas.")
    details: Annotated[list[Key], Meta(min_items=1, unique_values=True)] | None = _opt(
        "Service field or document keys shown with the asset on the staff page.")


class WorkItemStep(Spec):
    """Who may do a step, in which states."""

    by: RoleNames = _req("Roles (or assignee, row_assignee).")
    states: StateNames = _req("States of the workflow.")


class WorkItems(Spec):
    """The rows of an application's work, one per cart line (a lab's test parameters)."""

    label: Label = _req("Label of the rows. — Label baris pekerjaan.")
    assignee_role: Key = _req("Role whose staff may be chosen for a row.")
    columns: Columns = _req("What a row's assignee enters (field spec).")
    assign: WorkItemStep = _req("Who assigns rows, in which states.")
    enter: WorkItemStep = _req("Who enters results (row_assignee), in which states.")
    verify: WorkItemStep | None = _opt("Who verifies rows, in which states.")
    validate_: WorkItemStep | None = _opt("Who validates rows, in which states.", alias="validate")


def _service_check(service: dict, place, what, sink) -> None:
    from app.rules.yaml_source import key_place

    if service.get("cart") is True and not service.get("catalogue"):
        sink.add(key_place(service, "cart", place),
                 N_("%(what)s memiliki keranjang tetapi tidak memiliki butir katalog", what=what))
    earlier: set[str] = set()
    for item in service.get("fields") if isinstance(service.get("fields"), list) else ():
        if not isinstance(item, dict):
            continue
        after = item.get("after")
        if isinstance(after, str) and after not in earlier:
            sink.add(key_place(item, "after", place),
                     N_("'after' pada isian '%(field)s' dari %(what)s menyebut '%(after)s', yang bukan isian tanggal "
                        "sebelumnya", field=item.get("key"), what=what, after=after))
        if item.get("type") in v.DATE_TYPES:
            earlier.add(item.get("key"))
    asset = service.get("asset")
    if isinstance(asset, dict) and isinstance(asset.get("details"), list):
        known = {item.get("key") for section in ("fields", "documents")
                 for item in (service.get(section) if isinstance(service.get(section), list) else ())
                 if isinstance(item, dict)}
        for key in asset["details"]:
            if isinstance(key, str) and key not in known:
                sink.add(key_place(asset, "details", place),
                         N_("rincian alat '%(key)s' dari %(what)s bukan isian maupun dokumen layanan", key=key, what=what))


class Service(Spec):
    """A service customers apply for."""

    record_check: ClassVar[Callable | None] = staticmethod(_service_check)

    agency: Key = _req("The agency offering it.")
    class_: Key = _req("One of the agency's service_classes.", alias="class")
    code: Code = _req("Code used in numbers ({service}); unique within the agency.")
    name: Label = _req("Name shown to customers and staff. — Nama yang ditampilkan kepada pelanggan dan petugas.")
    description: Label | None = _opt("Description shown to customers. — Deskripsi untuk pelanggan.")
    workflow: Key = _req("The workflow its applications follow.")
    request_kinds: Annotated[list[Key], Meta(min_items=1, unique_values=True)] = _opt(
        "Kinds of request offered (default baru).")
    customer_kinds: Annotated[list[Literal[v.CUSTOMER_KINDS]], Meta(min_items=1, unique_values=True)] = _opt(
        "Who may apply: person, company, institution (default all three).")
    standard_time: Text | None = _opt("Standard time shown on the public page. — Waktu pelayanan yang ditampilkan.")
    sla: Sla | None = _opt("The whole service's time limit, from submission to a final state.")
    product: Text | None = _opt("What the customer gets. — Produk layanan.")
    receipt_numbering: Key | None = _opt("Numbering of its receipts (default: a random {agency}-{hex6}).",
                                         nullable=True)
    cart: bool = _opt("true: the customer picks catalogue items with quantities (default false).", default=False)
    catalogue: Annotated[list[CatalogueItem], Meta(noun=N_("butir katalog"), name_key="code")] = _opt(
        "Items that can be ordered (default none).")
    asset: Asset | None = _opt("The customer's asset an application is about, or null.", nullable=True)
    company_data: Literal[v.PRESENCE] = _opt("Company data: none (default), optional or required.")
    location: Literal[v.PRESENCE] = _opt("Location: none (default), optional or required.")
    fields: ServiceFields = _opt("The application form (default none).")
    documents: Annotated[list[RequiredDocument], Meta(noun=N_("dokumen persyaratan"), name_key="key")] = _opt(
        "Documents the customer uploads (default none).")
    declaration: Text | None = _opt("A declaration the customer ticks. — Pernyataan yang dicentang pelanggan.",
                                    nullable=True)
    survey: Key | None = _opt("The satisfaction survey of the service.", nullable=True)
    work_items: WorkItems | None = _opt("Per-cart-line work rows.")
    # who may change the cart's quantities and unit prices, in which states (before invoicing)
    cart_adjust: WorkItemStep | None = _opt("Who may correct cart quantities and prices, in which states.")
    # bookings
    booking: Booking | None = _opt("The resource its applications book a slot of.")

    @model_validator(mode="before")
    @classmethod
    def _defaults(cls, data: Any) -> Any:
        return _fill(data, request_kinds=list(v.DEFAULT_REQUEST_KINDS), customer_kinds=list(v.CUSTOMER_KINDS),
                     cart=False, catalogue=[], company_data="none", location="none", fields=[], documents=[])


# ---------------------------------------------------------------- the whole


SECTION_NOUNS = {
    "calendar": N_("kalender"),
    "request_kinds": N_("jenis permohonan"),
    "roles": N_("peran"),
    "numbering": N_("penomoran"),
    "notifications": N_("templat notifikasi"),
    "documents": N_("dokumen"),
    "surveys": N_("survei"),
    "agencies": N_("instansi"),
    "workflows": N_("alur kerja"),
    "services": N_("jenis layanan"),
}


def _section(model: Any, section: str) -> Any:
    return Annotated[dict[Key, model], Meta(noun=SECTION_NOUNS[section])]


class _Sections(Spec):
    calendar: Calendar = _opt("The holiday calendar (default country ID, categories public and government).")
    request_kinds: _section(RequestKind, "request_kinds") = _opt("Kinds of request, by key (baru, perpanjangan…).")
    roles: _section(Role, "roles") = _opt("Shared staff roles, by key, usable by every agency (an agency's own roles "
                                          "are under agencies.<key>.roles; customer, assignee, system are built in).")
    numbering: _section(Numbering, "numbering") = _opt("Number sequences, by key.")
    notifications: _section(Notification, "notifications") = _opt("Notification templates, by key.")
    documents: _section(Document, "documents") = _opt("Generated documents, by key.")
    surveys: _section(Survey, "surveys") = _opt("Satisfaction surveys, by key.")
    agencies: _section(Agency, "agencies") = _opt("Agencies, by key.")
    workflows: _section(Workflow, "workflows") = _opt("Workflows, by key.")
    services: _section(Service, "services") = _opt("Services, by key.")


SECTIONS = tuple(_Sections.model_fields)
SINGLE_SECTIONS = tuple(name for name, info in _Sections.model_fields.items() if get_origin(info.annotation) is not dict)
COLLECTION_SECTIONS = tuple(name for name in SECTIONS if name not in SINGLE_SECTIONS)


class RulesSpec(_Sections):
    """The merged rules of every file, with the defaults of optional keys filled in: what a rules
    version stores."""

    version: Literal[v.FORMAT_VERSION] = _opt("Format version, 1.")

    @model_validator(mode="before")
    @classmethod
    def _defaults(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = {**data, "version": data.get("version", v.FORMAT_VERSION), "calendar": data.get("calendar") or {}}
        for section in COLLECTION_SECTIONS:
            data[section] = data.get(section) or {}
        return data


def _nullable_sections(model: type[Spec]) -> dict:
    fields = {}
    for name, info in model.model_fields.items():
        fields[name] = (info.annotation | None, _Field(default=None, description=info.description))
    return fields


RulesFileSpec = create_model(
    "RulesFileSpec",
    __base__=Spec,
    __doc__="One rules file as written: version (required in the entry file), include, and any of the sections "
            "(an empty section is allowed). Every file of an entry file's includes has this shape.",
    version=(Literal[v.FORMAT_VERSION] | None, _Field(default=None, description="Format version, 1 (required in the "
                                                                                 "entry file).")),
    include=(list[Text] | None, _Field(default=None, description="Other rules files merged into this one, relative "
                                                                 "to this file.")),
    **_nullable_sections(_Sections),
)
TOP_LEVEL_KEYS = tuple(RulesFileSpec.model_fields)
