"""How the rules check words what it found: a value described for "tertulis …", "did you mean",
"X of Y". Shared by the structural walker and the models' own checks (``app.rules.format``), which
must not import each other."""
from __future__ import annotations

import difflib
from typing import Any, Iterable

from app.rules.messages import Message, N_


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
    """`` (did you mean 'x'?)`` when a close choice exists, else ``''``."""
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
