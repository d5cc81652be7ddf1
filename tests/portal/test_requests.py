"""Permohonan Saya, the application page and its actions, survey, messages — own data only."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from models import Application, Complaint, InboxMessage, Message, StoredFile
from tests.portal.conftest import PDF_BYTES, PNG_BYTES, count, files_on_disk, kaltim_form, sign_in, upload


@pytest.fixture
def kaltim_app(app, customer):
    client, user_id = customer
    response = client.post("/portal/ajukan/kaltim_sipb", data=kaltim_form(), content_type="multipart/form-data")
    assert response.status_code == 302
    with app.app_context():
        from app.extensions import db
        application = db.session.scalar(select(Application).where(Application.customer_id == user_id))
        return client, user_id, application.id, application.receipt


@pytest.fixture
def bmkg_app(app, customer):
    client, user_id = customer
    with client.session_transaction() as session:
        session["cart"] = {"bmkg_informasi": [{"code": "INF-GEO-01", "quantity": 1}]}
    response = client.post("/portal/ajukan/bmkg_informasi", data={
        "f.keperluan": "komersial", "f.rincian_permohonan": "Gempa 1 Januari 2026",
        "doc.dokumen_permohonan": upload(PDF_BYTES, "p.pdf"), "action": "submit"},
        content_type="multipart/form-data")
    assert response.status_code == 302
    with app.app_context():
        from app.extensions import db
        application = db.session.scalar(select(Application).where(Application.customer_id == user_id))
        return client, user_id, application.id


def _staff(app, factories, agency: str, role: str):
    from app.extensions import appbuilder, db
    from flask_appbuilder.security.sqla.models import User
    user_id, _ = factories.staff(agency, role)
    return user_id


def _transition(app, app_id: int, user_id: int, action: str, fields=None, files=None):
    from app.commands.application.transition import ApplicationTransitionCommand
    from app.extensions import db
    from flask_appbuilder.security.sqla.models import User
    with app.test_request_context():
        ApplicationTransitionCommand(app_id, db.session.get(User, user_id), action, fields=fields or {},
                                     files=files or {}).run()
        db.session.remove()


def test_list_search_and_status_icons(kaltim_app):
    client, _user, app_id, receipt = kaltim_app
    html = client.get("/portal/permohonan").get_data(as_text=True)
    assert receipt in html and "⏳" in html and "Proses — Verifikasi Berkas" in html
    assert receipt in client.get(f"/portal/permohonan?q={receipt}").get_data(as_text=True)
    assert receipt not in client.get("/portal/permohonan?q=ZZZZZZ").get_data(as_text=True)
    assert receipt not in client.get("/portal/permohonan?status=selesai").get_data(as_text=True)


def test_another_customer_gets_404_everywhere(app, factories, kaltim_app):
    client, owner_id, app_id, receipt = kaltim_app
    with app.app_context():
        from app.extensions import db
        application = db.session.get(Application, app_id)
        file_id = application.files[0].id
        library_id = application.files[0].file_id
    intruder_id, intruder_name = factories.customer("person")
    intruder = sign_in(app.test_client(), intruder_id)
    for path in (f"/portal/permohonan/{app_id}", f"/portal/permohonan/{app_id}/resi",
                 f"/portal/permohonan/{app_id}/terkirim", f"/portal/permohonan/{app_id}/invoice",
                 f"/portal/permohonan/{app_id}/survei", f"/portal/permohonan/{app_id}/berkas/{file_id}",
                 f"/portal/permohonan/{app_id}/revisi/kirim_revisi", f"/portal/file-saya/{library_id}"):
        assert intruder.get(path).status_code == 404, path
    for path in (f"/portal/permohonan/{app_id}/aksi/kirim_revisi", f"/portal/permohonan/{app_id}/pesan"):
        assert intruder.post(path, data={"pesan": "halo"}).status_code == 404, path
    assert receipt not in intruder.get("/portal/permohonan").get_data(as_text=True)
    # and through the REST API
    from tests.conftest import api_login
    token = api_login(app.test_client(), intruder_name)
    api = app.test_client()
    assert api.get(f"/api/v1/application/{app_id}", headers={"Authorization": f"Bearer {token}"}).status_code == 404
    assert api.get(f"/unduh/berkas/{file_id}", headers={"Authorization": f"Bearer {token}"}).status_code in (302, 401, 404)


def test_portal_posts_need_csrf(app, customer):
    client, _ = customer
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert client.post("/portal/pengaduan", data={"category": "lainnya"}).status_code == 400
        assert client.post("/portal/file-saya", data={}).status_code == 400
        assert client.post("/portal/ajukan/kaltim_sipb", data={"action": "draft"}).status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_payment_proof_with_account_and_refusals(app, factories, bmkg_app):
    client, user_id, app_id = bmkg_app
    officer = _staff(app, factories, "bmkg", "petugas_layanan")
    _transition(app, app_id, officer, "tersedia")
    html = client.get(f"/portal/permohonan/{app_id}").get_data(as_text=True)
    assert "Upload Bukti Pembayaran" in html and "Lihat Invoice" in html and "maksimal 20 MB" in html
    invoice = client.get(f"/portal/permohonan/{app_id}/invoice").get_data(as_text=True)
    assert "Rp 50.000" in invoice and "BRI" in invoice
    before = (count(app, StoredFile), files_on_disk(app))
    response = client.post(f"/portal/permohonan/{app_id}/aksi/upload_bukti", data={
        "a.rekening_tujuan": "bri", "a.bukti_bayar": upload(b"<html>palsu</html>", "bukti.pdf")},
        content_type="multipart/form-data")
    assert response.status_code == 422 and "Jenis file tidak diizinkan" in response.get_data(as_text=True)
    assert (count(app, StoredFile), files_on_disk(app)) == before
    response = client.post(f"/portal/permohonan/{app_id}/aksi/upload_bukti", data={
        "a.bukti_bayar": upload(PDF_BYTES, "bukti.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 422 and "Wajib diisi" in response.get_data(as_text=True)
    response = client.post(f"/portal/permohonan/{app_id}/aksi/upload_bukti", data={
        "a.rekening_tujuan": "bri", "a.bukti_bayar": upload(PDF_BYTES, "bukti.pdf")},
        content_type="multipart/form-data")
    assert response.status_code == 302
    with app.app_context():
        from app.extensions import db
        application = db.session.get(Application, app_id)
        assert application.state == "pembayaran_diverifikasi"
        assert application.payments[-1].bank_account.key == "bri"


def test_revision_prefilled_and_sent(app, factories, kaltim_app):
    client, user_id, app_id, _ = kaltim_app
    verifier = _staff(app, factories, "kaltim", "verifikator")
    _transition(app, app_id, verifier, "kembalikan_revisi", {"catatan": "Lengkapi peta koordinat."})
    detail = client.get(f"/portal/permohonan/{app_id}").get_data(as_text=True)
    assert "Lengkapi peta koordinat." in detail and "Submit Revisi" in detail
    page = client.get(f"/portal/permohonan/{app_id}/revisi/kirim_revisi").get_data(as_text=True)
    assert 'value="10000"' in page and "Lengkapi peta koordinat." in page
    response = client.post(f"/portal/permohonan/{app_id}/revisi/kirim_revisi", data={
        "f.komoditas": "andesit", "f.luas_wilayah": "6", "f.rencana_produksi": "10000"})
    assert response.status_code == 422 and "Pernyataan wajib disetujui." in response.get_data(as_text=True)
    response = client.post(f"/portal/permohonan/{app_id}/revisi/kirim_revisi", data={
        "f.komoditas": "andesit", "f.luas_wilayah": "6", "f.rencana_produksi": "10000", "declaration": "1",
        "doc.peta_wilayah": upload(PDF_BYTES, "peta2.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    with app.app_context():
        from app.extensions import db
        application = db.session.get(Application, app_id)
        assert application.state == "verifikasi" and application.data["luas_wilayah"] == 6
        current = [f for f in application.files if f.doc_key == "peta_wilayah" and not f.superseded]
        assert current[0].file.original_name == "peta2.pdf"


def test_cancel_needs_confirmation(app, customer):
    from models import Asset
    client, user_id = customer
    with app.app_context():
        from app.extensions import db
        asset = Asset(owner_id=user_id, kind="uttp", name="Meter Air")
        db.session.add(asset)
        db.session.commit()
        asset_id = asset.id
    response = client.post("/portal/ajukan/metrologi_tera", data={
        "asset_id": str(asset_id), "f.jenis_layanan": "tera", "f.jenis_uttp": "meter_air",
        "doc.foto_kondisi": upload(PNG_BYTES, "f.png"),
        "doc.surat_permohonan": upload(PDF_BYTES, "s.pdf"), "doc.persetujuan_tipe": upload(PDF_BYTES, "t.pdf"),
        "action": "submit"}, content_type="multipart/form-data")
    assert response.status_code == 302
    app_id = int(response.location.split("/")[-2])
    response = client.post(f"/portal/permohonan/{app_id}/aksi/batal_pengajuan", data={})
    assert response.status_code == 422 and "Centang konfirmasi" in response.get_data(as_text=True)
    assert client.post(f"/portal/permohonan/{app_id}/aksi/batal_pengajuan", data={"konfirmasi": "1"}).status_code == 302
    assert "✖" in client.get("/portal/permohonan").get_data(as_text=True)


def test_survey_once_then_the_button_disappears(app, factories, kaltim_app):
    client, user_id, app_id, _ = kaltim_app
    with app.app_context():
        from app.extensions import db
        application = db.session.get(Application, app_id)
        application.state, application.state_kind = "selesai", "final_success"
        db.session.commit()
    assert "survey-button" in client.get(f"/portal/permohonan/{app_id}").get_data(as_text=True)
    page = client.get(f"/portal/permohonan/{app_id}/survei").get_data(as_text=True)
    assert "Survei Kepuasan Masyarakat" in page and "Sangat puas" in page
    response = client.post(f"/portal/permohonan/{app_id}/survei", data={"q.q01_kinerja": "4"})
    assert response.status_code == 422 and "Pilih salah satu jawaban." in response.get_data(as_text=True)
    with app.app_context():
        data = app.extensions["satupintu.rules"].file_rules.data
        questions = data["surveys"]["kaltim_ikm"]["questions"]
    answers = {f"q.{q['key']}": "3" for q in questions}
    assert client.post(f"/portal/permohonan/{app_id}/survei", data=answers).status_code == 302
    assert "survey-button" not in client.get(f"/portal/permohonan/{app_id}").get_data(as_text=True)
    assert client.post(f"/portal/permohonan/{app_id}/survei", data=answers).status_code == 302


def test_messages_with_attachment_checked(app, kaltim_app):
    client, user_id, app_id, _ = kaltim_app
    response = client.post(f"/portal/permohonan/{app_id}/pesan", data={
        "pesan": "Kapan diproses?", "lampiran": upload(b"MZ\x90\x00", "x.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 422 and "Isi file bukan jenis" in response.get_data(as_text=True)
    assert client.post(f"/portal/permohonan/{app_id}/pesan", data={"pesan": "Kapan diproses?"}).status_code == 302
    assert "Kapan diproses?" in client.get(f"/portal/permohonan/{app_id}").get_data(as_text=True)
    with app.app_context():
        assert count(app, Message) >= 1


def test_complaints_and_inbox(app, kaltim_app):
    client, user_id, app_id, _ = kaltim_app
    response = client.post("/portal/pengaduan", data={"application_id": "", "category": "", "text": "x"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Pilih kategori pengaduan." in html and "minimal 10 karakter" in html
    response = client.post("/portal/pengaduan", data={"application_id": str(app_id), "category": "waktu",
                                                      "text": "Permohonan saya belum diverifikasi."})
    assert response.status_code == 302
    assert "Baru — menunggu tanggapan" in client.get(response.location).get_data(as_text=True)
    with app.app_context():
        from app.extensions import db
        complaint = db.session.scalar(select(Complaint).where(Complaint.user_id == user_id))
        complaint.reply, complaint.status = "Sudah kami teruskan ke verifikator.", "selesai"
        db.session.add(InboxMessage(user_id=user_id, application_id=app_id, subject="Permohonan diterima",
                                    body="Isi pesan"))
        db.session.commit()
        complaint_id = complaint.id
    assert "Sudah kami teruskan" in client.get(f"/portal/pengaduan/{complaint_id}").get_data(as_text=True)
    inbox = client.get("/portal/inbox").get_data(as_text=True)
    assert "Permohonan diterima" in inbox and "baru" in inbox
    with app.app_context():
        from app.extensions import db
        message_id = db.session.scalar(select(InboxMessage.id).where(InboxMessage.user_id == user_id))
    assert "Isi pesan" in client.get(f"/portal/inbox/{message_id}").get_data(as_text=True)
    other = sign_in(app.test_client(), _new_customer(app))
    assert other.get(f"/portal/inbox/{message_id}").status_code == 404
    assert other.get(f"/portal/pengaduan/{complaint_id}").status_code == 404


def _new_customer(app) -> int:
    from tests.conftest import Factories
    return Factories(app).customer("person")[0]


def test_results_wait_for_a_gating_survey(app, customer):
    """MELASTI's survey gates downloads: the report shows only after the survey."""
    from app.commands.application.create import CreateApplicationCommand
    from app.storage.files import IncomingFile
    from models import GeneratedDocument, SurveyResponse
    client, user_id = customer
    with app.test_request_context():
        from app.extensions import db
        from flask_appbuilder.security.sqla.models import User
        data = app.extensions["satupintu.rules"].file_rules.data
        spec = data["services"]["melasti_data"]
        from app.demo.autofill import fill_form, sample_file
        fields, _ = fill_form([f for f in spec.get("fields", []) if f.get("type") != "file"])
        from io import BytesIO

        from werkzeug.datastructures import FileStorage
        files = {d["key"]: IncomingFile.from_storage(FileStorage(BytesIO(sample_file(d.get("types"))[0]),
                                                                 filename=sample_file(d.get("types"))[1]))
                 for d in spec.get("documents", []) if d.get("required")}
        application = CreateApplicationCommand(db.session.get(User, user_id), "melasti_data", fields=fields,
                                               declaration=True, files=files).run()
        app_id, service_type_id = application.id, application.service_type_id
        db.session.add(GeneratedDocument(application_id=app_id, doc_key="x", kind="report", status="ready",
                                         verify_code=f"t{app_id}x"))
        db.session.commit()
    html = client.get(f"/portal/permohonan/{app_id}").get_data(as_text=True)
    assert "setelah Anda mengisi survei" in html and "/unduh/dokumen/" not in html
    with app.app_context():
        from app.extensions import db
        db.session.add(SurveyResponse(application_id=app_id, service_type_id=service_type_id,
                                      survey_key=spec["survey"], respondent_id=user_id, answers={}))
        db.session.commit()
    assert "/unduh/dokumen/" in client.get(f"/portal/permohonan/{app_id}").get_data(as_text=True)


