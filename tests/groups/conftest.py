"""The repeatable-group tests' own app, on a rules file of their own (tests/groups/rules/): a
research permit whose research locations are rows of a group field. Same pattern as
tests/booking/conftest.py (own SQLite file, or own schema on PostgreSQL)."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.core.conftest import _push_request_context, client, factories, shared, signed_in  # noqa: F401 (shared fixtures)

GROUP_RULES = Path(__file__).parent / "rules" / "workflow_rules.yaml"


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    from tests.conftest import isolated_app

    yield from isolated_app(tmp_path_factory, "groups", RULES_PATH=str(GROUP_RULES))
