"""Security tests: one BMKG application, a staff member who can see it, its customer, and helpers
to sign in through the real login forms and to replay a copied session cookie."""
from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from config import DEMO_PASSWORD
from tests.conftest import api_login
from tests.workflows.driver import Office, signed_in, transition

STAFF_LOGIN = "/login/"
PORTAL_LOGIN = "/portal/masuk"


@dataclass
class Person:
    user_id: int
    username: str
    kind: str          # "staff" | "customer"


@pytest.fixture(scope="module")
def case(app, factories):
    """An application waiting for the BMKG service officer (its customer and that officer)."""
    seed = app.extensions["satupintu.rules"].file_rules.data
    customer = factories.customer("person")
    verify_email(app, customer[0])
    client = app.test_client()
    office = Office("bmkg", seed, customers={"person": signed_in(client, customer)})
    office.staff["petugas_layanan"] = signed_in(client, factories.staff("bmkg", "petugas_layanan"))
    app_id = office.create("bmkg_informasi")
    office.drive(app_id, [transition(seed["workflows"]["bmkg_informasi"], "kirim")])
    return {"app_id": app_id, "office": office}


def verify_email(app, user_id: int) -> None:
    from app.extensions import db
    from models import CustomerProfile
    from models.base import utcnow

    with app.app_context():
        profile = db.session.scalar(select(CustomerProfile).where(CustomerProfile.user_id == user_id))
        profile.email_verified_at = utcnow()
        db.session.commit()


@pytest.fixture
def staff(app, factories):
    user_id, username = factories.staff("bmkg", "petugas_layanan")
    return Person(user_id, username, "staff")


@pytest.fixture
def customer(app, factories):
    user_id, username = factories.customer("person")
    verify_email(app, user_id)
    return Person(user_id, username, "customer")


def browser_login(app, person: Person, password: str = DEMO_PASSWORD):
    """A test client signed in through the real login form of the person's side."""
    client = app.test_client()
    if person.kind == "staff":
        response = client.post(STAFF_LOGIN, data={"username": person.username, "password": password})
    else:
        response = client.post(PORTAL_LOGIN, data={"identifier": person.username, "password": password})
    assert response.status_code == 302 and "login" not in response.location and "masuk" not in response.location, \
        response.location
    return client


def copy_of(app, client):
    """Another browser holding a copy of ``client``'s session cookie (what an attacker replays)."""
    cookie = client.get_cookie("session")
    assert cookie is not None
    thief = app.test_client()
    thief.set_cookie("session", cookie.value)
    return thief


def sent_to_login(response, person: Person) -> bool:
    target = STAFF_LOGIN if person.kind == "staff" else PORTAL_LOGIN
    return response.status_code == 302 and target in response.location


def message_count(app, app_id: int) -> int:
    from app.extensions import db
    from models import Message

    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(Message).where(Message.application_id == app_id))
        db.session.remove()
        return count


def token_for(client, person: Person, password: str = DEMO_PASSWORD) -> str:
    return api_login(client, person.username, password)
