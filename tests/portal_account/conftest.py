"""Helpers for the portal account tests: a valid registration form, reading codes from the outbox."""
from __future__ import annotations

import itertools
import os
import re

import pytest

from tests.conftest import unique

_serial = itertools.count(1)
PASSWORD = "Samarinda#Tepian9"


def new_nik() -> str:
    serial = (os.getpid() * 7 + next(_serial)) % 9999 + 1
    return f"647201{15 + next(_serial) % 10:02d}0590{serial:04d}"


@pytest.fixture
def registration():
    """A complete, valid person registration (unique NIK, email)."""
    def make(**overrides):
        name = unique("warga")
        form = {
            "kind": "person", "agency": "", "nik": new_nik(), "npwp": "", "full_name": "Siti Rahmawati, S.T.",
            "gender": "P", "birth_date": "1990-05-15", "education": "S1", "occupation": "Wiraswasta",
            "address": "Jl. Jenderal Sudirman No. 5 RT 03", "province": "Kalimantan Timur",
            "regency": "Kota Balikpapan", "district": "Balikpapan Kota", "village": "Klandasan Ilir",
            "postal_code": "76113", "phone": "0812 3456 7890", "email": f"{name}@example.test",
            "username": "", "password": PASSWORD, "password_confirm": PASSWORD, "captcha": "", "agree": "y",
        }
        form.update(overrides)
        return form
    return make


def last_email(app, address: str) -> dict:
    from sqlalchemy import select

    from app.extensions import db
    from models.activity import OutboxMessage

    with app.app_context():
        row = db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient_address == address)
                                 .order_by(OutboxMessage.id.desc())).first()
        assert row is not None, f"no email queued for {address}"
        return {"subject": row.payload["subject"], "body": row.payload["body"], "channel": row.channel,
                "kind": row.kind, "recipient_id": row.recipient_id}


def code_in(body: str) -> str:
    return re.search(r"\b(\d{6})\b", body).group(1)


@pytest.fixture
def registered(app, client, registration):
    """Registers and verifies a person; returns (form, user_id)."""
    def make(**overrides):
        form = registration(**overrides)
        response = client.post("/portal/daftar", data=form)
        assert response.status_code == 302, response.get_data(as_text=True)
        mail = last_email(app, form["email"])
        response = client.post("/portal/verifikasi", data={"email": form["email"], "code": code_in(mail["body"])})
        assert response.status_code == 302
        client.get(response.location)  # shows (and so clears) the flashed messages
        return form, mail["recipient_id"]
    return make