def _revision_event(app, app_id):
    from app.extensions import db
    from models import AuditEvent
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.application_id == app_id,
                                                           AuditEvent.action == "kirim_revisi"))
        return event.values if event else None


def test_revision_corrects_company_and_location_and_audits_it(app, factories, kaltim_app):
    """Kaltim's kirim_revisi says `revise: [company, location, fields, documents]`."""
    client, user_id, app_id, _ = kaltim_app
    verifier = _staff(app, factories, "kaltim", "verifikator")
    _transition(app, app_id, verifier, "kembalikan_revisi", {"catatan": "Nama perusahaan dan titik lokasi salah."})
    page = client.get(f"/portal/permohonan/{app_id}/revisi/kirim_revisi").get_data(as_text=True)
    assert 'name="company.name"' in page and 'value="PT Batu Kaltim"' in page
    assert 'name="location.lat"' in page and 'value="-0.402106"' in page
    assert "portal/boundaries/provinces.geojson" in page
    base = {"f.komoditas": "andesit", "f.luas_wilayah": "5", "f.rencana_produksi": "10000", "declaration": "1",
            "company.name": "PT Batu Kaltim Sejahtera", "company.form": "PT",
            "location.street": "Jl. Poros Samarinda–Bontang Km 14", "location.village": "Sungai Siring",
            "location.lat": "-0.410000", "location.lng": "117.260000"}
    # bad input: a message on the field, nothing changed
    for bad in ({"company.name": ""}, {"location.lat": "abc"}, {"location.street": ""}):
        response = client.post(f"/portal/permohonan/{app_id}/revisi/kirim_revisi", data={**base, **bad})
        assert response.status_code == 422, bad
        with app.app_context():
            from app.extensions import db
            application = db.session.get(Application, app_id)
            assert application.state == "revisi" and application.company["name"] == "PT Batu Kaltim"
            assert application.location["coordinates"] == {"lat": -0.402106, "lng": 117.253709}
    response = client.post(f"/portal/permohonan/{app_id}/revisi/kirim_revisi", data=base)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    with app.app_context():
        from app.extensions import db
        application = db.session.get(Application, app_id)
        assert application.state == "verifikasi"
        assert application.company["name"] == "PT Batu Kaltim Sejahtera"
        assert application.location["street"] == "Jl. Poros Samarinda–Bontang Km 14"
        assert application.location["coordinates"] == {"lat": -0.41, "lng": 117.26}
    revised = _revision_event(app, app_id)["revised"]
    assert revised["company"]["name"] == {"from": "PT Batu Kaltim", "to": "PT Batu Kaltim Sejahtera"}
    assert revised["location"]["coordinates"]["to"] == {"lat": -0.41, "lng": 117.26}
    assert "rt_rw" in revised["location"]          # cleared in the form: recorded as a change too


