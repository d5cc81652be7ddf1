"""The back office as staff use it: queues by role, scope (404 on screen and API), transition forms
with uploads and their errors, messages, complaints, exports, reports and the rules screen."""
from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from tests.conftest import PDF_BYTES
from tests.backoffice.conftest import state_of, transition


def queue_ids(client, query: str = "") -> list[int]:
    response = client.get(f"/backoffice/antrean/{query}")
    assert response.status_code == 200
    return [int(i) for i in re.findall(r'href="/backoffice/permohonan/(\d+)"', response.get_data(as_text=True))]


def states_of(app, ids) -> set[str]:
    return {state_of(app, i) for i in set(ids)}


@pytest.fixture(scope="module")
def bmkg_apps(bo_offices, seed_data):
    """One BMKG application waiting for the treasurer, one for the service officer."""
    office = bo_offices["bmkg"]
    workflow = seed_data["workflows"]["bmkg_informasi"]
    to_pay = office.create("bmkg_informasi")
    office.drive(to_pay, [transition(workflow, "kirim"), transition(workflow, "tersedia"),
                          transition(workflow, "upload_bukti")])
    to_confirm = office.create("bmkg_informasi")
    office.drive(to_confirm, [transition(workflow, "kirim")])
    return {"payment": to_pay, "confirm": to_confirm}


def test_bmkg_treasurer_sees_only_payment_validations(app, html, bo_offices, bmkg_apps):
    treasurer = html(bo_offices["bmkg"].staff["bendahara"].username)
    ids = queue_ids(treasurer, "?page=0")
    assert bmkg_apps["payment"] in ids and bmkg_apps["confirm"] not in ids
    assert states_of(app, ids) == {"pembayaran_diverifikasi"}
    page = treasurer.get(f"/backoffice/permohonan/{bmkg_apps['payment']}").get_data(as_text=True)
    buttons = set(re.findall(r'/tindakan/(\w+)"', page))
    assert buttons == {"pembayaran_valid", "pembayaran_ditangguhkan", "pembayaran_tidak_valid"}

    officer = html(bo_offices["bmkg"].staff["petugas_layanan"].username)
    officer_ids = queue_ids(officer)
    assert bmkg_apps["confirm"] in officer_ids and bmkg_apps["payment"] not in officer_ids


def test_melasti_head_sees_only_dispositions(app, html, bo_offices, seed_data):
    office = bo_offices["melasti"]
    workflow = seed_data["workflows"]["melasti_layanan"]
    waiting = office.create("melasti_data")
    office.drive(waiting, [transition(workflow, "terima")])
    fresh = office.create("melasti_data")
    head = html(office.staff["kepala_balai"].username)
    ids = queue_ids(head)
    assert waiting in ids and fresh not in ids
    assert states_of(app, ids) == {"disposisi_kepala_balai"}
    # the filters narrow it and still answer
    assert queue_ids(head, "?state=admin_layanan") == []
    customer = office.customer_for("melasti_data").username
    assert waiting in queue_ids(head, f"?q={customer}")          # search by the customer's name
    assert queue_ids(head, "?q=tidak-ada-yang-begini") == []


def _receipt(app, app_id):
    from app.extensions import db
    from models import Application
    with app.app_context():
        value = db.session.get(Application, app_id).receipt
        db.session.remove()
        return value


def test_other_agency_gets_404_on_screen_and_api(html, bo_offices, bmkg_apps):
    sippt = bo_offices["sippt"].staff["cs"]
    client = html(sippt.username)
    app_id = bmkg_apps["confirm"]
    assert client.get(f"/backoffice/permohonan/{app_id}").status_code == 404
    assert client.get(f"/backoffice/permohonan/{app_id}/tindakan/tersedia").status_code == 404
    assert client.post(f"/backoffice/permohonan/{app_id}/pesan", data={"body": "x"}).status_code == 404
    assert sippt.get(f"/api/v1/application/{app_id}").status_code == 404
    assert app_id not in queue_ids(client)
    recap = client.get("/backoffice/rekap/?from=2000-01-01").get_data(as_text=True)
    assert f"/backoffice/permohonan/{app_id}\"" not in recap


