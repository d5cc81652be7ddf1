"""Form field validation for services' application fields and transitions' forms.

``validate_fields(specs, values, files, context=...)`` returns ``(cleaned, errors)``: ``cleaned``
holds typed, normalised values of the visible fields (hidden fields — ``show_if`` false — are
dropped and never required); ``errors`` maps a field key to an Indonesian ``Message``.
"""
from __future__ import annotations

import json

import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Callable, Collection, Mapping, Sequence

from app.rules.vocabulary import (  # noqa: F401 (the field vocabulary, re-exported for the engine's users)
    BILLING_CODE_LENGTH,
    DATE_TYPES,
    DEFAULT_FILE_TYPES,
    DEFAULT_GROUP_MAX_ITEMS,
    DEFAULT_MAX_MB,
    FIELD_TYPES,
    FILE_DOCUMENT_KINDS,
    FILE_KIND_ALIASES,
    FILE_KINDS,
    FORM_ONLY_TYPES,
    NUMBER_TYPES,
    TEXT_TYPES,
    label_text,
)
from app.rules.patterns import matches
from app.workflow.errors import N_, Message

MEGABYTE = 1024 * 1024
MAX_BLANK_GROUP_ROWS = 20   # a group's submitted rows beyond max_items that may be blank (refused above)


@dataclass(frozen=True)
class UploadedFileInfo:
    """An uploaded file as the caller saw it: ``kind`` is sniffed from the content (None: unknown)."""

    filename: str
    size: int
    kind: str | None


@dataclass(frozen=True)
class FieldContext:
    """What validation needs beyond the values: application data (for ``show_if`` on service
    fields), assignee candidates per role, the agency's bank account keys, the offered slot ids."""

    data: Mapping[str, Any] = field(default_factory=dict)
    assignee_candidates: Mapping[str, Collection[int]] = field(default_factory=dict)
    bank_account_keys: frozenset[str] = frozenset()
    offered_slot_ids: frozenset[int] = frozenset()
    today: str | None = None   # ISO date in the agency's zone, for ``not_future`` (default: Asia/Jakarta)
    labels: Mapping[str, Any] = field(default_factory=dict)   # the service fields' labels, for messages


def local_today(timezone: str | None = None) -> str:
    """Today's ISO date in ``timezone`` (default WIB): a date typed at 07:00 WITA is not "future"."""
    from zoneinfo import ZoneInfo

    return datetime.now(ZoneInfo(timezone or "Asia/Jakarta")).date().isoformat()


class FieldValueError(ValueError):
    """A single value is invalid; ``message`` is the Indonesian explanation."""

    def __init__(self, message: Message):
        super().__init__(str(message))
        self.message = message


def _invalid(template: str, **params: Any) -> FieldValueError:
    return FieldValueError(Message(template, **params))


# ---------------------------------------------------------------- helpers shared with the engine


def subject_key(fields: list[dict]) -> str | None:
    """The key of the field the rules mark ``subject: true`` (MELASTI's "Perihal"): what an
    application is about, shown in recaps. The first one, or None."""
    return next((f["key"] for f in fields or [] if f.get("subject")), None)


def jsonable(value: Any) -> Any:
    """``value`` as plain JSON types (dates and decimals become strings), for JSON columns."""
    return json.loads(json.dumps(value, default=str))


def is_empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, (list, tuple, dict, set, frozenset)):
        return len(value) == 0
    return False


def same_value(left: Any, right: Any) -> bool:
    """Equality that tolerates form strings against typed rule values (``"1"`` vs ``1``)."""
    if isinstance(left, bool) or isinstance(right, bool):
        if isinstance(left, bool) and isinstance(right, bool):
            return left is right
        return str(left).strip().lower() == str(right).strip().lower()
    if left == right:
        return True
    if left is None or right is None:
        return False
    return str(left).strip() == str(right).strip()


