"""Generated documents: every type rendered for real applications (numbers, totals, QR),
PAdES signatures checked by pyHanko and /verify (plus poppler's `pdfsig` as an independent check
where it is installed: `.ci/run` installs it), /verify with tampered copies, downloads and their
gates, and administrator-uploaded templates validated by a sample render.

PDF text and images are read with pypdf, so the suite needs no system binaries."""
from __future__ import annotations

import io
import shutil
import subprocess

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from app.demo.autofill import happy_path, path_to
from tests.outbox.conftest import drain
from tests.workflows.driver import transition


def documents_of(app, app_id: int) -> dict:
    from app.extensions import db
    from app.storage.files import FileStore
    from models import GeneratedDocument

    with app.app_context():
        result = {}
        for doc in db.session.scalars(select(GeneratedDocument).where(GeneratedDocument.application_id == app_id)):
            path = FileStore.current().path_of(doc.file.storage_path) if doc.file else None
            result[doc.doc_key] = {"id": doc.id, "number": doc.number, "status": doc.status, "signed": doc.signed,
                                   "code": doc.verify_code, "sha256": doc.sha256, "path": path}
        return result


def finished(office, service_key: str) -> int:
    workflow = office.data["workflows"][office.data["services"][service_key]["workflow"]]
    path = happy_path(workflow)
    app_id = office.create(service_key, path)
    office.drive(app_id, path)
    return app_id


PDFSIG = shutil.which("pdfsig")
PDFSIG_MISSING = "pdfsig (apt-get install -y poppler-utils) not found: the independent signature check is skipped"


def pdf_text(path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(str(path)).pages)


def image_count(path) -> int:
    return sum(len(page.images) for page in PdfReader(str(path)).pages)


@pytest.fixture(scope="module")
def issued(app, offices):
    """Every document type of the seed offices, issued on finished applications and rendered."""
    apps = {"bmkg": finished(offices["bmkg"], "bmkg_sewa_alat"),
            "metrologi": finished(offices["metrologi"], "metrologi_tera"),
            "kaltim": finished(offices["kaltim"], "kaltim_akdp"),
            "sippt": finished(offices["sippt"], "sippt_pengujian")}
    for app_id in apps.values():
        drain(app, app_id)
    return apps, {key: documents_of(app, app_id) for key, app_id in apps.items()}


def test_every_document_type_is_rendered_with_its_number_total_and_qr(app, issued):
    from app.extensions import db
    from models import Application

    apps, docs = issued
    rendered = {key: doc for office_docs in docs.values() for key, doc in office_docs.items()}
    assert set(rendered) == set(app.extensions["satupintu.rules"].file_rules.data["documents"])
    for key, doc in rendered.items():
        assert doc["status"] == "ready", key
        text = pdf_text(doc["path"])
        assert doc["number"] and doc["number"] in text, key
        assert f"/verify/{doc['code']}" in text.replace("\n", ""), key
        assert image_count(doc["path"]) >= 1, key                # the QR code
    with app.app_context():
        bmkg = db.session.get(Application, apps["bmkg"])
        total = "Rp " + f"{int(bmkg.total_amount):,}".replace(",", ".")
    invoice = pdf_text(rendered["bmkg_invoice"]["path"])
    assert "INVOICE" in invoice and total in invoice and "TOTAL YANG HARUS DIBAYAR" in invoice
    assert "BRI" in invoice                                      # the agency's bank accounts
    assert "rupiah" in pdf_text(rendered["bmkg_kuitansi"]["path"])  # terbilang


def test_the_licence_prints_the_integer_field_as_a_whole_number(app, issued):
    """Kaltim's AKDP vehicle count is an ``integer`` field: stored as an int, printed without decimals."""
    from app.extensions import db
    from models import Application

    apps, docs = issued
    with app.app_context():
        vehicles = db.session.get(Application, apps["kaltim"]).data["jumlah_kendaraan"]
    assert type(vehicles) is int
    text = pdf_text(docs["kaltim"]["kaltim_izin"]["path"])
    assert "Jumlah kendaraan" in text
    value = text.split("Jumlah kendaraan", 1)[1].split(":", 1)[-1].strip().split()[0]   # the table cell after the label
    assert value == str(vehicles)


@pytest.mark.skipif(PDFSIG is None, reason=PDFSIG_MISSING)
def test_signed_documents_pass_pdfsig(issued, tmp_path):
    """poppler's verifier, independent of pyHanko: the signed copies are valid, a flipped byte is not."""
    _, docs = issued
    for office, key in (("kaltim", "kaltim_izin"), ("sippt", "sippt_lhu")):
        doc = docs[office][key]
        report = subprocess.run([PDFSIG, str(doc["path"])], capture_output=True, text=True).stdout
        assert "Signature is Valid" in report and "Total document signed" in report, report
        copy = tmp_path / f"{key}.pdf"
        copy.write_bytes(tampered_copy(doc["path"].read_bytes()))
        assert "Signature is Valid" not in subprocess.run([PDFSIG, str(copy)], capture_output=True,
                                                          text=True).stdout