def test_transition_form_with_upload_goes_through_the_command(app, html, bo_offices, bmkg_apps, seed_data):
    office = bo_offices["bmkg"]
    workflow = seed_data["workflows"]["bmkg_informasi"]
    app_id = office.create("bmkg_informasi")
    office.drive(app_id, [transition(workflow, "kirim"), transition(workflow, "tersedia_tarif_nol")])
    assert state_of(app, app_id) == "diproses"
    client = html(office.staff["petugas_layanan"].username)
    url = f"/backoffice/permohonan/{app_id}/tindakan/sediakan_dokumen"
    page = client.get(url).get_data(as_text=True)
    assert 'type="file"' in page and 'name="hasil"' in page
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)

    # without the required file: the engine's message comes back on the form, nothing changes
    missing = client.post(url, data={"version": version, "catatan": "x"}, content_type="multipart/form-data")
    text = missing.get_data(as_text=True)
    assert missing.status_code == 422 and "Wajib diisi." in text
    assert state_of(app, app_id) == "diproses"

    # a stale form (someone else acted meanwhile) is refused with a clear message
    stale = client.post(url, data={"version": str(int(version) - 1), "hasil": (io.BytesIO(PDF_BYTES), "hasil.pdf")},
                        content_type="multipart/form-data")
    assert stale.status_code == 409
    assert "Data telah diubah oleh pengguna lain" in stale.get_data(as_text=True)

    done = client.post(url, data={"version": version, "catatan": "Dokumen terlampir.",
                                  "hasil": (io.BytesIO(PDF_BYTES), "hasil.pdf"), "idempotency_key": "k1"},
                       content_type="multipart/form-data")
    assert done.status_code == 302
    assert state_of(app, app_id) == "verifikasi_akhir"
    show = client.get(f"/backoffice/permohonan/{app_id}").get_data(as_text=True)
    assert "Dokumen terlampir." in show and "hasil.pdf" in show
    file_id = re.search(r'<iframe src="/pratinjau/berkas/(\d+)"', show).group(1)
    preview = client.get(f"/pratinjau/berkas/{file_id}")
    assert preview.status_code == 200 and preview.data.startswith(b"%PDF")
    assert preview.headers["Content-Security-Policy"] == "sandbox"


def test_action_not_available_to_the_role_is_refused(app, html, bo_offices, bmkg_apps):
    treasurer = html(bo_offices["bmkg"].staff["bendahara"].username)
    response = treasurer.post(f"/backoffice/permohonan/{bmkg_apps['confirm']}/tindakan/tersedia", data={})
    assert response.status_code == 403
    assert state_of(app, bmkg_apps["confirm"]) == "terkirim"


def test_message_reply_notifies_the_customer(app, html, bo_offices, bmkg_apps):
    from app.extensions import db
    from models import Message, OutboxMessage

    client = html(bo_offices["bmkg"].staff["petugas_layanan"].username)
    app_id = bmkg_apps["confirm"]
    response = client.post(f"/backoffice/permohonan/{app_id}/pesan", data={"body": "Mohon lengkapi NPWP."})
    assert response.status_code == 302
    assert client.post(f"/backoffice/permohonan/{app_id}/pesan", data={"body": "  "}).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count(Message.id)).where(Message.application_id == app_id)) == 1
        rows = db.session.scalars(select(OutboxMessage).where(OutboxMessage.application_id == app_id,
                                                              OutboxMessage.template == "")).all()
        assert {r.channel for r in rows} == {"inbox", "email"}
        assert all("Mohon lengkapi NPWP." in r.payload["body"] for r in rows)
        db.session.remove()
    assert "Mohon lengkapi NPWP." in client.get(f"/backoffice/permohonan/{app_id}").get_data(as_text=True)


