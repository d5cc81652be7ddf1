"""Login limits (app/security/login_limits.py) on the three logins: failed attempts count per account, every
attempt per address with a much higher ceiling — 30 officers behind one office address all get in,
the 11th wrong password on one account is refused from any address."""
from __future__ import annotations

import pytest

from config import DEMO_PASSWORD
from tests.security.conftest import verify_email

WRONG = "Salah#Sandi77"
OFFICE = "203.0.113.7"


@pytest.fixture(scope="module")
def limited(app):
    """A second app on the same database with rate limiting on and its own (memory) storage."""
    from app import create_app
    from config import TestingConfig

    class Limited(TestingConfig):
        SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]
        SQLALCHEMY_ENGINE_OPTIONS = app.config["SQLALCHEMY_ENGINE_OPTIONS"]
        UPLOAD_FOLDER = app.config["UPLOAD_FOLDER"]
        RATELIMIT_ENABLED = True
        RATELIMIT_STORAGE_URI = "memory://"

    return create_app(Limited)


@pytest.fixture(autouse=True)
def _fresh_counters(limited):
    limited.appbuilder.sm.limiter.reset()
    yield


def attempt(app, endpoint: str, username: str, password: str, address: str = OFFICE) -> int:
    """One login from ``address`` (REMOTE_ADDR: X-Forwarded-For counts only behind ProxyFix) in a new browser."""
    client = app.test_client()
    environ = {"REMOTE_ADDR": address}
    if endpoint == "backoffice":
        response = client.post("/login/", data={"username": username, "password": password},
                               environ_base=environ)
    elif endpoint == "api":
        response = client.post("/api/v1/security/login", environ_base=environ,
                               json={"username": username, "password": password, "provider": "db"})
    else:
        response = client.post("/portal/masuk", data={"identifier": username, "password": password},
                               environ_base=environ)
    return response.status_code


def succeeded(app, endpoint: str, username: str, address: str = OFFICE) -> bool:
    """True when the right password logs in (and not only "not limited")."""
    client = app.test_client()
    environ = {"REMOTE_ADDR": address}
    if endpoint == "api":
        response = client.post("/api/v1/security/login", environ_base=environ,
                               json={"username": username, "password": DEMO_PASSWORD, "provider": "db"})
        return response.status_code == 200 and "access_token" in response.get_json()
    path, field = ("/login/", "username") if endpoint == "backoffice" else ("/portal/masuk", "identifier")
    response = client.post(path, data={field: username, "password": DEMO_PASSWORD}, environ_base=environ)
    return response.status_code == 302 and "login" not in response.location and "masuk" not in response.location


@pytest.fixture(scope="module")
def officers(app, factories):
    return [factories.staff("bmkg", "petugas_layanan")[1] for _ in range(30)]


@pytest.fixture(scope="module")
def customers(app, factories):
    names = []
    for _ in range(30):
        user_id, username = factories.customer("person")
        verify_email(app, user_id)
        names.append(username)
    return names


def _accounts(endpoint, officers, customers):
    return customers if endpoint == "portal" else officers


ENDPOINTS = ["backoffice", "api", "portal"]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_thirty_people_behind_one_office_address_all_log_in(limited, officers, customers, endpoint):
    accounts = _accounts(endpoint, officers, customers)
    results = [succeeded(limited, endpoint, name) for name in accounts]
    assert results == [True] * 30
    # each of them mistypes once, then gets in: still nobody is locked out
    assert [attempt(limited, endpoint, name, WRONG) for name in accounts] != [429] * 30
    assert all(succeeded(limited, endpoint, name) for name in accounts[:5])


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_the_eleventh_wrong_password_on_one_account_is_limited_from_any_address(
        limited, officers, customers, endpoint):
    victim, bystander = _accounts(endpoint, officers, customers)[:2]
    statuses = [attempt(limited, endpoint, victim, WRONG, address=f"198.51.100.{i}") for i in range(1, 12)]
    assert 429 not in statuses[:10] and statuses[10] == 429, statuses
    # the account stays closed for a while, even for the right password, from yet another address
    assert attempt(limited, endpoint, victim, DEMO_PASSWORD, address="192.0.2.99") == 429
    # another account behind the same addresses is not affected
    assert succeeded(limited, endpoint, bystander, address="198.51.100.1")


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("variant", [
    lambda name: name.upper(),
    lambda name: f"  {name}  ",
    lambda name: name.capitalize(),
    lambda name: f"\t{name.upper()}\n",
], ids=["upper", "spaces", "capitalised", "tab-newline"])
def test_spellings_of_one_account_share_its_counter(limited, officers, customers, endpoint, variant):
    victim = _accounts(endpoint, officers, customers)[2]
    for i in range(5):
        assert attempt(limited, endpoint, victim, WRONG, address=f"198.51.100.{i}") != 429
    for i in range(5):
        assert attempt(limited, endpoint, variant(victim), WRONG, address=f"192.0.2.{i}") != 429
    assert attempt(limited, endpoint, victim, WRONG, address="192.0.2.200") == 429


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_successful_logins_do_not_count_against_the_account(limited, officers, customers, endpoint):
    name = _accounts(endpoint, officers, customers)[3]
    assert all(succeeded(limited, endpoint, name) for _ in range(15))
    assert attempt(limited, endpoint, name, WRONG) != 429


def test_the_three_logins_share_one_account_counter(limited, officers):
    victim = officers[4]
    statuses = [attempt(limited, endpoint, victim, WRONG, address=f"198.51.100.{i}")
                for i, endpoint in enumerate(ENDPOINTS * 4)]
    assert 429 not in statuses[:10] and statuses[10:] == [429, 429], statuses


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_the_address_ceiling_stops_a_spray_over_many_accounts(limited, monkeypatch, endpoint):
    monkeypatch.setitem(limited.config, "LOGIN_ADDRESS_RATE_LIMIT", "20 per 5 minute")
    statuses = [attempt(limited, endpoint, f"tebakan{i}", WRONG, address="192.0.2.50") for i in range(21)]
    assert 429 not in statuses[:20] and statuses[20] == 429, statuses
    # another address is still served
    assert attempt(limited, endpoint, "tebakan-lain", WRONG, address="192.0.2.51") != 429


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_a_login_naming_no_account_counts_only_per_address(limited, monkeypatch, endpoint):
    monkeypatch.setitem(limited.config, "LOGIN_ADDRESS_RATE_LIMIT", "12 per 5 minute")
    statuses = [attempt(limited, endpoint, "", WRONG, address="192.0.2.60") for _ in range(13)]
    assert 429 not in statuses[:12] and statuses[12] == 429, statuses


@pytest.mark.parametrize("body", [[], "admin", {"username": 5}, {"username": None}, {"username": ["a"]}],
                         ids=["list", "string", "number", "null", "list-username"])
def test_hostile_api_bodies_are_refused_without_a_5xx(limited, body):
    client = limited.test_client()
    statuses = [client.post("/api/v1/security/login", json=body, environ_base={"REMOTE_ADDR": "192.0.2.70"}).status_code
                for _ in range(3)]
    assert all(400 <= status < 500 for status in statuses), statuses


def test_refusals_are_in_the_security_log(app, limited, officers):
    from tests.security.test_security_log import events

    before = len(events(app, kind="rate_limited"))
    victim = officers[5]
    for i in range(11):
        attempt(limited, "backoffice", victim, WRONG, address=f"198.51.100.{i}")
    assert len(events(app, kind="rate_limited")) == before + 1
