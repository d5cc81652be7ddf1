"""Shared column helpers for the domain models (all on Flask-AppBuilder's ``Model`` metadata)."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Callable

from sqlalchemy import JSON, DateTime
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from app.core.formatting import NaiveDatetimeError

# The Rules (app.rules) of a stored rules version, by id. Models don't import the running app's
# state: create_app installs the lookup (app/commands/rules/state.py), the models only call it.
_rules_lookup: Callable[[int], Any] | None = None


def install_rules_lookup(lookup: Callable[[int], Any]) -> None:
    global _rules_lookup
    _rules_lookup = lookup


def rules_of_version(version_id: int) -> Any:
    """The Rules of stored version ``version_id`` (LookupError when unknown or before create_app)."""
    if _rules_lookup is None:
        raise LookupError("no rules lookup installed: create_app installs it")
    return _rules_lookup(version_id)


# JSONB on PostgreSQL (indexable, compact), plain JSON elsewhere.
JSONType = JSON().with_variant(JSONB(), "postgresql")


class UTCDateTime(TypeDecorator):
    """A point in time, stored as UTC wall-clock (``timestamp without time zone``, as before) and
    always handed back **aware** (tzinfo=UTC): no naive datetime leaves the database layer, and
    none enters it — a naive value raises instead of being guessed (SQLite and PostgreSQL's
    ``timestamp`` both return naive values, hence the conversion on load)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime, got {type(value).__name__}")
        if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
            raise NaiveDatetimeError(value)
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if isinstance(value, str):  # SQLite via raw SQL paths
            value = datetime.fromisoformat(value)
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)

    @property
    def python_type(self):
        return datetime


def utcnow() -> datetime:
    """Now, aware, in UTC: every timestamp in the database is UTC."""
    return datetime.now(timezone.utc)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
