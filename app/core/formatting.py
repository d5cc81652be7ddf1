"""The one place that turns times, dates, numbers, money and phone numbers into text.

Times are stored in UTC and reach the code as timezone-aware datetimes (``models.base.UTCDateTime``).
Every time of an application is shown in its **agency's** time zone with the zone's Indonesian name
(WIB / WITA / WIT) — on the back office, the portal, ``/lacak``, emails, WhatsApp, the inbox, PDFs,
the Excel export — and the API gives ISO 8601 with the agency's offset. Month names, digits and
separators follow the reader's language through Babel (Indonesian by default).

No Flask needed: the locale comes from the caller, else from Flask-Babel when a request is active,
else Indonesian. A naive datetime is refused (``NaiveDatetimeError``): it would be shown in a zone
nobody can name.
"""
from __future__ import annotations

import re
from datetime import date, datetime, time, timezone
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_date as _babel_date
from babel.dates import format_datetime as _babel_datetime
from babel.numbers import format_decimal as _babel_decimal

DEFAULT_TIMEZONE = "Asia/Jakarta"
DEFAULT_LOCALE = "id"
UTC = timezone.utc

# Indonesia's three zones by their official names (Keppres 41/1987); every IANA alias of each.
ZONE_NAMES = {
    "Asia/Jakarta": "WIB", "Asia/Pontianak": "WIB",
    "Asia/Makassar": "WITA", "Asia/Ujung_Pandang": "WITA",
    "Asia/Jayapura": "WIT",
    "UTC": "UTC", "Etc/UTC": "UTC",
}

# Babel patterns per language: the date as a citizen writes it, the time as the language writes it
# (Indonesian 09.30, English 09:30), always 24-hour.
DATE_PATTERN = "d MMMM y"
TIME_PATTERNS = {"id": "HH.mm", "en": "HH:mm"}


class NaiveDatetimeError(TypeError):
    """A datetime without a time zone: nobody could tell which local time it is."""

    def __init__(self, value: datetime):
        super().__init__(f"naive datetime {value.isoformat()} (times must carry a time zone; stored times are UTC)")


# ------------------------------------------------------------------ zones


def default_zone_key() -> str:
    """The platform's zone for what belongs to no agency (the security log, platform-level rows):
    the ``DEFAULT_TIMEZONE`` setting when an app is active, else WIB (``Asia/Jakarta``). Times in
    it are still written with its name (``WIB``) or offset, never bare."""
    try:
        from flask import current_app, has_app_context
        if has_app_context():
            return current_app.config.get("DEFAULT_TIMEZONE") or DEFAULT_TIMEZONE
    except ImportError:  # pragma: no cover - Flask is a dependency
        pass
    return DEFAULT_TIMEZONE


def zone_key(zone: Any = None) -> str:
    """The IANA key of ``zone``: a key, an agency (``.timezone``), an application (``.agency``),
    a ZoneInfo, or None (the platform's default zone, ``default_zone_key``)."""
    if zone is None or zone == "":
        return default_zone_key()
    if isinstance(zone, str):
        return zone
    if isinstance(zone, ZoneInfo):
        return zone.key
    if hasattr(zone, "timezone"):            # Agency
        return zone.timezone or default_zone_key()
    if hasattr(zone, "agency"):              # Application (or anything belonging to an agency)
        return zone_key(zone.agency)
    raise TypeError(f"not a time zone: {zone!r}")


def tzinfo(zone: Any = None) -> ZoneInfo:
    key = zone_key(zone)
    try:
        return ZoneInfo(key)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(default_zone_key())


def zone_name(zone: Any = None, at: datetime | None = None) -> str:
    """``WIB`` / ``WITA`` / ``WIT`` for Indonesia's zones; ``UTC+hh:mm`` for any other."""
    key = zone_key(zone)
    if key in ZONE_NAMES:
        return ZONE_NAMES[key]
    offset = (at or datetime.now(UTC)).astimezone(tzinfo(key)).utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset else 0
    sign = "+" if minutes >= 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


# ------------------------------------------------------------------ datetimes


def require_aware(value: datetime) -> datetime:
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise NaiveDatetimeError(value)
    return value


def as_utc(value: datetime) -> datetime:
    """``value`` (aware) in UTC; a naive value raises NaiveDatetimeError."""
    return require_aware(value).astimezone(UTC)


def localize(value: datetime, zone: Any = None) -> datetime:
    """An aware ``value`` in ``zone`` (default: the zone it already carries, if it is not UTC)."""
    require_aware(value)
    if zone is None and isinstance(value.tzinfo, ZoneInfo) and value.tzinfo.key not in ("UTC", "Etc/UTC"):
        return value
    return value.astimezone(tzinfo(zone))


def from_local(value: datetime, zone: Any = None) -> datetime:
    """A naive wall-clock time typed by someone in ``zone`` (a datetime-local input) → aware UTC."""
    if value.tzinfo is not None:
        return as_utc(value)
    return value.replace(tzinfo=tzinfo(zone)).astimezone(UTC)