@pytest.mark.parametrize("revise", [None, ["fields", "documents"], ["documents"]])
def test_revision_without_the_rules_flag_cannot_touch_company_or_location(app, factories, kaltim_app, revise):
    """Without `company`/`location` in the transition's `revise`, the form has no such sections and a
    hand-made request changing them is refused by the command, whatever the portal sends."""
    from app.commands.application.transition import ApplicationTransitionCommand
    from app.core.errors import ValidationError
    from flask_appbuilder.security.sqla.models import User
    client, user_id, app_id, _ = kaltim_app
    verifier = _staff(app, factories, "kaltim", "verifikator")
    _transition(app, app_id, verifier, "kembalikan_revisi", {"catatan": "Perbaiki."})
    with app.app_context():
        from app.extensions import db
        from app.commands.rules.state import rules_state
        version = db.session.get(Application, app_id).rules_version_id
        workflow = rules_state().rules_for(version).data["workflows"]["kaltim_perizinan"]
    transition = next(t for t in workflow["transitions"] if t["action"] == "kirim_revisi")
    saved = transition.get("revise")
    try:
        if revise is None:
            transition.pop("revise", None)
        else:
            transition["revise"] = revise
        page = client.get(f"/portal/permohonan/{app_id}/revisi/kirim_revisi").get_data(as_text=True)
        assert 'name="company.name"' not in page and 'name="location.lat"' not in page
        with app.test_request_context():
            customer = db.session.get(User, user_id)
            with pytest.raises(ValidationError) as refused:
                ApplicationTransitionCommand(app_id, customer, "kirim_revisi",
                                             section_updates={"company": {"name": "PT Lain"}}).run()
            assert "company._section" in refused.value.details["field_errors"]
            db.session.rollback()
            assert db.session.get(Application, app_id).company["name"] == "PT Batu Kaltim"
            db.session.remove()
    finally:
        transition["revise"] = saved
