"""The booking tests' own app, on a rules file of their own (tests/booking/rules/): a hall booked
by whole days, an instrument by time slots (capacity 2), and another agency. Same pattern as
tests/core/conftest.py (own SQLite file, or own schema on PostgreSQL)."""
from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.core.conftest import _push_request_context, client, factories, shared, signed_in  # noqa: F401 (shared fixtures)

BOOKING_RULES = Path(__file__).parent / "rules" / "workflow_rules.yaml"


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    from tests.conftest import isolated_app

    yield from isolated_app(tmp_path_factory, "booking", RULES_PATH=str(BOOKING_RULES))


_weeks = iter(range(2, 2000))


@pytest.fixture
def monday():
    """A Monday some weeks ahead, a different one per test (slots of one resource may not overlap)."""
    today = date.today()
    return today + timedelta(days=(7 - today.weekday()) % 7 + 7 * next(_weeks))
