"""Public tracking (/lacak): receipt, or e-mail + number; names masked; rate-limited."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.portal.public import mask_name
from models import Application
from tests.portal.conftest import kaltim_form


def _submitted(app, customer):
    client, user_id = customer
    assert client.post("/portal/ajukan/kaltim_sipb", data=kaltim_form(),
                       content_type="multipart/form-data").status_code == 302
    with app.app_context():
        from app.extensions import db
        from flask_appbuilder.security.sqla.models import User
        application = db.session.scalar(select(Application).where(Application.customer_id == user_id))
        return application.receipt, application.number, db.session.get(User, user_id).email


def test_mask_name():
    assert mask_name("Budi Santoso") == "Bu** Sa*****"
    assert mask_name("Ani") == "A**"


def test_track_by_receipt_shows_timeline_with_masked_name(app, client, customer):
    receipt, _number, _email = _submitted(app, customer)
    html = client.get(f"/lacak?nomor={receipt.lower()}").get_data(as_text=True)
    assert "Proses — Verifikasi Berkas" in html and "Permohonan dibuat" in html
    assert "Pelanggan cust" not in html and "Pe******" in html
    assert client.get("/lacak?nomor=ZZZZZZ").status_code == 404


def test_track_by_number_needs_the_email(app, client, customer):
    with customer[0].session_transaction() as session:
        session["cart"] = {"bmkg_informasi": [{"code": "INF-GEO-01", "quantity": 1}]}
    from tests.portal.conftest import PDF_BYTES, upload
    customer[0].post("/portal/ajukan/bmkg_informasi", data={
        "f.keperluan": "komersial", "f.rincian_permohonan": "x", "doc.dokumen_permohonan": upload(PDF_BYTES, "p.pdf"),
        "action": "submit"}, content_type="multipart/form-data")
    with app.app_context():
        from app.extensions import db
        from flask_appbuilder.security.sqla.models import User
        application = db.session.scalar(select(Application).where(Application.customer_id == customer[1]))
        number, email = application.receipt, db.session.get(User, customer[1]).email
    assert client.get(f"/lacak?nomor={number}&email={email}").status_code == 200
    assert client.get(f"/lacak?nomor={number}&email=orang.lain@contoh.test").status_code == 404


def test_tracking_is_rate_limited(app):
    app.config["PUBLIC_TRACKING_RATE_LIMIT"] = "3 per minute"
    try:
        client = app.test_client()
        codes = [client.get("/lacak?nomor=AAAAAA", environ_base={"REMOTE_ADDR": "10.9.8.7"}).status_code
                 for _ in range(4)]
        assert codes == [404, 404, 404, 429]
        other = client.get("/lacak?nomor=AAAAAA", environ_base={"REMOTE_ADDR": "10.9.8.6"})
        assert other.status_code == 404
    finally:
        app.config["PUBLIC_TRACKING_RATE_LIMIT"] = "20 per minute"


def test_verification_form_hands_over_to_verify(client):
    response = client.get("/lacak/verifikasi?kode=AB12-CD34")
    assert response.status_code == 302 and response.location.endswith("/verify/AB12-CD34")


def _bmkg_submitted(app, customer) -> tuple[str, str]:
    """A BMKG application (receipt PTSP-yyyymm-nnnnn: a counter); returns (receipt, email)."""
    from tests.portal.conftest import PDF_BYTES, upload
    client, user_id = customer
    with client.session_transaction() as session:
        session["cart"] = {"bmkg_informasi": [{"code": "INF-GEO-01", "quantity": 1}]}
    response = client.post("/portal/ajukan/bmkg_informasi", data={
        "f.keperluan": "komersial", "f.rincian_permohonan": "x", "doc.dokumen_permohonan": upload(PDF_BYTES, "p.pdf"),
        "action": "submit"}, content_type="multipart/form-data")
    assert response.status_code == 302
    with app.app_context():
        from app.extensions import db
        from flask_appbuilder.security.sqla.models import User
        application = db.session.scalar(select(Application).where(Application.customer_id == user_id)
                                        .order_by(Application.id.desc()))
        return application.receipt, db.session.get(User, user_id).email


def _page(response):
    """The page without its echoed input values and CSRF token."""
    import re
    return re.sub(r'(name="csrf-token" content|value)="[^"]*"', "", response.get_data(as_text=True))


def test_sequential_receipts_need_the_applicants_email(app, customer, factories, monkeypatch):
    """Guessing PTSP-yyyymm-nnnnn receipts finds nothing: a real one answers like an unknown one."""
    from tests.portal.conftest import sign_in
    monkeypatch.setitem(app.config, "PUBLIC_TRACKING_RATE_LIMIT", "100 per minute")  # limit: tested above
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "10.20.30.40"
    receipts = [_bmkg_submitted(app, customer)]
    other_id, _name = factories.customer()
    receipts.append(_bmkg_submitted(app, (sign_in(app.test_client(), other_id), other_id)))
    (first, email), (second, other_email) = receipts
    prefix, serial = first.rsplit("-", 1)
    guesses = [f"{prefix}-{n:05d}" for n in range(max(1, int(serial) - 10), int(serial) + 10)]
    assert first in guesses and second in guesses
    unknown = client.get(f"/lacak?nomor={prefix}-99999")
    hits = 0
    for guess in guesses + [first.lower(), f" {first} ", second]:
        response = client.get("/lacak", query_string={"nomor": guess})
        hits += response.status_code == 200
        assert response.status_code == 404 and _page(response) == _page(unknown)
    assert hits == 0
    # the second factor: the applicant's email (any case), never another's
    for number, right, wrong in ((first, email, other_email), (second, other_email, email)):
        assert client.get("/lacak", query_string={"nomor": number, "email": right.upper()}).status_code == 200
        for bad in (wrong, "", " ", "x@example.test", right + "x", "%"):
            response = client.get("/lacak", query_string={"nomor": number, "email": bad})
            assert response.status_code == 404, (number, bad)


@pytest.mark.parametrize("pattern, random", [
    ("{hex6}", True), ("PTSP-{yyyy}{mm}-{seq:05}", False), ("{seq}/{service}/{dd}/{roman_month}/{yy}", False),
    ("TERA-{yyyy}{mm}-{seq:05}", False), ("R-{seq:04}-{hex6}", True), ("{agency}-{hex6}", True),
])
def test_numbering_patterns_with_a_random_part(pattern, random):
    from app.workflow.numbering import has_random_part
    assert has_random_part(pattern) is random


def test_a_random_receipt_alone_is_enough_and_the_receipt_says_how(app, client, customer):
    receipt, _number, email = _submitted(app, customer)   # Kaltim: {hex6}
    assert client.get(f"/lacak?nomor={receipt}").status_code == 200
    with app.app_context():
        from app.extensions import db
        app_id = db.session.scalar(select(Application.id).where(Application.receipt == receipt))
    page = customer[0].get(f"/portal/permohonan/{app_id}/resi").get_data(as_text=True)
    assert "dengan nomor resi ini." in page and "dengan nomor resi ini dan email Anda" not in page


def test_the_receipt_page_of_a_sequential_receipt_asks_for_the_email(app, customer):
    receipt, email = _bmkg_submitted(app, customer)
    with app.app_context():
        from app.extensions import db
        app_id = db.session.scalar(select(Application.id).where(Application.receipt == receipt))
    page = customer[0].get(f"/portal/permohonan/{app_id}/resi").get_data(as_text=True)
    assert "dengan nomor resi ini dan email Anda" in page and email in page
