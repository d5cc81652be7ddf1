"""Drawing numbers from the rules' numbering patterns inside the caller's transaction."""
from __future__ import annotations

from datetime import datetime
from typing import Callable

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.extensions import db
from app.workflow.numbering import format_number, random_hex6, sequence_scope, uses_sequence
from models import NumberSequence
from models.base import utcnow


def next_sequence_value(scope: str) -> int:
    """Atomically increment (or start) the counter ``scope``; safe under concurrent transactions."""
    session = db.session
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    session.execute(insert(NumberSequence).values(scope=scope, value=0, updated_at=utcnow())
                    .on_conflict_do_nothing(index_elements=["scope"]))
    # UPDATE takes the row lock: concurrent transactions queue here and each gets its own value
    return session.execute(
        update(NumberSequence).where(NumberSequence.scope == scope)
        .values(value=NumberSequence.value + 1, updated_at=utcnow()).returning(NumberSequence.value)
    ).scalar_one()


def draw_number(numbering: dict, key: str, *, when: datetime, agency: str, service: str,
                is_taken: Callable[[str], bool]) -> str:
    pattern = numbering["pattern"]
    seq = None
    if uses_sequence(pattern):
        seq = next_sequence_value(sequence_scope(key, numbering.get("per", []), when,
                                                 agency=agency, service=service))
    for _ in range(50):
        number = format_number(pattern, when=when, seq=seq, agency=agency, service=service,
                               hex6=random_hex6())
        if not is_taken(number):
            return number
        if seq is not None and "{hex6" not in pattern:
            # a sequence number already used (e.g. counters reset by hand): move on
            seq = next_sequence_value(sequence_scope(key, numbering.get("per", []), when,
                                                     agency=agency, service=service))
    raise RuntimeError(f"no free number for numbering '{key}'")
