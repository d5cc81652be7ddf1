"""Portal test helpers: a browser-like client signed in as a customer (Flask-Login session)."""
from __future__ import annotations

import io

import pytest

from tests.conftest import PDF_BYTES, PNG_BYTES, sign_in  # noqa: F401  (re-exported for the tests)


@pytest.fixture
def customer(app, factories):
    """A fresh person customer: (test client signed in, user id)."""
    user_id, _username = factories.customer("person")
    return sign_in(app.test_client(), user_id), user_id


@pytest.fixture
def company_customer(app, factories):
    user_id, _username = factories.customer("company")
    return sign_in(app.test_client(), user_id), user_id


def upload(data: bytes, name: str):
    return (io.BytesIO(data), name)


def count(app, model) -> int:
    from sqlalchemy import func, select

    from app.extensions import db
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def files_on_disk(app) -> int:
    from pathlib import Path
    root = Path(app.config["UPLOAD_FOLDER"])
    return sum(1 for p in root.rglob("*") if p.is_file()) if root.exists() else 0


def kaltim_form(**overrides) -> dict:
    form = {
        "request_kind": "baru", "company.name": "PT Batu Kaltim", "company.form": "PT",
        "company.npwp": "", "location.street": "Jl. Poros Samarinda–Bontang Km 12", "location.rt_rw": "003/002",
        "location.village": "Sungai Siring", "location.lat": "-0.402106", "location.lng": "117.253709",
        "f.komoditas": "andesit", "f.luas_wilayah": "5", "f.rencana_produksi": "10000",
        "declaration": "1", "action": "submit",
    }
    for key in ("ktp_npwp", "peta_wilayah", "persetujuan_lingkungan", "rencana_penambangan", "bukti_lahan"):
        form[f"doc.{key}"] = upload(PDF_BYTES, f"{key}.pdf")
    form.update(overrides)
    return form
