"""The booking journeys' own live app, on the booking tests' rules (tests/booking/rules/): the shipped
offices book nothing. It overrides the e2e package's ``app``, ``live_port``, ``live_server`` and
``factories`` for this folder only; the browser, mailbox and page fixtures are the package's."""
from __future__ import annotations

import pytest

from tests.booking.conftest import BOOKING_RULES
from tests.e2e.conftest import _free_port, serve


@pytest.fixture(scope="session")
def live_port():
    return _free_port()


@pytest.fixture(scope="session")
def app(tmp_path_factory, mailbox, live_port):
    from tests.conftest import isolated_app

    _box, smtp_port = mailbox
    yield from isolated_app(tmp_path_factory, "e2e_booking", RULES_PATH=str(BOOKING_RULES), WTF_CSRF_ENABLED=True,
                            PORTAL_CAPTCHA_ENABLED=False, MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_port,
                            PORTAL_BASE_URL=f"http://127.0.0.1:{live_port}")


@pytest.fixture(scope="session")
def live_server(app, live_port):
    yield from serve(app, live_port)


@pytest.fixture(scope="session")
def factories(app):
    from tests.conftest import Factories
    return Factories(app)