def tampered_copy(original: bytes) -> bytes:
    tampered = bytearray(original)
    at = original.index(b"/Contents") - 40                       # inside the signed byte range
    tampered[at] = tampered[at] ^ 0x01
    return bytes(tampered)


def test_signed_documents_validate_and_verify_and_a_modified_copy_fails(app, issued, client):
    from app.documents.pades import check_signature
    from app.extensions import db
    from models import GeneratedDocument, Signatory

    _, docs = issued
    for office, key in (("kaltim", "kaltim_izin"), ("sippt", "sippt_lhu")):
        doc = docs[office][key]
        assert doc["signed"]
        with app.app_context():
            signatory_id = db.session.get(GeneratedDocument, doc["id"]).signatory_id
            certificate = db.session.get(Signatory, signatory_id).certificate_pem
        original = doc["path"].read_bytes()
        assert check_signature(original, certificate).ok, key
        assert not check_signature(tampered_copy(original), certificate).ok, key

        page = client.get(f"/verify/{doc['code']}")
        assert page.status_code == 200 and "Dokumen terdaftar dan utuh" in page.get_data(as_text=True)
        assert doc["number"] in page.get_data(as_text=True)
        same = client.post(f"/verify/{doc['code']}", data={"file": (io.BytesIO(original), "izin.pdf")},
                           content_type="multipart/form-data")
        assert "Salinan cocok" in same.get_data(as_text=True)
        bad = client.post(f"/verify/{doc['code']}", data={"file": (io.BytesIO(tampered_copy(original)), "izin.pdf")},
                          content_type="multipart/form-data")
        assert "Salinan tidak cocok" in bad.get_data(as_text=True)


def test_a_tampered_stored_file_is_reported(app, issued, client):
    _, docs = issued
    doc = docs["metrologi"]["metrologi_skhp"]
    original = doc["path"].read_bytes()
    try:
        doc["path"].write_bytes(original.replace(b"SKHP", b"SKHQ", 1))
        page = client.get(f"/verify/{doc['code']}").get_data(as_text=True)
        assert "tidak sama dengan yang diterbitkan" in page
    finally:
        doc["path"].write_bytes(original)
    assert client.get("/verify/tidak-ada-kode").status_code == 404


def test_wrong_passphrase_is_a_clear_error_and_changes_nothing(app, offices):
    from app.extensions import db
    from app.storage.files import FileStore
    from models import Application

    office = offices["kaltim"]
    workflow = office.data["workflows"]["kaltim_perizinan"]
    path = path_to(workflow, "penandatanganan")
    app_id = office.create("kaltim_akdp", path)
    office.drive(app_id, path)
    with app.app_context():
        files_before = sum(1 for p in FileStore.current().root.rglob("*") if p.is_file())
    response = office.staff["kepala_dinas"].transition(app_id, "tandatangani", {"passphrase": "bukan-ini"})
    assert response.status_code == 422 and "Passphrase salah" in response.get_json()["field_errors"]["passphrase"]
    assert "kaltim_izin" not in documents_of(app, app_id)
    with app.app_context():
        assert db.session.get(Application, app_id).state == "penandatanganan"
        assert sum(1 for p in FileStore.current().root.rglob("*") if p.is_file()) == files_before


def test_downloads_are_scoped_and_wait_for_the_document_and_the_survey(app, offices, factories, login):
    office = offices["sippt"]
    workflow = office.data["workflows"][office.data["services"]["sippt_pengujian"]["workflow"]]
    path = happy_path(workflow)
    signed_at = next(i for i, t in enumerate(path, 1) if t["action"] == "tandatangani")
    app_id = office.create("sippt_pengujian", path)
    office.drive(app_id, path[:signed_at])
    lhu = documents_of(app, app_id)["sippt_lhu"]
    customer = office.customers_by_id(office.detail(app_id))
    url = f"/unduh/dokumen/{lhu['id']}"
    # the survey gates the E-LHU for its customer, not for staff
    gated = customer.get(url)
    assert gated.status_code == 403 and "survei" in gated.get_json()["message"]
    staff = office.staff["cs"].get(url)
    assert staff.status_code == 200 and staff.data.startswith(b"%PDF-")
    office.drive(app_id, path[signed_at:], customer)      # the customer answers the survey on the way
    mine = customer.get(url)
    assert mine.status_code == 200 and mine.data == lhu["path"].read_bytes()
    assert mine.headers["Cache-Control"].startswith("private")
    # strangers: another customer, another agency's staff, nobody signed in
    assert login(factories.customer()).get(url).status_code == 404
    assert offices["bmkg"].staff["admin_ptsp"].get(url).status_code == 404
    assert customer.client.get(url, headers={"Accept": "application/json"}).status_code == 401
    # an application file: the customer's own upload
    files = office.detail(app_id, customer)["files"]
    assert customer.get(f"/unduh/berkas/{files[0]['id']}").status_code == 200
    assert login(factories.customer()).get(f"/unduh/berkas/{files[0]['id']}").status_code == 404


