"""Rules-check messages kept untranslated until they are shown.

The loader runs without Flask (``python -m app.rules.check``, app start-up), so a problem holds a
``Message``: an Indonesian template (the catalogs' source language) plus its values, which may be
messages themselves (``what`` = "status 'x' dari alur 'y'"). ``render(message, locale)`` translates
the template and every nested value with the app's catalogs (app/translations) — the CLI with
``--lang``/``LANG``, the rules screen with the user's locale. ``str(message)`` is the Indonesian text.
"""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

from babel.support import NullTranslations, Translations

TRANSLATIONS_DIR = Path(__file__).resolve().parents[1] / "translations"
SUPPORTED_LOCALES = ("id", "en")
DEFAULT_LOCALE = "id"


class Message:
    """An Indonesian template with named placeholders (``%(name)s``) and their values."""

    __slots__ = ("template", "params")

    def __init__(self, template: str, **params: Any) -> None:
        self.template = template
        self.params = params

    def render(self, gettext: Callable[[str], str]) -> str:
        text = gettext(self.template)
        if not self.params:
            return text
        return text % {name: _value(value, gettext) for name, value in self.params.items()}

    def _key(self) -> tuple:
        return (self.template, tuple(sorted((k, repr(v)) for k, v in self.params.items())))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Message) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __str__(self) -> str:
        return self.render(lambda template: template)

    def __repr__(self) -> str:
        return f"Message({str(self)!r})"


def _value(value: Any, gettext: Callable[[str], str]) -> Any:
    return value.render(gettext) if isinstance(value, Message) else value


def N_(template: str, **params: Any) -> Message:
    """Mark a rules message for the catalogs (``pybabel extract -k N_``) and keep it untranslated."""
    return Message(template, **params)


@lru_cache(maxsize=None)
def translations(locale: str) -> NullTranslations:
    if locale == DEFAULT_LOCALE:  # the source language: the templates are the text
        return NullTranslations()
    return Translations.load(str(TRANSLATIONS_DIR), [locale], domain="messages")


def render(message: Any, locale: str | None = None) -> str:
    """The message in ``locale`` (Indonesian when None or unknown); plain strings pass through."""
    if not isinstance(message, Message):
        return str(message)
    chosen = locale if locale in SUPPORTED_LOCALES else DEFAULT_LOCALE
    return message.render(translations(chosen).gettext)


def cli_locale(option: str | None = None, configured: str | None = None) -> str:
    """The CLI's language: ``--lang``, else ``LANG`` when it names a supported locale (``en_US.UTF-8``),
    else the configured default (``BABEL_DEFAULT_LOCALE``), else Indonesian."""
    for candidate in (option, os.environ.get("LANG", ""), configured):
        code = (candidate or "").split(".")[0].split("_")[0].lower()
        if code in SUPPORTED_LOCALES:
            return code
    return DEFAULT_LOCALE
