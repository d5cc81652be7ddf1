"""The API tests' own app (seed rules, own database or PostgreSQL schema): the fuzzer creates and
edits users, roles and reference rows at random, which must never reach the other tests' app."""
from __future__ import annotations

import pytest

# the same per-request contexts, client, factories and signed-in API clients as the core tests,
# bound to this package's `app`
from tests.core.conftest import _push_request_context, client, factories, shared, signed_in  # noqa: F401


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    from tests.conftest import isolated_app

    yield from isolated_app(tmp_path_factory, "api")