def test_a_pending_document_says_it_is_being_prepared(app, offices, login):
    office = offices["bmkg"]
    workflow = office.data["workflows"][office.data["services"]["bmkg_sewa_alat"]["workflow"]]
    path = happy_path(workflow)
    steps = next(i for i, t in enumerate(path, 1) if any("generate" in e for e in t.get("effects", [])))
    app_id = office.create("bmkg_sewa_alat", path)
    office.drive(app_id, path[:steps])
    doc = next(iter(documents_of(app, app_id).values()))
    customer = office.customers_by_id(office.detail(app_id))
    pending = customer.get(f"/unduh/dokumen/{doc['id']}")
    assert pending.status_code == 202 and pending.get_json()["status"] == "pending"
    drain(app, app_id)
    assert customer.get(f"/unduh/dokumen/{doc['id']}").status_code == 200


def test_uploaded_template_versions_are_validated_by_a_sample_render(app, issued, client):
    import io

    from app.extensions import db
    from models import DocumentTemplateVersion

    assert client.post("/login/", data={"username": "admin", "password": "Demo12345"}).status_code == 302
    assert client.get("/dokumen-templat/").status_code == 200

    def upload(source: str):
        return client.post("/dokumen-templat/unggah", data={
            "doc_key": "kaltim_resi", "note": "uji", "activate": "y",
            "file": (io.BytesIO(source.encode()), "resi.html")}, content_type="multipart/form-data")

    assert upload("<html><body>{% for x in %}</body></html>").status_code == 422      # Jinja error
    assert upload("<html><body>Tanpa tautan verifikasi</body></html>").status_code == 422
    good = upload("<html><body><h1>RESI {{ app.receipt }}</h1>{{ qr_img }} {{ verify_url }}</body></html>")
    assert good.status_code == 302
    with app.app_context():
        versions = db.session.scalars(select(DocumentTemplateVersion).where(
            DocumentTemplateVersion.doc_key == "kaltim_resi")).all()
        assert len(versions) == 1 and versions[0].active
        from app.documents.produce import render_document
        from models import GeneratedDocument
        doc = db.session.get(GeneratedDocument, issued[1]["kaltim"]["kaltim_resi"]["id"])
        pdf = render_document(doc)
    assert pdf.startswith(b"%PDF-")
    response = client.post("/dokumen-templat/kaltim_resi/pakai-berkas", data={})
    assert response.status_code == 302
    with app.app_context():
        assert not db.session.scalar(select(DocumentTemplateVersion.active).where(
            DocumentTemplateVersion.doc_key == "kaltim_resi"))
    client.get("/logout/")


def test_templates_cannot_read_files_outside_their_folders(app, tmp_path):
    from app.documents.render import RenderError, html_to_pdf

    secret = tmp_path / "rahasia.png"
    secret.write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 64)
    html = f'<html><body><p>Uji</p><img src="{secret}"/><img src="file:///etc/hostname"/></body></html>'
    templates = app.extensions["satupintu.rules"].file_rules.base_dir / "templates" / "documents"
    try:
        pdf = html_to_pdf(html, templates)
    except RenderError:
        return                                                      # refused outright: fine too
    assert b"/Subtype /Image" not in pdf and b"/Subtype/Image" not in pdf


@pytest.mark.parametrize("location, address", [
    ({"street": "Jl. Poros Km 21", "rt_rw": "004/002", "village": "Sungai Siring", "district": None,
      "regency": "Kota Samarinda", "province": "Kalimantan Timur"},
     "Jl. Poros Km 21 RT/RW 004/002, Sungai Siring, Kota Samarinda, Kalimantan Timur"),
    ({"street": "Jl. A", "district": "", "regency": None}, "Jl. A"),
    ({}, ""),
    (None, ""),
])
def test_a_documents_location_never_prints_none(location, address):
    """A part the citizen left empty (stored as null) is left out of the printed address, not 'None'."""
    from app.documents.context import location_info

    info = location_info(location)
    assert info["address"] == address
    assert None not in info.values() and "None" not in info["address"]
