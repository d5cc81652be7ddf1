"""app.core.formatting: one way to write a time (in the agency's zone, with WIB / WITA / WIT), a date,
a number, an amount and a phone number; naive datetimes refused at the formatter and at the
database; deadlines in days end with a working day in the agency's zone."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from app.core.formatting import (NaiveDatetimeError, format_address, format_date, format_datetime, format_money,
                            format_number, format_phone, format_time, from_local, isoformat, parse_datetime,
                            tidy_sentence, zone_name)

UTC = timezone.utc
ZONES = [  # (IANA key, name, hours ahead of UTC)
    ("Asia/Jakarta", "WIB", 7),
    ("Asia/Pontianak", "WIB", 7),
    ("Asia/Makassar", "WITA", 8),
    ("Asia/Jayapura", "WIT", 9),
]


@pytest.mark.parametrize("zone, name, hours", ZONES)
def test_new_years_eve_23_30_local_in_each_zone(zone, name, hours):
    """31 Dec 23:30 local is still 2026 there, while UTC (and the zone to the east) may already be
    in 2027: the day, the month, the year and the zone's name all come from the local time."""
    utc = datetime(2026, 12, 31, 23 - hours, 30, tzinfo=UTC)
    assert format_datetime(utc, zone) == f"31 Desember 2026, 23.30 {name}"
    assert format_datetime(utc, zone, locale="en") == f"31 December 2026, 23:30 {name}"
    assert format_date(utc, zone) == "31 Desember 2026"
    assert format_time(utc, zone) == f"23.30 {name}"
    assert isoformat(utc, zone) == f"2026-12-31T23:30:00+{hours:02d}:00"
    # one hour later it is New Year's Day in that zone
    later = utc + timedelta(hours=1)
    assert format_datetime(later, zone) == f"1 Januari 2027, 00.30 {name}"
    assert format_date(later, zone) == "1 Januari 2027"


@pytest.mark.parametrize("zone, name, hours", ZONES)
def test_23_30_utc_on_new_years_eve_is_already_next_year_in_indonesia(zone, name, hours):
    utc = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)
    assert format_datetime(utc, zone) == f"1 Januari 2027, {hours - 1:02d}.30 {name}"
    assert isoformat(utc, zone) == f"2027-01-01T{hours - 1:02d}:30:00+{hours:02d}:00"
    assert format_datetime(utc, "UTC") == "31 Desember 2026, 23.30 UTC"


def test_every_indonesian_month_name_and_english_when_english_is_chosen():
    months = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
              "Oktober", "November", "Desember"]
    for number, month in enumerate(months, start=1):
        assert format_date(date(2026, number, 5)) == f"5 {month} 2026"
    assert format_date(date(2026, 8, 17), locale="en") == "17 August 2026"


def test_a_zone_is_an_agency_an_application_or_a_key():
    class Agency:
        timezone = "Asia/Makassar"

    class Application:
        agency = Agency()

    when = datetime(2026, 11, 29, 17, 29, tzinfo=UTC)
    expected = "30 November 2026, 01.29 WITA"
    assert format_datetime(when, Agency()) == format_datetime(when, "Asia/Makassar") == expected
    assert format_datetime(when, Application()) == expected
    assert format_datetime(when) == "30 November 2026, 00.29 WIB"           # the platform's default
    assert format_datetime(None) == "-"
    assert zone_name("Europe/Berlin", when) == "UTC+01:00"


@pytest.mark.parametrize("value", [
    datetime(2026, 11, 29, 17, 29),
    datetime(2026, 12, 31, 23, 30, 59),
])
@pytest.mark.parametrize("formatter", [format_datetime, format_date, format_time, isoformat])
def test_naive_datetimes_are_refused_by_every_formatter(formatter, value):
    with pytest.raises(NaiveDatetimeError):
        formatter(value, "Asia/Makassar")


def test_stored_iso_text_without_offset_is_utc_and_typed_local_time_is_the_agencys():
    assert parse_datetime("2026-12-07T15:59:59") == datetime(2026, 12, 7, 15, 59, 59, tzinfo=UTC)
    assert parse_datetime("2026-12-07T23:59:59+08:00") == datetime(2026, 12, 7, 15, 59, 59, tzinfo=UTC)
    assert parse_datetime("2026-12-07") == date(2026, 12, 7)
    assert from_local(datetime(2026, 12, 8, 9, 0), "Asia/Jayapura") == datetime(2026, 12, 8, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize("value, locale, text", [
    (12.5, "id", "12,5"), ("12.5", "id", "12,5"), (50000, "id", "50.000"), ("50000.00", "id", "50.000"),
    (1234567.25, "id", "1.234.567,25"), (12.5, "en", "12.5"), (50000, "en", "50,000"),
    ("", "id", "-"), ("andesit", "id", "andesit"),
])
def test_numbers_in_the_readers_language(value, locale, text):
    assert format_number(value, locale=locale) == text


@pytest.mark.parametrize("value, text", [
    (1500000, "Rp 1.500.000"), ("1500000.00", "Rp 1.500.000"), (0, "Rp 0"), ("1500.5", "Rp 1.500,50"),
])
def test_money(value, text):
    assert format_money(value) == text


@pytest.mark.parametrize("value, text", [
    ("6281254321987", "+62 812-5432-1987"),
    ("081254321987", "+62 812-5432-1987"),
    ("+62 812 5432 1987", "+62 812-5432-1987"),
    ("0851-8689-8689", "+62 851-8689-8689"),
    ("", "-"),
    ("bukan nomor", "bukan nomor"),
])
def test_phone_numbers(value, text):
    assert format_phone(value) == text


def test_greeting_keeps_one_full_stop_after_a_title_and_leaves_an_ellipsis():
    assert tidy_sentence("atas nama Rina Kartikasari, S.Si..") == "atas nama Rina Kartikasari, S.Si."
    assert tidy_sentence("Mohon tunggu...") == "Mohon tunggu..."


def test_address_names_village_district_regency_and_province_once():
    assert format_address("Jl. Basuki Rahmat No. 56", "Sidodadi", "Samarinda Ulu", "Kota Samarinda",
                          "Kalimantan Timur", "75123") == \
        "Jl. Basuki Rahmat No. 56, Sidodadi, Samarinda Ulu, Kota Samarinda, Kalimantan Timur 75123"
    assert format_address("Jl. Mawar 1", "", "", "Kota Samarinda", "Kota Samarinda") == "Jl. Mawar 1, Kota Samarinda"


def test_a_typed_date_time_is_the_offices_wall_clock_time():
    from app.core.formatting import typed_datetime

    assert typed_datetime("2026-12-08T09:00", "Asia/Makassar") == "8 Desember 2026, 09.00 WITA"
    assert typed_datetime("2026-12-31T23:30", "Asia/Jayapura") == "31 Desember 2026, 23.30 WIT"
    assert typed_datetime("bukan tanggal", "Asia/Jakarta") == "bukan tanggal"
