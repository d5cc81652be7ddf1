"""`flask doctor`: one line per check, the failing service named with its fix, exit 1 on any problem."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.outbox.servers import free_port
from tests.ops.conftest import make_app

STRONG_SECRET = "k" * 16 + "an-operations-test-secret-48-chars"


def doctor(app) -> tuple[int, dict[str, str]]:
    """Run `flask doctor`; return its exit code and {check name: its whole line}."""
    result = app.test_cli_runner().invoke(args=["doctor"])
    lines = {}
    for line in result.output.splitlines():
        status, _, rest = line.partition(" ")
        if status in ("ok", "problem"):
            lines[rest.strip().split(":", 1)[0]] = line
    return result.exit_code, lines


@pytest.fixture
def configured(app, delivery, offices, monkeypatch):
    """The shared app pointed at live services: loopback SMTP and gateway, the local Redis, the
    seed offices' signatories with their keys, a strong SECRET_KEY (the agency CAs keep the secret
    they were made with, as SIGNING_CA_SECRET: docs/security.md)."""
    monkeypatch.setitem(app.config, "SIGNING_CA_SECRET", app.config["SIGNING_CA_SECRET"] or app.config["SECRET_KEY"])
    monkeypatch.setitem(app.config, "SECRET_KEY", STRONG_SECRET)
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:6379/13")
    return app


def test_a_healthy_configuration_passes_every_check_but_the_demo_admin_password(configured):
    code, lines = doctor(configured)
    problems = {name: line for name, line in lines.items() if line.startswith("problem")}
    assert set(problems) == {"admin_password"}, problems        # the test app's admin uses the demo password
    assert code == 1
    for name in ("secret_key", "database", "migrations", "redis (REDIS_URL)", "smtp", "whatsapp", "uploads",
                 "rules", "signing kaltim/kepala_dinas", "signing sippt/kepala_balai"):
        assert lines[name].startswith("ok"), name
    assert "EHLO" in lines["smtp"]


def test_a_stopped_redis_and_an_unreachable_smtp_are_reported_by_name(configured, monkeypatch):
    dead_redis, dead_smtp = free_port(), free_port()
    monkeypatch.setitem(configured.config, "REDIS_URL", f"redis://127.0.0.1:{dead_redis}/0")
    monkeypatch.setitem(configured.config, "RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/13")
    monkeypatch.setitem(configured.config, "MAIL_PORT", dead_smtp)
    code, lines = doctor(configured)
    assert code == 1
    assert lines["redis (REDIS_URL)"].startswith("problem")
    assert f"127.0.0.1:{dead_redis}" in lines["redis (REDIS_URL)"] and "fix: start Redis or correct REDIS_URL" in lines["redis (REDIS_URL)"]
    assert lines["redis (RATELIMIT_STORAGE_URI)"].startswith("ok")
    assert lines["smtp"].startswith("problem") and f"127.0.0.1:{dead_smtp}" in lines["smtp"]
    assert "fix: start the mail server or correct MAIL_SERVER / MAIL_PORT" in lines["smtp"]


def test_a_silent_smtp_server_times_out_instead_of_hanging(configured, monkeypatch):
    import socket
    import time

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)                                   # accepts, never greets
    try:
        monkeypatch.setitem(configured.config, "MAIL_PORT", silent.getsockname()[1])
        monkeypatch.setitem(configured.config, "CHECK_TIMEOUT_SECONDS", 0.5)
        started = time.monotonic()
        _, lines = doctor(configured)
        assert lines["smtp"].startswith("problem") and time.monotonic() - started < 10
    finally:
        silent.close()


@pytest.mark.parametrize("answer, expected", [
    (None, "ok"), (200, "ok"), (405, "ok"), (401, "problem"), (403, "problem"), (502, "problem"), (503, "problem")])
def test_the_whatsapp_gateway_is_judged_by_its_answer(configured, monkeypatch, answer, expected):
    """None: the loopback gateway itself (it serves POST only, so a GET gets 501: reachable)."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    import threading

    if answer is None:
        _, lines = doctor(configured)
        assert lines["whatsapp"].startswith("ok") and "HTTP 501" in lines["whatsapp"]
        return

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(answer)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        monkeypatch.setitem(configured.config, "WHATSAPP_GATEWAY_URL", f"http://127.0.0.1:{server.server_address[1]}/send")
        _, lines = doctor(configured)
        assert lines["whatsapp"].startswith(expected), lines["whatsapp"]
        assert f"HTTP {answer}" in lines["whatsapp"]
    finally:
        server.shutdown()
        server.server_close()


def test_an_unreachable_whatsapp_gateway_is_a_problem(configured, monkeypatch):
    monkeypatch.setitem(configured.config, "WHATSAPP_GATEWAY_URL", f"http://127.0.0.1:{free_port()}/send")
    _, lines = doctor(configured)
    assert lines["whatsapp"].startswith("problem") and "WHATSAPP_GATEWAY_URL" in lines["whatsapp"]


@pytest.mark.parametrize("secret, expected", [
    ("dev-only-not-secret", "problem"), ("", "problem"), ("short-but-custom", "problem"),
    ("testing-secret-key-that-is-long-enough-for-hs256", "problem"), (STRONG_SECRET, "ok")])
