"""Numbering patterns: MELASTI's 48/L.Data/29/VII/24 and Kaltim's hex receipts."""
import re
from datetime import datetime

from app.workflow.numbering import format_number, pattern_problems, sequence_scope


def test_melasti_pattern():
    when = datetime(2024, 7, 29, 12, 57)
    assert format_number("{seq}/L.Data/{dd}/{roman_month}/{yy}", when=when, seq=48) == "48/L.Data/29/VII/24"


def test_padded_sequence_and_codes():
    when = datetime(2026, 2, 3)
    assert format_number("LHU-{seq:04}/{agency}/{service}/{mm}/{yyyy}", when=when, seq=7,
                         agency="BSPJI", service="UJI") == "LHU-0007/BSPJI/UJI/02/2026"


def test_hex6_receipt():
    number = format_number("{hex6}", when=datetime(2026, 1, 1))
    assert re.fullmatch(r"[0-9A-F]{6}", number)


def test_scopes_restart_per_service_and_year():
    a = sequence_scope("melasti", ["service", "year"], datetime(2026, 12, 31), service="DATA")
    b = sequence_scope("melasti", ["service", "year"], datetime(2027, 1, 1), service="DATA")
    c = sequence_scope("melasti", ["service", "year"], datetime(2026, 12, 31), service="LAB")
    assert len({a, b, c}) == 3


def test_bad_patterns():
    assert pattern_problems("{seq}/{dd}") == []
    assert any("neither" in p for p in pattern_problems("{dd}/{mm}"))
    assert any("unknown token" in p for p in pattern_problems("{seq}/{bogus}"))
