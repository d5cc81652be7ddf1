"""The data migration h2c4a7e1b9d3: every stored 15-digit NPWP becomes ``0`` + its 15 digits
(profiles, organisation NPWP, application company data and NPWP fields), nothing else changes."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from config import TestingConfig

BEFORE = "352dfccbfd10"
PROFILES = [  # (npwp, organisation_npwp) before → after
    (("012345678901000", "998887776555444"), ("0012345678901000", "0998887776555444")),
    (("0123456789012345", None), ("0123456789012345", None)),      # already 16 digits
    ((None, "123456789012345"), (None, "0123456789012345")),
    (("", ""), ("", "")),
]
APPLICATIONS = [  # (company, data) before → after
    (({"npwp": "012345678901000", "npwpd": "123456789012345", "name": "PT A"}, {"npwp_pemohon": "111222333444555"}),
     ({"npwp": "0012345678901000", "npwpd": "123456789012345", "name": "PT A"}, {"npwp_pemohon": "0111222333444555"})),
    (({"npwp": "0012345678901000"}, {"jumlah": "123456789012345", "pemilik_npwp": "12345"}),
     ({"npwp": "0012345678901000"}, {"jumlah": "123456789012345", "pemilik_npwp": "12345"})),
    (({}, {}), ({}, {})),
]


@pytest.fixture
def old_database(tmp_path):
    """A database at the revision before, with rows in the old 15-digit form."""
    from flask_migrate import upgrade

    from app import create_app

    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'old.db'}"
        UPLOAD_FOLDER = str(tmp_path / "uploads")

    application = create_app(Config)
    with application.app_context():
        from app.extensions import db
        upgrade(revision=BEFORE)
        with db.engine.begin() as connection:
            connection.execute(text("PRAGMA foreign_keys=OFF"))
            for number, ((npwp, org), _after) in enumerate(PROFILES, start=1):
                connection.execute(text(
                    "INSERT INTO customer_profile (id, user_id, kind, full_name, nik, npwp, organisation_npwp, "
                    "gender, education, occupation, phone, address, province, regency, district, village, "
                    "postal_code, organisation_name, organisation_type, organisation_address, organisation_email, "
                    "organisation_phone, created_at) VALUES (:id, :id, 'person', 'X', :nik, :npwp, :org, '', '', '', "
                    "'', '', '', '', '', '', '', '', '', '', '', '', CURRENT_TIMESTAMP)"),
                    {"id": number, "nik": f"647201150590{number:04d}", "npwp": npwp, "org": org})
            for number, ((company, data), _after) in enumerate(APPLICATIONS, start=1):
                connection.execute(text(
                    "INSERT INTO application (id, service_type_id, agency_id, rules_version_id, customer_id, "
                    "request_kind, state, state_kind, data, company, location, numbers, deadlines, "
                    "declaration_accepted, total_amount, state_entered_at, state_overdue_handled, version, "
                    "created_at, updated_at) VALUES (:id, 1, 1, 1, 1, 'baru', 's', 'working', :data, :company, "
                    "'{}', '{}', '{}', 0, 0, CURRENT_TIMESTAMP, 0, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"),
                    {"id": number, "data": json.dumps(data), "company": json.dumps(company)})
        yield application


def test_fifteen_digit_npwp_values_become_sixteen(old_database):
    from flask_migrate import upgrade

    from app.extensions import db

    with old_database.app_context():
        upgrade()
        with db.engine.connect() as connection:
            profiles = connection.execute(text(
                "SELECT npwp, organisation_npwp FROM customer_profile ORDER BY id")).fetchall()
            applications = connection.execute(text("SELECT company, data FROM application ORDER BY id")).fetchall()
            assert connection.execute(text("SELECT count(*) FROM captcha_challenge")).scalar() == 0
    assert [tuple(row) for row in profiles] == [after for _before, after in PROFILES]
    assert [(json.loads(c), json.loads(d)) for c, d in applications] == [after for _before, after in APPLICATIONS]
