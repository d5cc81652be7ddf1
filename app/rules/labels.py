"""The one resolver for the labels the rules give (services, states, actions, fields, documents, …).

A label is a plain text (Indonesian) or ``{id: ..., en: ...}``. ``rules_label`` gives the text in the
language being shown: the staff member's or customer's selected language inside a request,
Indonesian elsewhere (notifications, the citizen's documents, the worker). A missing or unknown
language falls back to Indonesian. Templates call it as the ``rules_label`` filter.
"""
from __future__ import annotations

from typing import Any

from app.workflow.fields import label_text

DEFAULT_LANGUAGE = "id"


def display_language(locale: Any = None) -> str:
    """The language code of ``locale`` or, when None, of the request being answered (``id`` outside one)."""
    from app.core.formatting import current_locale
    return str(current_locale(locale) or DEFAULT_LANGUAGE).replace("-", "_").split("_")[0].lower() or DEFAULT_LANGUAGE


def rules_label(label: Any, language: Any = None, default: str = "") -> str:
    """The text of a rules label in ``language`` (None: the language being shown), Indonesian as fallback."""
    return label_text(label, display_language(language)) or default


def init_app(app) -> None:
    app.add_template_filter(rules_label, "rules_label")
    app.add_template_global(rules_label, "rules_label")
