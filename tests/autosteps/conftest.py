"""Automatic steps (issue 13, item 4) on an app of their own: a small office whose "Diajukan" is
its own state, left by the system at once, and whose "Menunggu Konfirmasi" closes by itself after
two working days."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.core.conftest import _push_request_context, client, factories, shared  # noqa: F401 (shared fixtures)

RULES = Path(__file__).parent / "rules" / "workflow_rules.yaml"


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    from tests.conftest import isolated_app

    yield from isolated_app(tmp_path_factory, "autosteps", RULES_PATH=str(RULES))


@pytest.fixture
def run(app):
    with app.app_context():
        yield