def condition_holds(condition: Mapping[str, Any] | None, lookup: Callable[[str], Any]) -> bool:
    """``{field, equals}`` / ``{field, in}`` / ``{field, filled}`` against ``lookup(field)``."""
    if not condition:
        return True
    value = lookup(condition.get("field"))
    if "equals" in condition:
        return same_value(value, condition["equals"])
    if "in" in condition:
        return any(same_value(value, choice) for choice in condition.get("in") or ())
    if "filled" in condition:
        return (not is_empty(value)) is bool(condition["filled"])
    return True


def missing_documents(service: Mapping[str, Any], data: Mapping[str, Any], present: Collection[str]) -> list[dict]:
    """The documents that apply to ``data`` (``when``), are required and are not in ``present``:
    the one rule of the wizard, the edit/revision page and the ``documents_complete`` guard."""
    return [d for d in required_documents(service, data) if d.get("required", True) and d["key"] not in present]


def required_documents(service: Mapping[str, Any], data: Mapping[str, Any]) -> list[dict]:
    """The service's required-document specs whose ``when`` holds for ``data`` (each keeps its own
    ``required`` flag: false means the document applies but is optional)."""
    return [
        document
        for document in service.get("documents") or ()
        if condition_holds(document.get("when"), lambda key: data.get(key))
    ]


def format_number(value: float) -> str:
    """Indonesian number formatting: ``175000`` → ``175.000``, ``2.5`` → ``2,5``."""
    if isinstance(value, float) and not value.is_integer():
        whole, _, fraction = f"{value:.6f}".rstrip("0").partition(".")
        return f"{int(whole):,}".replace(",", ".") + "," + fraction
    return f"{int(value):,}".replace(",", ".")


def file_types_text(types: Sequence[str]) -> str:
    return ", ".join(kind.upper() for kind in types)


# ---------------------------------------------------------------- value cleaners (public: identity forms reuse them)

_EMAIL_RE = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+")


def _ascii_digits(text: str) -> bool:
    """Only 0-9 (``str.isdigit`` also accepts other scripts' digits)."""
    return bool(text) and text.isascii() and text.isdigit()


def clean_email(raw: Any) -> str:
    text = _text(raw).strip()
    if len(text) > 254 or not _EMAIL_RE.fullmatch(text):
        raise _invalid(N_("Alamat email tidak valid."))
    local, _, domain = text.rpartition("@")
    return f"{local}@{domain.lower()}"


def clean_phone(raw: Any) -> str:
    """Indonesian phone number normalised to ``62…`` (9–15 digits in all)."""
    text = re.sub(r"[\s\-.()/]", "", _text(raw))
    if text.startswith("+62"):
        digits = text[1:]
    elif text.startswith("62"):
        digits = text
    elif text.startswith("0"):
        digits = "62" + text[1:]
    else:
        digits = ""
    if not _ascii_digits(digits) or not 9 <= len(digits) <= 15 or digits[2:3] in ("", "0"):
        raise _invalid(N_("Nomor telepon tidak valid (contoh: 081234567890 atau +6281234567890)."))
    return digits


def clean_npwp(raw: Any) -> str:
    """The canonical 16-digit NPWP (PMK 112/2022): a 15-digit one (``01.234.567.8-901.000``)
    becomes ``0`` + its 15 digits; a 16-digit one (or a NIK used as NPWP) stays as typed."""
    digits = re.sub(r"[\s.\-]", "", _text(raw))
    if not _ascii_digits(digits) or len(digits) not in (15, 16):
        raise _invalid(N_("NPWP harus 15 atau 16 digit angka."))
    if len(digits) == 15:
        digits = "0" + digits
    if set(digits) == {"0"}:
        raise _invalid(N_("NPWP tidak valid."))
    return digits



def clean_nik(raw: Any) -> str:
    """A 16-digit NIK with a plausible structure: region codes, birth date (women: day + 40),
    and a serial number other than 0000."""
    digits = re.sub(r"\s", "", _text(raw))
    if len(digits) != 16 or not _ascii_digits(digits):
        raise _invalid(N_("NIK harus 16 digit angka."))
    province = int(digits[0:2])
    if not 11 <= province <= 96 or province % 10 == 0 or 40 <= province < 50:
        raise _invalid(N_("NIK tidak valid: kode provinsi tidak dikenal."))
    if digits[2:4] == "00" or digits[4:6] == "00":
        raise _invalid(N_("NIK tidak valid: kode kabupaten/kota atau kecamatan tidak dikenal."))
    day, month, year = int(digits[6:8]), int(digits[8:10]), int(digits[10:12])
    if day > 40:
        day -= 40
    if not _plausible_birth_date(day, month, year):
        raise _invalid(N_("NIK tidak valid: tanggal lahir tidak sesuai."))
    if digits[12:16] == "0000":
        raise _invalid(N_("NIK tidak valid: nomor urut tidak boleh 0000."))
    return digits