def parse_datetime(value: Any) -> datetime | date | None:
    """A stored ISO text (JSON columns) as an aware datetime; legacy naive text is UTC by the
    platform's storage rule. A bare date stays a date."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if "T" not in text and " " not in text:
        return date.fromisoformat(text)
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def current_locale(locale: Any = None) -> str:
    if locale:
        return str(locale)
    try:
        from flask import has_request_context
        if has_request_context():
            from flask_babel import get_locale
            found = get_locale()
            if found is not None:
                return str(found)
    except ImportError:  # pragma: no cover - Flask-Babel is a dependency
        pass
    return DEFAULT_LOCALE


def _language(locale: str) -> str:
    return locale.split("_")[0].split("-")[0]


def format_datetime(value: Any, zone: Any = None, *, locale: Any = None, seconds: bool = False,
                    with_zone: bool = True) -> str:
    """``30 November 2026, 01.29 WITA`` (English: ``30 November 2026, 01:29 WITA``); ``-`` for none.

    ``value`` is an aware datetime (or stored ISO text); it is shown in ``zone`` (an agency, an
    application, an IANA key), else in the zone it carries, else in the platform's default zone."""
    value = parse_datetime(value) if isinstance(value, str) else value
    if value is None:
        return "-"
    if not isinstance(value, datetime):
        return format_date(value, locale=locale)
    local = localize(value, zone)
    loc = current_locale(locale)
    pattern = TIME_PATTERNS.get(_language(loc), "HH:mm") + (".ss" if seconds and _language(loc) == "id"
                                                           else ":ss" if seconds else "")
    text = _babel_datetime(local, f"{DATE_PATTERN}, {pattern}", tzinfo=local.tzinfo, locale=loc)
    return f"{text} {zone_name(local.tzinfo, local)}" if with_zone else text


def format_time(value: Any, zone: Any = None, *, locale: Any = None, with_zone: bool = True) -> str:
    """Only the time of day: ``01.29 WITA``."""
    value = parse_datetime(value) if isinstance(value, str) else value
    if not isinstance(value, datetime):
        return "-"
    local = localize(value, zone)
    loc = current_locale(locale)
    text = _babel_datetime(local, TIME_PATTERNS.get(_language(loc), "HH:mm"), tzinfo=local.tzinfo, locale=loc)
    return f"{text} {zone_name(local.tzinfo, local)}" if with_zone else text


def format_date(value: Any, zone: Any = None, *, locale: Any = None) -> str:
    """``30 November 2026``; a datetime is first put in ``zone`` (the day there, not in UTC)."""
    try:
        value = parse_datetime(value) if isinstance(value, str) else value
    except ValueError:
        return str(value)
    if value is None:
        return "-"
    if isinstance(value, datetime):
        value = localize(value, zone).date()
    if not isinstance(value, date):
        return str(value)
    return _babel_date(value, DATE_PATTERN, locale=current_locale(locale))


def typed_datetime(value: Any, zone: Any = None, *, locale: Any = None) -> str:
    """A date-time form value as it was typed (the office's wall-clock time, ISO text without an
    offset), written like every other time: ``8 Desember 2026, 09.00 WITA``."""
    try:
        parsed = datetime.fromisoformat(str(value)) if not isinstance(value, datetime) else value
    except ValueError:
        return str(value)
    return format_datetime(from_local(parsed, zone), zone, locale=locale)


def isoformat(value: datetime | None, zone: Any = None, *, timespec: str = "seconds") -> str | None:
    """ISO 8601 with the zone's offset, e.g. ``2026-11-30T01:29:00+08:00``; None stays None."""
    if value is None:
        return None
    return localize(value, zone).isoformat(timespec=timespec)


def local_date(value: datetime, zone: Any = None) -> date:
    return localize(value, zone).date()


# ------------------------------------------------------------------ numbers, money, phones


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None


def format_number(value: Any, *, locale: Any = None, digits: int | None = None) -> str:
    """``12,5`` and ``50.000`` in Indonesian (``12.5`` / ``50,000`` in English); text that is not a
    number is returned as it is."""
    number = _decimal(value)
    if number is None:
        return "-" if value in (None, "") else str(value)
    if digits is not None:
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        return _babel_decimal(number, format=pattern, locale=current_locale(locale))
    return _babel_decimal(number, locale=current_locale(locale), decimal_quantization=False)


def format_money(value: Any, *, locale: Any = None) -> str:
    """``Rp 1.500.000`` (cents only when there are any: ``Rp 1.500,50``)."""
    number = _decimal(value)
    if number is None:
        return "-" if value in (None, "") else str(value)
    digits = 0 if number == number.to_integral_value() else 2
    return "Rp " + format_number(number, locale=locale, digits=digits)


