"""No API answer ever carries a password hash (Flask-AppBuilder serialises related users whole when
columns are left to their defaults)."""
from __future__ import annotations

import pytest
from flask_appbuilder import ModelRestApi

from .helpers import AGENCY, ok, submitted_application

HASH_MARKERS = ("scrypt:", "pbkdf2:", "$2b$", "argon2", "private key")
OURS = ["/api/v1/application", "/api/v1/agency", "/api/v1/service_type", "/api/v1/catalogue_item",
        "/api/v1/audit_event", "/api/v1/rules_version", "/api/v1/outbox", "/api/v1/bank_account",
        "/api/v1/agency_day_off", "/api/v1/signatory", "/api/v1/complaint", "/api/v1/message",
        "/api/v1/security/users", "/api/v1/security/roles"]
# Flask-AppBuilder's permission catalogue legitimately names "resetmypassword" and the like: there
# no field may be called password and no hash may appear, but the word itself may.
PERMISSION_CATALOGUE = ["/api/v1/security/permissions", "/api/v1/security/resources",
                        "/api/v1/security/permissions-resources", "/api/v1/security/groups"]


def assert_no_secret(text: str, where: str, *words: str) -> None:
    lowered = text.lower()
    for marker in HASH_MARKERS + words:
        assert marker not in lowered, f"{marker!r} in {where}: {text[:300]}"


@pytest.fixture(scope="module")
def admin(app, factories, signed_in):
    customer = signed_in(factories.customer())
    staff = signed_in(factories.staff(AGENCY, "petugas"))
    # rows in every table the APIs show: an application with audit events and outbox rows
    app_id = submitted_application(customer, staff, upto="diproses")
    with app.app_context():  # a row in every other table an API shows
        from datetime import date

        from sqlalchemy import select

        from app.extensions import db
        from models import Agency, AgencyDayOff, Complaint, Message, Signatory

        agency = db.session.scalar(select(Agency).where(Agency.key == AGENCY))
        db.session.add_all([
            AgencyDayOff(agency_id=agency.id, day=date(2026, 12, 31), note="Cuti bersama kantor"),
            Signatory(agency_id=agency.id, key="kepala_uji", name="Kepala Balai Uji", role="petugas",
                      encrypted_key_pem=b"-----BEGIN ENCRYPTED PRIVATE KEY-----secret"),
            Complaint(user_id=customer.user_id, agency_id=agency.id, application_id=app_id,
                      category="pelayanan", text="Mohon dipercepat."),
            Message(application_id=app_id, sender_id=customer.user_id, body="Apakah berkas sudah lengkap?"),
        ])
        db.session.commit()
    return signed_in((None, "admin"))


def test_every_registered_model_api_is_checked(app):
    """A new ModelRestApi must be added to the lists above (and so be checked)."""
    registered = {view.route_base for view in app.appbuilder.baseviews if isinstance(view, ModelRestApi)}
    assert registered == set(OURS[1:] + PERMISSION_CATALOGUE)


@pytest.mark.parametrize("route", OURS + PERMISSION_CATALOGUE)
def test_list_and_show_never_carry_a_password(app, admin, route):
    words = ("password",) if route in OURS else ('"password"',)
    listing = admin.get(f"{route}/")
    assert listing.status_code == 200, listing.get_json()
    assert_no_secret(listing.get_data(as_text=True), f"GET {route}/", *words)
    rows = listing.get_json()["result"]
    assert rows or route == "/api/v1/security/groups", f"no rows to show at {route}/"
    for row in rows[:1]:
        shown = admin.get(f"{route}/{row['id']}")
        assert shown.status_code == 200, shown.get_json()
        assert_no_secret(shown.get_data(as_text=True), f"GET {route}/{row['id']}", *words)
    if route != "/api/v1/application":
        info = admin.get(f"{route}/_info")
        assert info.status_code == 200
        # the user API's add form names its password field; no hash may be there
        assert_no_secret(info.get_data(as_text=True), f"GET {route}/_info")


def test_openapi_lists_the_transition_endpoint(admin):
    spec = ok(admin.get("/api/v1/_openapi"))
    assert "post" in spec["paths"]["/api/v1/application/{pk}/transition"]
