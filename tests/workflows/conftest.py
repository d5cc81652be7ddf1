"""Fixtures for the seed offices: their staff (one account per role), customers and assets."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.demo.data import agency_roles
from tests.workflows.driver import Office, signed_in


@pytest.fixture(scope="session")
def rules_data(app):
    return app.extensions["satupintu.rules"].file_rules.data


@pytest.fixture(scope="session")
def api_client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def offices(app, factories, rules_data, api_client):
    """Every seed office with signed-in staff and customers of each kind."""
    from app.extensions import db
    from app.documents.signing import enrol, revoke
    from config import DEMO_PASSWORD
    from models import Agency, Asset, Signatory

    customers = {kind: signed_in(api_client, factories.customer(kind))
                 for kind in ("person", "company", "institution")}
    result = {}
    for agency_key in rules_data["agencies"]:
        office = Office(agency_key, rules_data, customers=customers, app=app)
        for role in agency_roles(app.extensions["satupintu.rules"].file_rules, agency_key):
            office.staff[role] = signed_in(api_client, factories.staff(agency_key, role))
        with app.app_context():
            agency = db.session.scalar(select(Agency).where(Agency.key == agency_key))
            for signatory in db.session.scalars(select(Signatory).where(Signatory.agency_id == agency.id)):
                holder = office.staff.get(signatory.role)
                if holder is not None:
                    signatory.user_id = holder.user_id
                    if signatory.encrypted_key_pem:
                        revoke(signatory)
                    enrol(signatory, DEMO_PASSWORD)
            for client in customers.values():
                asset = Asset(owner_id=client.user_id, kind="uttp", name="Timbangan Meja",
                              brand="Camry", serial_number=f"SN-{client.user_id}", capacity="20 kg")
                db.session.add(asset)
                db.session.flush()
                office.assets[client.user_id] = asset.id
            db.session.commit()
        result[agency_key] = office
    return result