def format_phone(value: Any, region: str = "ID") -> str:
    """``6281254321987`` / ``081254321987`` → ``+62 812-5432-1987``; anything unparseable unchanged."""
    import phonenumbers

    text = "" if value is None else str(value).strip()
    if not text:
        return "-"
    candidate = text
    digits = re.sub(r"\D", "", text)
    if not text.startswith(("+", "0", "(")) and digits.startswith("62"):
        candidate = "+" + digits
    try:
        number = phonenumbers.parse(candidate, region)
    except phonenumbers.NumberParseException:
        return text
    if not phonenumbers.is_possible_number(number):
        return text
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def format_address(street: str = "", village: str = "", district: str = "", regency: str = "",
                   province: str = "", postal_code: str = "") -> str:
    """``Jl. Basuki Rahmat 56, Sidodadi, Samarinda Ulu, Kota Samarinda, Kalimantan Timur 75123``:
    the parts that are filled, each once (a street line that already names its town keeps it)."""
    parts: list[str] = []
    for part in (street, village, district, regency, province):
        part = (part or "").strip()
        if part and part.lower() not in (p.lower() for p in parts):
            parts.append(part)
    text = ", ".join(parts)
    postal = (postal_code or "").strip()
    return f"{text} {postal}".strip() if postal else text


def tidy_sentence(text: str) -> str:
    """One full stop after an abbreviation that ends a sentence: ``Sari, S.Si..`` → ``Sari, S.Si.``
    (an ellipsis ``...`` is left alone)."""
    return re.sub(r"(?<!\.)\.\.(?!\.)", ".", text or "")


END_OF_DAY = time(23, 59, 59)


# ------------------------------------------------------------------ Jinja


def _filter_zone(context, zone):
    if zone is not None:
        return zone
    for name in ("zone", "tz"):
        found = context.get(name) if context is not None else None
        if found:
            return found
    return None


def jinja_filters() -> dict:
    """The filters every template environment gets (app, portal, documents, notifications).

    ``waktu`` / ``tanggal`` / ``jam`` take an optional zone (an agency, an application or a key);
    without one, the template's ``zone`` variable, else the zone the value carries, else WIB."""
    from jinja2 import pass_context

    @pass_context
    def waktu(context, value, zone=None):
        return format_datetime(value, _filter_zone(context, zone), locale=context.get("locale"))

    @pass_context
    def tanggal(context, value, zone=None):
        return format_date(value, _filter_zone(context, zone), locale=context.get("locale"))

    @pass_context
    def jam(context, value, zone=None):
        return format_time(value, _filter_zone(context, zone), locale=context.get("locale"))

    @pass_context
    def angka(context, value, digits=None):
        return format_number(value, locale=context.get("locale"), digits=digits)

    @pass_context
    def rupiah(context, value):
        return format_money(value, locale=context.get("locale"))

    @pass_context
    def iso_waktu(context, value, zone=None):
        return isoformat(value, _filter_zone(context, zone)) or ""

    return {"waktu": waktu, "tanggal": tanggal, "jam": jam, "angka": angka, "rupiah": rupiah,
            "telepon": format_phone, "iso_waktu": iso_waktu, "zona": zone_name}


def install_filters(env) -> None:
    env.filters.update(jinja_filters())


def init_app(app) -> None:
    """Registers the filters on the app's (and so Flask-AppBuilder's and the portal's) templates."""
    install_filters(app.jinja_env)
    app.jinja_env.globals.setdefault("zone_name", zone_name)


# ---------------------------------------------------------------- document-only filters
# (here rather than in app.documents.render so that `rules check` compiles document templates with
# the same filters without importing the renderer)

_ONES = ["", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan",
         "sepuluh", "sebelas"]


def _words(n: int) -> str:
    if n < 12:
        return _ONES[n]
    if n < 20:
        return f"{_words(n - 10)} belas"
    if n < 100:
        return f"{_words(n // 10)} puluh {_words(n % 10)}".strip()
    if n < 200:
        return f"seratus {_words(n - 100)}".strip()
    if n < 1000:
        return f"{_words(n // 100)} ratus {_words(n % 100)}".strip()
    if n < 2000:
        return f"seribu {_words(n - 1000)}".strip()
    for size, name in ((10 ** 12, "triliun"), (10 ** 9, "miliar"), (10 ** 6, "juta"), (1000, "ribu")):
        if n >= size:
            return f"{_words(n // size)} {name} {_words(n % size)}".strip()
    return ""


def terbilang(value) -> str:
    """An amount of rupiah in Indonesian words, as written on a kuitansi: 435000 → "Empat ratus
    tiga puluh lima ribu rupiah"."""
    try:
        amount = int(round(float(value or 0)))
    except (TypeError, ValueError):
        return str(value)
    text = "nol" if amount == 0 else _words(abs(amount))
    text = " ".join(text.split())
    return ("minus " if amount < 0 else "") + text[:1].upper() + text[1:] + " rupiah"


def document_filters() -> dict:
    """The filters document templates get on top of ``jinja_filters()``."""
    return {"terbilang": terbilang}