def clean_ntpn(raw: Any) -> str:
    """NTPN (Nomor Transaksi Penerimaan Negara): 16 letters or digits, kept upper-case."""
    text = re.sub(r"[\s\-]", "", _text(raw)).upper()
    if len(text) != 16 or not text.isascii() or not text.isalnum():
        raise _invalid(N_("NTPN harus 16 karakter huruf atau angka."))
    return text




def clean_billing_code(raw: Any) -> str:
    """A SIMPONI billing code: 15 digits (spaces and dashes as typed are dropped)."""
    digits = re.sub(r"[\s\-.]", "", _text(raw))
    if not _ascii_digits(digits):
        raise _invalid(N_("Kode billing hanya boleh berisi angka."))
    if len(digits) != BILLING_CODE_LENGTH:
        raise _invalid(N_("Kode billing harus %(n)s digit angka."), n=BILLING_CODE_LENGTH)
    return digits


def _plausible_birth_date(day: int, month: int, two_digit_year: int) -> bool:
    for century in (1900, 2000):
        try:
            date(century + two_digit_year, month, day)
            return True
        except ValueError:
            continue
    return False


# ---------------------------------------------------------------- per-type cleaning


def _text(raw: Any) -> str:
    if isinstance(raw, str):
        return raw
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return str(raw)
    raise _invalid(N_("Isian tidak valid."))


def _number(raw: Any) -> int | float:
    if isinstance(raw, bool):
        raise _invalid(N_("Harus berupa angka."))
    if isinstance(raw, (int, float)):
        value = raw
    else:
        text = _text(raw).strip().replace(" ", "")
        if text.count(",") == 1 and "." not in text:
            text = text.replace(",", ".")
        if not re.fullmatch(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)", text):
            raise _invalid(N_("Harus berupa angka."))
        value = float(text)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _invalid(N_("Harus berupa angka."))
        if value.is_integer():
            value = int(value)
    return value


def _integer(raw: Any) -> int:
    """A whole number (``3``, ``"3"``, ``"3,0"``); ``2.5`` is refused, not rounded."""
    value = _number(raw)
    if not isinstance(value, int):
        raise _invalid(N_("Isian ini harus bilangan bulat."))
    return value


def _money(raw: Any) -> int:
    message = N_("Masukkan jumlah rupiah berupa bilangan bulat, tidak negatif.")
    if isinstance(raw, bool):
        raise _invalid(message)
    if isinstance(raw, int):
        value = raw
    elif isinstance(raw, float):
        if not raw.is_integer():
            raise _invalid(message)
        value = int(raw)
    else:
        text = re.sub(r"(?i)^\s*rp\.?\s*", "", _text(raw)).strip()
        text = re.sub(r"[\s.]", "", text)
        text = re.sub(r",-?$|,00$", "", text)
        if not _ascii_digits(text):
            raise _invalid(message)
        value = int(text)
    if value < 0:
        raise _invalid(message)
    return value


_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _date(raw: Any) -> str:
    if isinstance(raw, datetime):
        raw = raw.date()
    if isinstance(raw, date):
        return raw.isoformat()
    text = _text(raw).strip()
    try:
        if not _DATE_RE.fullmatch(text):
            raise ValueError
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise _invalid(N_("Format tanggal tidak valid (TTTT-BB-HH).")) from None


def _datetime(raw: Any) -> str:
    if isinstance(raw, datetime):
        return raw.isoformat()
    text = _text(raw).strip()
    try:
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?(Z|[+-][0-9]{2}:?[0-9]{2})?", text):
            raise ValueError
        return datetime.fromisoformat(text).isoformat()
    except ValueError:
        raise _invalid(N_("Format tanggal dan waktu tidak valid (TTTT-BB-HH JJ:MM).")) from None