def test_complaint_reply_and_status(app, html, bo_offices):
    from app.extensions import db
    from models import Agency, Complaint, OutboxMessage

    customer = bo_offices["bmkg"].customers["person"]
    with app.app_context():
        agencies = {a.key: a.id for a in db.session.scalars(select(Agency))}
        complaint = Complaint(user_id=customer.user_id, agency_id=agencies["bmkg"], category="Pelayanan",
                              text="Data belum dikirim.")
        db.session.add(complaint)
        db.session.commit()
        pk = complaint.id
        db.session.remove()
    officer = html(bo_offices["bmkg"].staff["petugas_layanan"].username)
    assert "Data belum dikirim." in officer.get("/backoffice/pengaduan/").get_data(as_text=True)
    refused = officer.post(f"/backoffice/pengaduan/{pk}", data={"reply": "", "status": "selesai"})
    assert "Tuliskan jawaban" in refused.get_data(as_text=True)
    done = officer.post(f"/backoffice/pengaduan/{pk}", data={"reply": "Sudah kami kirim ulang.", "status": "selesai"})
    assert done.status_code == 302
    with app.app_context():
        row = db.session.get(Complaint, pk)
        assert (row.status, row.reply) == ("selesai", "Sudah kami kirim ulang.")
        sent = db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient_id == customer.user_id,
                                                              OutboxMessage.channel == "inbox")).all()
        assert any("Sudah kami kirim ulang." in r.payload["body"] for r in sent)
        db.session.remove()
    other = html(bo_offices["sippt"].staff["cs"].username)
    assert other.get(f"/backoffice/pengaduan/{pk}").status_code == 404


def test_status_is_never_editable(app, html, bo_offices, bmkg_apps):
    admin = html("admin")
    app_id = bmkg_apps["confirm"]
    assert admin.get(f"/applicationview/edit/{app_id}").status_code in (302, 403, 404, 405)
    assert admin.post(f"/applicationview/edit/{app_id}", data={"state": "transaksi_sukses"}).status_code in (302, 403, 404, 405)
    api = bo_offices["bmkg"].staff["petugas_layanan"]
    for method in ("put", "patch"):
        response = getattr(api.client, method)(f"/api/v1/application/{app_id}", json={"state": "transaksi_sukses"},
                                               headers={"Authorization": f"Bearer {api.token}"})
        assert response.status_code in (404, 405)
    assert state_of(app, app_id) == "terkirim"


def test_excel_export_holds_exactly_the_filtered_rows(app, html, bo_offices, bmkg_apps):
    client = html(bo_offices["bmkg"].staff["petugas_layanan"].username)
    query = "?from=2000-01-01&state=pembayaran_diverifikasi"
    page = client.get(f"/backoffice/rekap/{query}").get_data(as_text=True)
    listed = set(re.findall(r'href="/backoffice/permohonan/(\d+)"', page))
    response = client.get(f"/backoffice/rekap/excel{query}")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("No.", "Nomor permohonan", "Resi")
    from app.extensions import db
    from models import Application
    with app.app_context():
        receipts = {db.session.get(Application, int(i)).receipt for i in listed}
        db.session.remove()
    assert len(rows) - 1 == len(listed) >= 1
    assert {r[2] for r in rows[1:]} == receipts
    assert all(r[9] == "Validasi pembayaran (Bendahara Penerimaan)" for r in rows[1:])


