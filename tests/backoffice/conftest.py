"""Back-office fixtures: the seed offices BMKG, MELASTI and SIPPT with their own staff (one
account per role), customers, and signed-in HTML clients (Flask-AppBuilder's login form)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.demo.data import agency_roles
from config import DEMO_PASSWORD
from tests.workflows.driver import Office, signed_in, transition  # noqa: F401

AGENCIES = ("bmkg", "melasti", "sippt")


@pytest.fixture(scope="session")
def seed_data(app):
    return app.extensions["satupintu.rules"].file_rules.data


@pytest.fixture(scope="session")
def bo_api(app):
    return app.test_client()


@pytest.fixture(scope="session")
def bo_offices(app, factories, seed_data, bo_api):
    customers = {kind: signed_in(bo_api, factories.customer(kind)) for kind in ("person", "company", "institution")}
    result = {}
    for agency_key in AGENCIES:
        office = Office(agency_key, seed_data, customers=customers)
        for role in agency_roles(seed_data, agency_key):
            office.staff[role] = signed_in(bo_api, factories.staff(agency_key, role))
        result[agency_key] = office
    return result


def html_login(app, username: str):
    client = app.test_client()
    response = client.post("/login/", data={"username": username, "password": DEMO_PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client


@pytest.fixture
def html(app):
    return lambda username: html_login(app, username)


def state_of(app, app_id: int) -> str:
    from app.extensions import db
    from models import Application

    with app.app_context():
        state = db.session.scalar(select(Application.state).where(Application.id == app_id))
        db.session.remove()
        return state
