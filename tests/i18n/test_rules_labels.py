"""Rules labels (a text or ``{id, en}``) in the language being shown: the resolver, the portal and the
back office with English selected (Kaltim), and the shipped rules round-tripping with their labels."""
from __future__ import annotations

import pytest

from app.rules.labels import rules_label
from tests.backoffice.conftest import html_login
from tests.portal.conftest import kaltim_form

BOTH = {"id": "Surat Izin", "en": "Licence"}
ONLY_ID = {"id": "Surat Izin"}


@pytest.mark.parametrize("label, language, expected", [
    ("Surat Izin", "id", "Surat Izin"),            # a plain text is Indonesian, and the only text there is
    ("Surat Izin", "en", "Surat Izin"),
    (BOTH, "id", "Surat Izin"),
    (BOTH, "en", "Licence"),
    (BOTH, "en_US", "Licence"),                    # a locale with a territory
    (ONLY_ID, "en", "Surat Izin"),                 # English missing: Indonesian
    ({"id": "Surat Izin", "en": ""}, "en", "Surat Izin"),
    (BOTH, "fr", "Surat Izin"),                    # an unknown language: Indonesian
    (BOTH, None, "Surat Izin"),                    # outside a request: Indonesian
    (None, "en", ""),
])
def test_rules_label(label, language, expected):
    assert rules_label(label, language) == expected


@pytest.mark.parametrize("language, expected", [("id", "Surat Izin"), ("en", "Licence")])
def test_rules_label_follows_the_language_of_the_request(app, language, expected):
    with app.test_request_context("/"):
        from flask import session
        session["locale"] = language
        assert rules_label(BOTH) == expected
        assert app.jinja_env.from_string("{{ label | rules_label }}").render(label=BOTH) == expected


def test_shipped_rules_with_english_labels_round_trip_with_a_stable_fingerprint(app):
    from app.rules.model import Rules
    rules = app.extensions["satupintu.rules"].file_rules
    data = rules.to_dict()
    assert data["services"]["kaltim_sipb"]["name"] == {"id": "Surat Izin Penambangan Batuan (SIPB)",
                                                       "en": "Rock Mining Licence (SIPB)"}
    import json
    again = Rules.from_dict(json.loads(json.dumps(data)), template_digests=rules.template_digests)
    assert again.sha256 == rules.sha256


def test_portal_wizard_in_english_for_kaltim(app, factories):
    from tests.conftest import sign_in
    user_id, _ = factories.customer("person")
    client = sign_in(app.test_client(), user_id)
    client.get("/lang/en")
    page = client.get("/portal/ajukan/kaltim_sipb").get_data(as_text=True)
    for english in ("Rock Mining Licence (SIPB)", "Rock commodity", "Andesite", "Licensed area (hectares)",
                    "Map of the licensed area with coordinates (DWG/PDF)", "Previous SIPB number"):
        assert english in page, english
    assert "Surat Izin Penambangan Batuan" not in page
    services = client.get("/portal/layanan").get_data(as_text=True)
    assert "Groundwater Use Licence (SIPA)" in services and "Provincial licensing" in services
    client.get("/lang/id")
    page = client.get("/portal/ajukan/kaltim_sipb").get_data(as_text=True)
    assert "Surat Izin Penambangan Batuan (SIPB)" in page and "Komoditas batuan" in page


def test_portal_request_and_back_office_in_english_for_kaltim(app, factories):
    from tests.conftest import sign_in
    user_id, _ = factories.customer("person")
    customer = sign_in(app.test_client(), user_id)
    response = customer.post("/portal/ajukan/kaltim_sipb", data=kaltim_form(), content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    from sqlalchemy import select

    from app.extensions import db
    from models import Application
    with app.app_context():
        app_id = db.session.scalar(select(Application.id).where(Application.customer_id == user_id))
        db.session.remove()

    customer.get("/lang/en")
    page = customer.get(f"/portal/permohonan/{app_id}").get_data(as_text=True)
    assert "Rock Mining Licence (SIPB)" in page and "In process — document verification" in page

    _, username = factories.staff("kaltim", "verifikator")
    staff = html_login(app, username)
    staff.get("/lang/en")
    queue = staff.get("/backoffice/antrean/").get_data(as_text=True)
    assert "Rock Mining Licence (SIPB)" in queue and "Document verification (verifier)" in queue
    detail = staff.get(f"/backoffice/permohonan/{app_id}").get_data(as_text=True)
    for english in ("Rock Mining Licence (SIPB)", "Document verification (verifier)", "Rock commodity",
                    "Documents complete and correct — forward", "Map of the licensed area with coordinates (DWG/PDF)"):
        assert english in detail, english
    form = staff.get(f"/backoffice/permohonan/{app_id}/tindakan/kembalikan_revisi").get_data(as_text=True)
    assert "Return for revision" in form and "Revision note (what must be corrected)" in form

    staff.get("/lang/id")
    detail = staff.get(f"/backoffice/permohonan/{app_id}").get_data(as_text=True)
    assert "Surat Izin Penambangan Batuan (SIPB)" in detail and "Verifikasi berkas (Verifikator)" in detail