def test_dashboard_and_ikm_report(app, html, bo_offices, seed_data):
    office = bo_offices["sippt"]
    client = html(office.staff["cs"].username)
    dashboard = client.get("/backoffice/dasbor/?from=2000-01-01")
    text = dashboard.get_data(as_text=True)
    assert dashboard.status_code == 200 and "<svg" in text and "Menunggu verifikasi" in text
    assert "gstatic" not in text and "googleapis" not in text

    from app.extensions import db
    from app.reports.ikm import compute_ikm, question_elements
    from models import ServiceType, SurveyResponse
    with app.app_context():
        service = db.session.scalar(select(ServiceType).where(ServiceType.key == "sippt_pengujian"))
        answers = list(db.session.scalars(select(SurveyResponse.answers).where(
            SurveyResponse.service_type_id == service.id)))
        service_id = service.id
        db.session.remove()
    survey = seed_data["surveys"][seed_data["services"]["sippt_pengujian"]["survey"]]
    page = client.get(f"/backoffice/ikm/?service={service_id}&from=2000-01-01").get_data(as_text=True)
    if answers:
        expected = compute_ikm(answers, question_elements(survey))
        assert f"{expected.converted:.2f}".replace(".", ",") in page
    else:
        assert "belum ada responden" in page


def test_rules_screen_shows_diagram_and_broken_upload_changes_nothing(app, html, bo_offices):
    from app.extensions import db
    from models import RulesVersion

    staff = html(bo_offices["sippt"].staff["cs"].username)
    page = staff.get("/backoffice/aturan/").get_data(as_text=True)
    assert 'class="workflow-diagram"' in page and "Unggah aturan baru" not in page
    assert staff.post("/backoffice/aturan/unggah", data={}).status_code in (302, 403)

    with app.app_context():
        before = [(v.id, v.active) for v in db.session.scalars(select(RulesVersion).order_by(RulesVersion.id))]
        db.session.remove()
    broken = (b"version: 1\ninclude: [rules/common.yaml]\nroles:\n  petugas: {lable: Petugas}\n"
              b"workflows:\n  w:\n    initial: nowhere\n    states: {}\n    transitions: []\n")
    admin = html("admin")
    response = admin.post("/backoffice/aturan/unggah", data={"rules_file": (io.BytesIO(broken), "aturan_baru.yaml")},
                          content_type="multipart/form-data")
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    problems = re.findall(r"<li><code[^>]*>(.*?)</code></li>", text, re.S)
    assert len(problems) >= 2 and all(p.startswith("aturan_baru.yaml:") for p in problems)
    assert "lable" in text
    with app.app_context():
        after = [(v.id, v.active) for v in db.session.scalars(select(RulesVersion).order_by(RulesVersion.id))]
        db.session.remove()
    assert after == before


def test_csrf_is_enforced_on_backoffice_forms(app, bo_offices, bmkg_apps):
    from tests.backoffice.conftest import html_login

    client = html_login(app, bo_offices["bmkg"].staff["petugas_layanan"].username)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post(f"/backoffice/permohonan/{bmkg_apps['confirm']}/tindakan/tidak_tersedia",
                               data={"catatan": "tanpa token"})
        message = client.post(f"/backoffice/permohonan/{bmkg_apps['confirm']}/pesan", data={"body": "tanpa token"})
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert "Formulir kedaluwarsa atau tidak sah" in response.get_data(as_text=True)
    assert message.status_code == 302
    assert state_of(app, bmkg_apps["confirm"]) == "terkirim"
    from app.extensions import db
    from models import Message
    with app.app_context():
        assert db.session.scalar(select(func.count(Message.id)).where(Message.body == "tanpa token")) == 0
        db.session.remove()


@pytest.mark.parametrize("language, expected", [
    ("id", "aturan_baru.yaml:3: kunci tingkat teratas &#39;servis&#39; tidak dikenal (maksud Anda &#39;services&#39;?)"),
    ("en", "aturan_baru.yaml:3: unknown top-level key &#39;servis&#39; (did you mean &#39;services&#39;?)"),
])
def test_rules_screen_shows_problems_in_the_users_language(app, html, language, expected):
    admin = html("admin")
    admin.get(f"/lang/{language}")
    broken = b"version: 1\ninclude: [rules/common.yaml]\nservis: {}\n"
    response = admin.post("/backoffice/aturan/unggah", data={"rules_file": (io.BytesIO(broken), "aturan_baru.yaml")},
                          content_type="multipart/form-data")
    assert response.status_code == 422
    assert expected in response.get_data(as_text=True)
