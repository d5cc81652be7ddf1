"""Number patterns such as MELASTI's ``48/L.Data/29/VII/24`` or Kaltim's hex receipt ``6F632D``.

Plain Python: ``sequence_scope`` names the counter a number draws from, ``format_number`` fills
the pattern. Allocating the counter value (and retrying a random ``{hex6}`` that is already
taken) is the caller's job, inside its transaction.
"""
from __future__ import annotations

import re
import secrets
from datetime import datetime

from app.rules.vocabulary import NUMBERING_SCOPES, NUMBERING_TOKEN_RE, NUMBERING_TOKENS

TOKEN_RE = NUMBERING_TOKEN_RE
KNOWN_TOKENS = set(NUMBERING_TOKENS)
SCOPES = NUMBERING_SCOPES
ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"]


def pattern_problems(pattern: str) -> list[str]:
    """Why ``pattern`` is not a usable numbering pattern (empty list when it is)."""
    problems = []
    tokens = [m.group(1) for m in TOKEN_RE.finditer(pattern)]
    for token in tokens:
        if token not in KNOWN_TOKENS:
            problems.append(f"unknown token '{{{token}}}' in pattern '{pattern}'")
    if "seq" not in tokens and "hex6" not in tokens:
        problems.append(f"pattern '{pattern}' has neither {{seq}} nor {{hex6}}, so numbers repeat")
    leftover = TOKEN_RE.sub("", pattern)
    if "{" in leftover or "}" in leftover:
        problems.append(f"unbalanced braces in pattern '{pattern}'")
    return problems


# The receipt of a service whose rules name no ``receipt_numbering``: random, so the receipt the
# customer is shown on submission is enough to track the application at /lacak.
DEFAULT_RECEIPT_KEY = "_receipt"
DEFAULT_RECEIPT_NUMBERING = {"pattern": "{agency}-{hex6}", "per": []}


def receipt_numbering(rules_data: dict, service_spec: dict) -> tuple[str, dict]:
    """(key, numbering) a service's receipts are drawn from: its ``receipt_numbering``, else the
    platform's random default, so every submitted application has a real receipt."""
    key = service_spec.get("receipt_numbering")
    numbering = (rules_data.get("numbering") or {}).get(key or "")
    if key and numbering:
        return key, numbering
    return DEFAULT_RECEIPT_KEY, DEFAULT_RECEIPT_NUMBERING


def has_random_part(pattern: str) -> bool:
    """True when numbers of ``pattern`` carry a random part (``{hex6}``), so knowing one number
    does not let anyone guess the next; a pattern of dates and a counter is guessable."""
    return any(m.group(1) == "hex6" for m in TOKEN_RE.finditer(pattern))


def uses_sequence(pattern: str) -> bool:
    return any(m.group(1) == "seq" for m in TOKEN_RE.finditer(pattern))


def sequence_scope(key: str, per: list[str] | tuple[str, ...], when: datetime,
                   agency: str = "", service: str = "") -> str:
    """The name of the counter: one per numbering key and per each ``per`` dimension."""
    parts = [key]
    for dim in per:
        parts.append({
            "agency": f"a={agency}",
            "service": f"s={service}",
            "year": f"y={when:%Y}",
            "month": f"m={when:%Y-%m}",
            "day": f"d={when:%Y-%m-%d}",
        }[dim])
    return "|".join(parts)


def format_number(pattern: str, *, when: datetime, seq: int | None = None,
                  agency: str = "", service: str = "", hex6: str | None = None) -> str:
    def fill(match: re.Match) -> str:
        token, width = match.group(1), match.group(2)
        if token == "seq":
            if seq is None:
                raise ValueError("pattern needs a sequence value")
            return str(seq).zfill(int(width)) if width else str(seq)
        if token == "hex6":
            return hex6 or random_hex6()
        return {
            "dd": f"{when:%d}",
            "mm": f"{when:%m}",
            "roman_month": ROMAN[when.month - 1],
            "yy": f"{when:%y}",
            "yyyy": f"{when:%Y}",
            "agency": agency,
            "service": service,
        }[token]

    return TOKEN_RE.sub(fill, pattern)


def random_hex6() -> str:
    return secrets.token_hex(3).upper()
