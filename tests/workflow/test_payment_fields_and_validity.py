"""The treasurer's field types (billing code, NTPN) and the validity arithmetic: plain unit tests."""
from __future__ import annotations

from datetime import date

import pytest

from app.workflow.fields import validate_fields
from app.workflow.validity import add_months, due_reminder, next_reminder_on, validity_dates

BILLING = [{"key": "kode", "label": "Kode billing", "type": "billing_code", "required": True}]
NTPN = [{"key": "ntpn", "label": "NTPN", "type": "ntpn", "required": True}]


@pytest.mark.parametrize("raw, expected", [
    ("820261121000001", "820261121000001"),
    (" 8202 6112 1000 001 ", "820261121000001"),   # grouped as printed on a SIMPONI slip
    ("820-261-121-000-001", "820261121000001"),
])
def test_billing_code_accepts_fifteen_digits_as_typed(raw, expected):
    cleaned, errors = validate_fields(BILLING, {"kode": raw})
    assert errors == {} and cleaned["kode"] == expected


@pytest.mark.parametrize("raw, message", [
    ("82026112100000", "Kode billing harus 15 digit angka."),              # 14 digits
    ("8202611210000012", "Kode billing harus 15 digit angka."),            # 16 digits
    ("82026112100000A", "Kode billing hanya boleh berisi angka."),
    ("٨٢٠٢٦١١٢١٠٠٠٠٠١", "Kode billing hanya boleh berisi angka."),        # Arabic-Indic digits
    ("820261121000001; DROP TABLE payment", "Kode billing hanya boleh berisi angka."),
    ("+82026112100000", "Kode billing hanya boleh berisi angka."),
    ("8.2e14", "Kode billing hanya boleh berisi angka."),
    ("", "Wajib diisi."),
    ("   ", "Wajib diisi."),
])
def test_billing_code_refuses_anything_but_fifteen_ascii_digits(raw, message):
    cleaned, errors = validate_fields(BILLING, {"kode": raw})
    assert str(errors["kode"]) == message


@pytest.mark.parametrize("raw, expected", [
    ("0a1b2c3d4e5f6g7h", "0A1B2C3D4E5F6G7H"),
    ("0A1B 2C3D 4E5F 6G7H", "0A1B2C3D4E5F6G7H"),
])
def test_ntpn_is_sixteen_letters_or_digits_upper_cased(raw, expected):
    cleaned, errors = validate_fields(NTPN, {"ntpn": raw})
    assert errors == {} and cleaned["ntpn"] == expected


@pytest.mark.parametrize("raw", ["0A1B2C3D4E5F6G7", "0A1B2C3D4E5F6G7H8", "0A1B2C3D4E5F6G7!", "0A1B2C3D4E5F6G<s>",
                                 "ÄA1B2C3D4E5F6G7H", "' OR 1=1 --------"])
def test_ntpn_refuses_other_lengths_and_symbols(raw):
    _, errors = validate_fields(NTPN, {"ntpn": raw})
    assert str(errors["ntpn"]) == "NTPN harus 16 karakter huruf atau angka."


@pytest.mark.parametrize("spec, issued, values, expected", [
    ({"years": 5, "from": "signed"}, date(2026, 11, 30), {}, (date(2026, 11, 30), date(2031, 11, 29))),
    ({"years": 1, "from": "issued"}, date(2028, 2, 29), {}, (date(2028, 2, 29), date(2029, 2, 27))),
    ({"months": 6}, date(2026, 8, 31), {}, (date(2026, 8, 31), date(2027, 2, 27))),
    ({"days": 30}, date(2026, 12, 15), {}, (date(2026, 12, 15), date(2027, 1, 13))),
    ({"years": 1, "from": "field:tanggal"}, date(2026, 11, 30), {"tanggal": "2026-11-20"},
     (date(2026, 11, 20), date(2027, 11, 19))),
    ({"years": 1, "from": "field:tanggal"}, date(2026, 11, 30), {}, (None, None)),
    (None, date(2026, 11, 30), {}, (None, None)),
])
def test_validity_runs_the_period_from_its_start_through_the_day_before(spec, issued, values, expected):
    assert validity_dates(spec, issued, values) == expected


def test_add_months_falls_back_to_the_last_day_of_the_month():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 11, 30), 14) == date(2028, 1, 30)


@pytest.mark.parametrize("days_left, sent, expected", [
    (90, [], (None, [])),             # before the first threshold
    (60, [], (60, [60])),
    (45, [60], (None, [])),           # 60 already sent, 30 not reached
    (30, [60], (30, [30])),
    (10, [], (30, [30, 60])),         # the tick was off: only the nearest one, the missed one is covered
    (10, [30, 60], (None, [])),       # once per document and reminder
    (-1, [], (None, [])),             # expired: no more reminders
])
def test_due_reminder_sends_each_threshold_once(days_left, sent, expected):
    assert due_reminder([60, 30], sent, days_left) == expected


@pytest.mark.parametrize("sent, expected", [
    ([], date(2031, 9, 30)), ([60], date(2031, 10, 30)), ([30, 60], None), ([30], date(2031, 9, 30)),
])
def test_next_reminder_day_is_the_furthest_threshold_not_sent(sent, expected):
    assert next_reminder_on(date(2031, 11, 29), [60, 30], sent) == expected
    assert next_reminder_on(None, [60, 30], sent) is None
