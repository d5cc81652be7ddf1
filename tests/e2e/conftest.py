"""End-to-end journeys in headless Chromium (Debian's /usr/bin/chromium driven by Playwright).

The app under test runs in a thread (werkzeug ``make_server``) on its own temporary database,
with CSRF on and e-mail going to a local aiosmtpd server; staff steps go through the REST API
(tests/workflows/driver.py). Screenshots land in artifacts/e2e/<test>/.
Skipped, with the reason printed, when Chromium or Playwright is missing.
"""
from __future__ import annotations

import os
import re
import socket
import threading
from email import message_from_bytes, policy
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "e2e"


def _missing() -> str | None:
    if not Path(CHROMIUM).exists():
        return f"Chromium tidak ditemukan di {CHROMIUM} (apt-get install -y chromium)"
    try:
        import playwright.sync_api  # noqa: F401
        import aiosmtpd  # noqa: F401
    except ImportError as error:
        return f"paket uji end-to-end belum terpasang: {error.name}"
    return None


SKIP_REASON = _missing()


def pytest_collection_modifyitems(config, items):
    if SKIP_REASON is None:
        return
    marker = pytest.mark.skip(reason=f"e2e dilewati: {SKIP_REASON}")
    for item in items:
        if "tests/e2e" in str(item.fspath):
            item.add_marker(marker)


def pytest_report_header(config):
    if SKIP_REASON:
        return f"e2e (browser) tests SKIPPED: {SKIP_REASON}"
    return f"e2e (browser) tests with {CHROMIUM}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Mailbox:
    """Messages received by the test SMTP server."""

    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler protocol
        message = message_from_bytes(envelope.content, policy=policy.default)
        body = message.get_body(preferencelist=("plain", "html"))
        with self.lock:
            self.messages.append({"to": list(envelope.rcpt_tos), "subject": str(message["subject"]),
                                  "body": body.get_content() if body else ""})
        return "250 OK"

    def to(self, address: str) -> list[dict]:
        with self.lock:
            return [m for m in self.messages if address in m["to"]]

    def link(self, address: str, pattern: str) -> str:
        for message in reversed(self.to(address)):
            found = re.search(pattern, message["body"])
            if found:
                return found.group(0)
        raise AssertionError(f"no mail to {address} matching {pattern}: {self.to(address)}")


@pytest.fixture(scope="session")
def mailbox():
    if SKIP_REASON:
        pytest.skip(SKIP_REASON)
    from aiosmtpd.controller import Controller

    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield box, controller.port
    controller.stop()


@pytest.fixture(scope="session")
def live_port():
    return _free_port()


@pytest.fixture(scope="session")
def app(tmp_path_factory, mailbox, live_port):
    """The app under test (overrides tests/conftest.py's): CSRF on, mail to the test server."""
    base = tmp_path_factory.mktemp("e2e")
    _box, smtp_port = mailbox

    from config import TestingConfig
    from tests.conftest import isolated_database

    url, engine_options = isolated_database(base, "e2e")

    class Config(TestingConfig):
        UPLOAD_FOLDER = str(base / "uploads")
        SQLALCHEMY_DATABASE_URI = url
        SQLALCHEMY_ENGINE_OPTIONS = engine_options
        WTF_CSRF_ENABLED = True
        PORTAL_CAPTCHA_ENABLED = False       # an image a test cannot read; the captcha has its own tests
        MAIL_SERVER = "127.0.0.1"
        MAIL_PORT = smtp_port
        PORTAL_BASE_URL = f"http://127.0.0.1:{live_port}"
        PUBLIC_TRACKING_RATE_LIMIT = "30 per minute"

    from flask_migrate import upgrade

    from app import create_app
    from app.ops.setup import initialise

    application = create_app(Config)
    with application.app_context():
        upgrade()
        initialise()
    yield application


def serve(app, port: int):
    """Serve ``app`` on 127.0.0.1:``port`` in a thread for the fixture's life (yields its base URL)."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()


@pytest.fixture(scope="session")
def live_server(app, live_port):
    yield from serve(app, live_port)


@pytest.fixture
def deliver(app):
    """Perform the outbox now: e-mails reach the test SMTP server, PDFs are rendered."""
    def _drain():
        from app.outbox.worker import drain
        with app.app_context():
            return drain()

    def _deliver():
        from tests.e2e.helpers import off_loop
        return off_loop(_drain)
    return _deliver


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


class Shots:
    def __init__(self, page, name: str):
        self.page = page
        self.dir = ARTIFACTS / name
        self.dir.mkdir(parents=True, exist_ok=True)
        for old in self.dir.glob("*.png"):
            old.unlink()
        self.n = 0

    def __call__(self, label: str, full_page: bool = True) -> Path:
        self.n += 1
        path = self.dir / f"{self.n:02d}-{label}.png"
        self.page.screenshot(path=str(path), full_page=full_page)
        return path


@pytest.fixture
def page(browser, live_server, request):
    """A phone-sized page (375 px wide) on the live server, with a screenshot helper ``page.shot``."""
    context = browser.new_context(base_url=live_server, viewport={"width": 375, "height": 812},
                                  accept_downloads=True, locale="id-ID")
    context.set_default_timeout(10000)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.shot = Shots(page, request.node.name)
    page.js_errors = errors
    yield page
    context.close()


@pytest.fixture(scope="session")
def factories(app):
    """Bound to this module's app (the root ``factories`` may already hold the other one)."""
    from tests.conftest import Factories
    return Factories(app)


# the seed offices' staff, signed in to the REST API of this app
from tests.workflows.conftest import api_client, offices, rules_data  # noqa: E402,F401


def pytest_terminal_summary(terminalreporter):
    if SKIP_REASON:
        terminalreporter.write_line(f"e2e browser journeys SKIPPED: {SKIP_REASON}", yellow=True)
