"""The fees tests' own app: a small office of their own (tests/fees/rules/) whose invoice and kuitansi use the
shipped templates, copied next to the rules as a rules folder requires."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.core.conftest import _push_request_context, client, factories, shared, signed_in  # noqa: F401

HERE = Path(__file__).parent
ROOT = HERE.parent.parent


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    from tests.conftest import isolated_app

    folder = tmp_path_factory.mktemp("fees_rules")
    shutil.copy(HERE / "rules" / "workflow_rules.yaml", folder / "workflow_rules.yaml")
    (folder / "templates").mkdir()
    for name in ("invoice.html", "kuitansi.html"):
        shutil.copy(ROOT / "templates" / "documents" / name, folder / "templates" / name)
    yield from isolated_app(tmp_path_factory, "fees", RULES_PATH=str(folder / "workflow_rules.yaml"))