def _checkbox(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if raw is None:
        return False
    text = str(raw).strip().lower()
    if text in ("1", "true", "on", "yes", "ya", "y"):
        return True
    if text in ("", "0", "false", "off", "no", "tidak", "n"):
        return False
    raise _invalid(N_("Isian tidak valid."))


def _select(spec: Mapping[str, Any], raw: Any) -> Any:
    for option in spec.get("options") or ():
        if same_value(option.get("value"), raw):
            return option.get("value")
    raise _invalid(N_("Pilihan tidak valid."))


def _coordinates(raw: Any) -> dict:
    if isinstance(raw, str):
        parts = raw.split(",")
        if len(parts) != 2:
            raise _invalid(N_("Koordinat tidak valid; gunakan format lintang,bujur."))
        latitude, longitude = parts
    elif isinstance(raw, Mapping):
        latitude, longitude = raw.get("lat"), raw.get("lng")
    else:
        raise _invalid(N_("Koordinat tidak valid; gunakan format lintang,bujur."))
    try:
        lat, lng = float(_number(latitude)), float(_number(longitude))
    except FieldValueError:
        raise _invalid(N_("Koordinat tidak valid; gunakan format lintang,bujur.")) from None
    if not -90 <= lat <= 90:
        raise _invalid(N_("Lintang harus di antara -90 dan 90."))
    if not -180 <= lng <= 180:
        raise _invalid(N_("Bujur harus di antara -180 dan 180."))
    return {"lat": lat, "lng": lng}


def _whole_id(raw: Any) -> int:
    if isinstance(raw, bool):
        raise ValueError
    if isinstance(raw, int):
        return raw
    text = _text(raw).strip()
    if not _ascii_digits(text):
        raise ValueError
    return int(text)


def _assignee(spec: Mapping[str, Any], raw: Any, context: FieldContext) -> int:
    try:
        user_id = _whole_id(raw)
    except (ValueError, FieldValueError):
        raise _invalid(N_("Petugas yang dipilih tidak valid.")) from None
    if user_id not in set(context.assignee_candidates.get(spec.get("role"), ())):
        raise _invalid(N_("Petugas yang dipilih tidak memiliki peran yang sesuai untuk tugas ini."))
    return user_id


def _slot(raw: Any, context: FieldContext) -> int:
    try:
        slot_id = _whole_id(raw)
    except (ValueError, FieldValueError):
        raise _invalid(N_("Jadwal yang dipilih tidak tersedia.")) from None
    if slot_id not in context.offered_slot_ids:
        raise _invalid(N_("Jadwal yang dipilih tidak tersedia."))
    return slot_id


def _slots(raw: Any) -> list[dict]:
    if not isinstance(raw, (list, tuple)):
        raise _invalid(N_("Daftar jadwal tidak valid."))
    slots = []
    for number, item in enumerate(raw, start=1):
        if not isinstance(item, Mapping):
            raise _invalid(N_("Jadwal ke-%(number)s tidak valid."), number=number)
        try:
            start, end = _datetime(item.get("start")), _datetime(item.get("end"))
        except FieldValueError:
            raise _invalid(
                N_("Jadwal ke-%(number)s: waktu mulai dan selesai wajib diisi (TTTT-BB-HH JJ:MM)."), number=number
            ) from None
        try:
            ordered = datetime.fromisoformat(end) > datetime.fromisoformat(start)
        except TypeError:  # one aware, one naive
            raise _invalid(N_("Jadwal ke-%(number)s tidak valid."), number=number) from None
        if not ordered:
            raise _invalid(N_("Jadwal ke-%(number)s: waktu selesai harus setelah waktu mulai."), number=number)
        location = item.get("location")
        slot = {"start": start, "end": end, "location": None if is_empty(location) else _text(location).strip()}
        slots.append(slot)
    return slots


def _bank_account(raw: Any, context: FieldContext) -> str:
    key = raw.strip() if isinstance(raw, str) else None
    if key not in context.bank_account_keys:
        raise _invalid(N_("Rekening tujuan tidak dikenal."))
    return key


def _file(spec: Mapping[str, Any], raw: Any) -> dict:
    if not isinstance(raw, UploadedFileInfo):
        raise _invalid(N_("Berkas tidak valid."))
    types = tuple(spec.get("types") or DEFAULT_FILE_TYPES)
    kind = FILE_KIND_ALIASES.get((raw.kind or "").lower(), (raw.kind or "").lower()) or None
    if kind not in types:
        raise _invalid(N_("Jenis file tidak diizinkan (hanya %(types)s)."), types=file_types_text(types))
    max_mb = spec.get("max_mb") or DEFAULT_MAX_MB
    if raw.size <= 0:
        raise _invalid(N_("File kosong."))
    if raw.size > max_mb * MEGABYTE:
        raise _invalid(N_("Ukuran file melebihi %(max_mb)s MB."), max_mb=format_number(max_mb))
    return {"filename": raw.filename, "size": raw.size, "kind": kind}


def _check_bounds(spec: Mapping[str, Any], value: Any) -> None:
    kind = spec.get("type")
    if kind in TEXT_TYPES and spec.get("max_length") is not None and len(value) > spec["max_length"]:
        raise _invalid(N_("Maksimal %(max_length)s karakter."), max_length=format_number(spec["max_length"]))
    if kind in TEXT_TYPES and spec.get("pattern") and not matches(spec["pattern"], value):
        if spec.get("pattern_message"):
            raise _invalid("%(text)s", text=label_text(spec["pattern_message"]))
        raise _invalid(N_("Isian tidak sesuai format yang diminta."))
    if kind in NUMBER_TYPES:
        if spec.get("min") is not None and value < spec["min"]:
            raise _invalid(N_("Nilai minimal %(min)s."), min=format_number(spec["min"]))
        if spec.get("max") is not None and value > spec["max"]:
            raise _invalid(N_("Nilai maksimal %(max)s."), max=format_number(spec["max"]))
    if kind in DATE_TYPES:
        if spec.get("min") is not None and _comparable(value) < _comparable(spec["min"]):
            raise _invalid(N_("Tidak boleh sebelum %(min)s."), min=spec["min"])
        if spec.get("max") is not None and _comparable(value) > _comparable(spec["max"]):
            raise _invalid(N_("Tidak boleh setelah %(max)s."), max=spec["max"])


def _comparable(iso: str) -> str:
    """Date/datetime ISO strings compare correctly as text once ``T`` is the separator."""
    return str(iso).replace(" ", "T")


def clean_value(spec: Mapping[str, Any], raw: Any, context: FieldContext) -> Any:
    """One non-empty raw value of a field, cleaned and typed; raises FieldValueError."""
    kind = spec.get("type")
    if kind in TEXT_TYPES:
        value = _text(raw).strip()
    elif kind == "number":
        value = _number(raw)
    elif kind == "integer":
        value = _integer(raw)
    elif kind == "money":
        value = _money(raw)
    elif kind == "date":
        value = _date(raw)
    elif kind == "datetime":
        value = _datetime(raw)
    elif kind == "select":
        value = _select(spec, raw)
    elif kind == "checkbox":
        value = _checkbox(raw)
    elif kind == "email":
        value = clean_email(raw)
    elif kind == "phone":
        value = clean_phone(raw)
    elif kind == "nik":
        value = clean_nik(raw)
    elif kind == "npwp":
        value = clean_npwp(raw)
    elif kind == "ntpn":
        value = clean_ntpn(raw)
    elif kind == "billing_code":
        value = clean_billing_code(raw)
    elif kind == "coordinates":
        value = _coordinates(raw)
    elif kind == "file":
        value = _file(spec, raw)
    elif kind == "assignee":
        value = _assignee(spec, raw, context)
    elif kind == "slots":
        value = _slots(raw)
    elif kind == "slot":
        value = _slot(raw, context)
    elif kind == "bank_account":
        value = _bank_account(raw, context)
    elif kind == "passphrase":  # kept as typed (never stripped); Decision.secret_fields flags it
        if not isinstance(raw, str):
            raise _invalid(N_("Isian tidak valid."))
        value = raw
    else:
        raise _invalid(N_("Isian tidak valid."))
    _check_bounds(spec, value)
    return value


def validate_fields(
    field_specs: Sequence[Mapping[str, Any]],
    values: Mapping[str, Any],
    files: Mapping[str, UploadedFileInfo] | None = None,
    *,
    context: FieldContext | None = None,
) -> tuple[dict, dict]:
    """Clean ``values`` (and ``files`` for file fields) against ``field_specs``.

    Returns ``(cleaned, errors)``. Keys not in the specs are ignored. A field whose ``show_if``
    does not hold is hidden: never required, its value dropped. ``show_if`` looks at earlier
    fields of the same form first, then at ``context.data`` (the application's data).
    """
    context = context or FieldContext()
    files = files or {}
    cleaned: dict[str, Any] = {}
    errors: dict[str, Message] = {}
    seen: dict[str, Any] = {}

    def lookup(key: str) -> Any:
        return seen[key] if key in seen else context.data.get(key)

    for spec in field_specs:
        key = spec["key"]
        if not condition_holds(spec.get("show_if"), lookup):
            seen[key] = None
            continue
        kind = spec.get("type")
        raw = files.get(key) if kind == "file" else values.get(key)
        if kind == "group":
            cleaned[key] = seen[key] = _group(spec, raw, errors, context)
            continue
        if kind == "checkbox":
            try:
                checked = _checkbox(raw)
            except FieldValueError as error:
                errors[key] = error.message
                seen[key] = None
                continue
            if spec.get("required") and not checked:
                errors[key] = Message(N_("Wajib dicentang."))
            cleaned[key] = seen[key] = checked
            continue
        empty = raw in (None, "") if kind == "passphrase" else is_empty(raw)
        if empty:
            if spec.get("required"):
                errors[key] = Message(N_("Wajib diisi."))
            cleaned[key] = seen[key] = None
            continue
        try:
            value = clean_value(spec, raw, context)
        except FieldValueError as error:
            errors[key] = error.message
            seen[key] = None
            continue
        cleaned[key] = seen[key] = value
    _check_dates(field_specs, cleaned, errors, lookup, context)
    _check_comparisons(field_specs, cleaned, errors, lookup, context)
    return cleaned, errors


def _check_dates(field_specs: Sequence[Mapping[str, Any]], cleaned: dict, errors: dict,
                 lookup: Callable[[str], Any], context: FieldContext) -> None:
    """The date constraints between values: ``not_future: true`` (not after today in the agency's
    zone) and ``after: <field>`` (on or after that field's date, from this form or the application)."""
    labels = {**context.labels, **{spec["key"]: spec.get("label") for spec in field_specs}}
    today = None
    for spec in field_specs:
        key, value = spec["key"], cleaned.get(spec["key"])
        if key in errors or value in (None, "") or spec.get("type") not in DATE_TYPES:
            continue
        if spec.get("not_future"):
            today = today or context.today or local_today()
            if str(value)[:10] > today:
                errors[key] = Message(N_("Tanggal tidak boleh melewati hari ini."))
                continue
        other = spec.get("after")
        if other:
            other_value = lookup(other)
            mine, theirs = _comparable(value), _comparable(other_value or "")
            if len(mine) == 10 or len(theirs) == 10:   # a date against a date and time: compare the days
                mine, theirs = mine[:10], theirs[:10]
            if other_value not in (None, "") and other not in errors and mine < theirs:
                errors[key] = Message(N_("Tidak boleh sebelum %(other)s."),
                                      other=label_text(labels.get(other)) or other)


# ---------------------------------------------------------------- fields (issue 13): comparisons

def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check_comparisons(field_specs: Sequence[Mapping[str, Any]], cleaned: dict, errors: dict,
                       lookup: Callable[[str], Any], context: FieldContext) -> None:
    """``before: <field>`` (a date on or before that field's date) and ``min_field``/``max_field``
    (a number not below/above that field's number), the message on the field that carries the
    constraint and naming the other field's label; skipped while the other field is empty, hidden
    or itself invalid."""
    labels = {**context.labels, **{spec["key"]: spec.get("label") for spec in field_specs}}
    for spec in field_specs:
        key, value = spec["key"], cleaned.get(spec["key"])
        if key in errors or value in (None, ""):
            continue
        for name in ("before", "min_field", "max_field"):
            other = spec.get(name)
            if not other or other in errors:
                continue
            theirs = lookup(other)
            if theirs in (None, ""):
                continue
            other_label = label_text(labels.get(other)) or other
            if name == "before" and spec.get("type") in DATE_TYPES:
                mine, theirs = _comparable(value), _comparable(theirs)
                if len(mine) == 10 or len(theirs) == 10:   # a date against a date and time: compare the days
                    mine, theirs = mine[:10], theirs[:10]
                if mine > theirs:
                    errors[key] = Message(N_("Tidak boleh setelah %(other)s."), other=other_label)
            elif name != "before" and _is_number(value) and _is_number(theirs):
                if name == "min_field" and value < theirs:
                    errors[key] = Message(N_("Tidak boleh kurang dari %(other)s."), other=other_label)
                elif name == "max_field" and value > theirs:
                    errors[key] = Message(N_("Tidak boleh lebih dari %(other)s."), other=other_label)
            if key in errors:
                break


# ---------------------------------------------------------------- fields (issue 13): repeatable groups


def row_is_blank(sub_specs: Sequence[Mapping[str, Any]], row: Any) -> bool:
    """A row whose sub-fields are all blank (an unticked checkbox is blank): dropped, never an error."""
    if not isinstance(row, Mapping):
        return row in (None, "")
    return all(is_empty(row.get(sub["key"])) or row.get(sub["key"]) is False for sub in sub_specs)


def _group(spec: Mapping[str, Any], raw: Any, errors: dict, context: FieldContext) -> list[dict]:
    """The rows of a group field, each cleaned like a form of its own (``show_if`` looks at the row,
    then at the application's data). A row's errors are keyed ``<group>.<n>.<sub-field>`` with ``n``
    the row's position as submitted (1-based, blank rows counted, so a re-rendered form puts each
    message on its own row); blank rows are dropped; the row count limits are on the group's key."""
    key, sub_specs = spec["key"], list(spec.get("fields") or ())
    if raw in (None, ""):
        raw = []
    if isinstance(raw, Mapping):   # {"1": {...}, "2": {...}} as some clients send arrays
        try:
            raw = [raw[index] for index in sorted(raw, key=int)]
        except (TypeError, ValueError):
            raw = None
    if not isinstance(raw, (list, tuple)):
        errors[key] = Message(N_("Isian tidak valid."))
        return []
    max_items = spec.get("max_items") or DEFAULT_GROUP_MAX_ITEMS
    if len(raw) > max_items + 1 + MAX_BLANK_GROUP_ROWS:
        errors[key] = Message(N_("Paling banyak %(n)s baris."), n=format_number(max_items))
        return []
    rows: list[dict] = []
    row_context = FieldContext(data=context.data, today=context.today,
                               labels={sub["key"]: sub.get("label") for sub in sub_specs})
    for number, row in enumerate(raw, start=1):
        if row_is_blank(sub_specs, row):
            continue
        if not isinstance(row, Mapping):
            errors[f"{key}.{number}"] = Message(N_("Baris tidak valid."))
            continue
        cleaned_row, row_errors = validate_fields(sub_specs, row, context=row_context)
        for sub_key, message in row_errors.items():
            errors[f"{key}.{number}.{sub_key}"] = message
        rows.append(cleaned_row)
    if not rows and spec.get("required"):
        errors.setdefault(key, Message(N_("Wajib diisi.")))
    elif len(rows) < (spec.get("min_items") or 0):
        errors.setdefault(key, Message(N_("Paling sedikit %(n)s baris."), n=format_number(spec["min_items"])))
    elif len(rows) > max_items:
        errors.setdefault(key, Message(N_("Paling banyak %(n)s baris."), n=format_number(max_items)))
    return rows