def test_secret_key(configured, monkeypatch, secret, expected):
    monkeypatch.setitem(configured.config, "SECRET_KEY", secret)
    _, lines = doctor(configured)
    assert lines["secret_key"].startswith(expected)


def test_the_admin_password_must_be_set_and_not_the_demo_one(configured, monkeypatch):
    from app.extensions import appbuilder, db
    from config import DEMO_PASSWORD

    _, lines = doctor(configured)
    assert "ADMIN_PASSWORD is not set" in lines["admin_password"]
    monkeypatch.setitem(configured.config, "ADMIN_PASSWORD", "A-real-admin-password-1")
    _, lines = doctor(configured)
    assert "still has the demo password" in lines["admin_password"]
    with configured.app_context():
        user = appbuilder.sm.find_user(username="admin")
        appbuilder.sm.reset_password(user.id, "A-real-admin-password-1")
    try:
        code, lines = doctor(configured)
        assert lines["admin_password"].startswith("ok")
        assert code == 0, lines                              # nothing else is wrong: exit 0
    finally:
        with configured.app_context():
            appbuilder.sm.reset_password(user.id, DEMO_PASSWORD)
            db.session.commit()


def test_an_unwritable_upload_folder_is_a_problem(configured, monkeypatch, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setitem(configured.config, "UPLOAD_FOLDER", str(blocker / "uploads"))
    _, lines = doctor(configured)
    assert lines["uploads"].startswith("problem") and "not writable" in lines["uploads"]


def _signatory(app, agency_key: str, key: str):
    from app.extensions import db
    from models import Agency, Signatory

    return db.session.scalar(select(Signatory).join(Agency).where(Agency.key == agency_key, Signatory.key == key))


def _expired_certificate(signatory) -> bytes:
    from datetime import datetime, timedelta, timezone

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "expired")])
    now = datetime.now(timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now - timedelta(days=400)).not_valid_after(now - timedelta(days=1))
            .sign(key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.PEM)


@pytest.mark.parametrize("damage, message", [
    ("no_user", "not linked to a staff user"),
    ("no_key", "no signing key"),
    ("no_certificate", "no signing key"),
    ("expired", "certificate expired"),
    ("garbage_certificate", "certificate unreadable"),
])
def test_every_signatory_the_active_rules_use_needs_a_usable_key(configured, damage, message):
    from app.extensions import db

    with configured.app_context():
        signatory = _signatory(configured, "kaltim", "kepala_dinas")
        saved = (signatory.user_id, signatory.encrypted_key_pem, signatory.certificate_pem)
        if damage == "no_user":
            signatory.user_id = None
        elif damage == "no_key":
            signatory.encrypted_key_pem = None
        elif damage == "no_certificate":
            signatory.certificate_pem = None
        elif damage == "expired":
            signatory.certificate_pem = _expired_certificate(signatory)
        else:
            signatory.certificate_pem = b"-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n"
        db.session.commit()
    try:
        code, lines = doctor(configured)
        line = lines["signing kaltim/kepala_dinas"]
        assert code == 1 and line.startswith("problem") and message in line and "kaltim_izin" in line
        assert lines["signing sippt/kepala_balai"].startswith("ok")
    finally:
        with configured.app_context():
            signatory = _signatory(configured, "kaltim", "kepala_dinas")
            signatory.user_id, signatory.encrypted_key_pem, signatory.certificate_pem = saved
            db.session.commit()


def test_an_unmigrated_database_and_invalid_rules_are_problems(tmp_path):
    bad_rules = tmp_path / "rules.yaml"
    bad_rules.write_text("version: 1\nagencies: {x: {}}\n")
    application = make_app(tmp_path, f"sqlite:///{tmp_path / 'empty.db'}")
    code, lines = doctor(application)
    assert code == 1
    assert "no schema yet" in lines["migrations"] and "flask db upgrade" in lines["migrations"]
    for name in ("admin_password", "rules", "signing"):
        assert "not checked: the database schema is not at the code's revision" in lines[name]
    with application.app_context():
        from flask_migrate import upgrade

        upgrade()
    _, lines = doctor(application)
    assert lines["migrations"].startswith("ok")
    assert lines["rules"].startswith("problem") and "no rules version is active" in lines["rules"]
    assert "flask satupintu init" in lines["rules"]
    application.config["RULES_PATH"] = str(bad_rules)
    _, lines = doctor(application)
    assert lines["rules"].startswith("problem") and "flask rules check" in lines["rules"]


def test_an_unreachable_database_is_named_and_the_checks_that_need_it_say_so(tmp_path):
    from tests.ops.conftest import closed_port_url

    application = make_app(tmp_path, closed_port_url())
    code, lines = doctor(application)
    assert code == 1
    assert lines["database"].startswith("problem") and "satupintu_gone" in lines["database"]
    assert "fix: start the database server or correct DATABASE_URL" in lines["database"]
    for name in ("migrations", "rules", "signing"):
        assert "the database is unreachable" in lines[name]
