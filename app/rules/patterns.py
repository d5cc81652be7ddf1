"""Text fields' ``pattern``: a regular expression from the rules, matched against the whole value.

Rules are written by agency administrators, so a pattern is checked before it is used: it must
compile, stay short, use no back-references or look-arounds, and not put a repetition of variable
length inside an unbounded one (``(a+)+``, ``([a-z]+,)*``; a fixed count as in ``(\d{3}-)*`` is
fine), the shape behind catastrophic backtracking. Values are short
(a text field's ``max_length``, at most ``PATTERN_MAX_VALUE`` characters are matched).
"""
from __future__ import annotations

import re
from functools import lru_cache

try:  # Python 3.11+
    import re._parser as _sre_parse
except ImportError:  # pragma: no cover - older Pythons
    import sre_parse as _sre_parse  # type: ignore[no-redef]

from app.rules.messages import Message, N_

PATTERN_MAX_LENGTH = 200          # characters of the pattern itself
PATTERN_MAX_VALUE = 1000          # longer values are refused before matching
_REPEATS = {_sre_parse.MAX_REPEAT, _sre_parse.MIN_REPEAT}
_UNSAFE = {_sre_parse.GROUPREF, _sre_parse.GROUPREF_EXISTS, _sre_parse.ASSERT, _sre_parse.ASSERT_NOT}


def _walk(items, inside_repeat: bool) -> str | None:
    """``"nested"`` for a repetition inside an unbounded one, ``"unsupported"`` for
    back-references and look-arounds, else None."""
    for op, arg in items:
        if op in _UNSAFE:
            return "unsupported"
        if op in _REPEATS:
            _low, high, body = arg
            unbounded = high == _sre_parse.MAXREPEAT or high > 10
            if inside_repeat and high != _low:   # a fixed count inside (\d{3}-)* is fine
                return "nested"
            found = _walk(body, inside_repeat or unbounded)
            if found:
                return found
        elif op == _sre_parse.SUBPATTERN:
            found = _walk(arg[-1], inside_repeat)
            if found:
                return found
        elif op == _sre_parse.BRANCH:
            for branch in arg[1]:
                found = _walk(branch, inside_repeat)
                if found:
                    return found
    return None


def pattern_problem(pattern: str) -> Message | None:
    """Why ``pattern`` cannot be used as a field pattern (an Indonesian message), or None."""
    if len(pattern) > PATTERN_MAX_LENGTH:
        return N_("pola terlalu panjang (paling banyak %(max)s karakter)", max=PATTERN_MAX_LENGTH)
    try:
        parsed = _sre_parse.parse(pattern)
        re.compile(pattern)
    except (re.error, OverflowError, RecursionError) as error:
        return N_("pola bukan ekspresi reguler yang sah: %(error)s", error=str(error))
    found = _walk(parsed, False)
    if found == "nested":
        return N_("pola mengulang sesuatu yang sudah berulang (mis. (a+)+), yang dapat membuat pencocokan sangat lambat")
    if found == "unsupported":
        return N_("pola tidak boleh memakai rujukan balik atau lookahead/lookbehind")
    return None


@lru_cache(maxsize=256)
def compiled(pattern: str) -> re.Pattern:
    """The compiled pattern (a checked one: the loader refused the others)."""
    return re.compile(pattern)


def matches(pattern: str, value: str) -> bool:
    """The whole value matches (anchored at both ends, whatever the pattern says)."""
    return len(value) <= PATTERN_MAX_VALUE and compiled(pattern).fullmatch(value) is not None
