"""The demo tells what a tester needs (the signing passphrase), does not flood the local mailbox with
its history, and first-run setup does not print FAB's "No user yet created" (issue 10 §4)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parents[2]


def test_first_run_creates_the_administrator_without_the_no_user_warning(tmp_path):
    """`flask satupintu init` on a fresh database, as `make run` calls it (its own process: the
    test session's app shares Flask-AppBuilder's globals)."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}", "UPLOAD_FOLDER": str(tmp_path)}
    flask = [sys.executable, "-m", "flask", "--app", "run"]
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    result = subprocess.run([*flask, "satupintu", "init"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "SatuPintu initialised." in result.stdout
    assert "No user yet created" not in result.stdout + result.stderr
    users = subprocess.run([*flask, "fab", "list-users"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert "admin" in users.stdout, users.stdout + users.stderr


def test_demo_accounts_print_the_signing_passphrase_and_who_signs(app):
    from app.demo.autofill import DEMO_PASSPHRASE
    from app.extensions import db
    from models import Signatory

    with app.app_context():
        names = list(db.session.scalars(select(Signatory.name)))
    result = app.test_cli_runner().invoke(args=["demo", "accounts"])
    assert result.exit_code == 0, result.output
    assert f"signing passphrase {DEMO_PASSPHRASE}" in result.output
    assert names and all(name in result.output for name in names)


def test_demo_history_is_marked_delivered_but_inbox_and_new_activity_are_not(app, factories):
    from app.demo.autofill import fill_form, sample_file, sample_value
    from app.commands.application.create import COMPANY_FIELDS, LOCATION_FIELDS, CreateApplicationCommand
    from app.demo.data import DEMO_HISTORY_NOTE, quiet_demo_history
    from app.extensions import db
    from models import OutboxMessage, User
    from tests.core.helpers import incoming

    customer_id, _ = factories.customer("person")

    def submit() -> int:
        spec = app.extensions["satupintu.rules"].file_rules.data["services"]["kaltim_sipa"]
        fields, _ = fill_form([f for f in spec.get("fields", []) if f.get("type") != "file"])
        files = {d["key"]: incoming(*sample_file(d.get("types"))) for d in spec.get("documents", [])}
        return CreateApplicationCommand(
            db.session.get(User, customer_id), "kaltim_sipa", fields=fields, declaration=True, files=files,
            company={f["key"]: sample_value(f) for f in COMPANY_FIELDS},
            location={f["key"]: sample_value(f) for f in LOCATION_FIELDS}).run().id

    with app.app_context():
        before = db.session.scalar(select(func.max(OutboxMessage.id))) or 0
        history = submit()
        quieted = quiet_demo_history(after_id=before)
        rows = db.session.scalars(select(OutboxMessage).where(OutboxMessage.application_id == history)).all()
        by_channel = {(row.channel, row.status) for row in rows if row.recipient_id == customer_id}
        assert ("email", "sent") in by_channel and ("whatsapp", "sent") in by_channel
        assert ("inbox", "pending") in by_channel
        assert quieted == sum(1 for row in rows if row.channel in ("email", "whatsapp") and row.status == "sent")
        assert all(row.last_error == DEMO_HISTORY_NOTE for row in rows if row.channel != "inbox")
        later = submit()
        assert {row.status for row in db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.application_id == later))} == {"pending"}
