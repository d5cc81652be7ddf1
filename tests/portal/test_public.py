"""Public tracking (/lacak): receipt, or e-mail + number; names masked; rate-limited."""
from __future__ import annotations

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
