"""Active content and bombs in uploads (issue 8, item 3): every hostile file of the table is refused
with its message on the field — through the portal wizard, the REST API and the staff transition
form — and nothing is stored half-way (no application, no rows, no bytes on disk). Files that are
accepted are stored as re-encoded/clean bytes."""
from __future__ import annotations

import dataclasses

import html
import io
import re
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from config import DEMO_PASSWORD

from .helpers import AGENCY, PDF, PNG, SERVICE, application_count, ok, snapshot, submitted_application
from .hostile import (HOSTILE, HTML_TAIL, doc_clean, docx, gps_exif, jpeg, jpeg_html_polyglot, png_with_text,
                      xlsx)

GOOD = {"surat": (PDF, "surat.pdf"), "ktp": (PNG, "ktp.png")}
CASES = sorted(HOSTILE)


@pytest.fixture(scope="module")
def hostile_bytes():
    cache = {}

    def get(case):
        if case not in cache:
            builder, filename, words = HOSTILE[case]
            cache[case] = (builder(), filename, words)
        return cache[case]
    return get


# --- REST API: POST /api/v1/application/ (multipart) -------------------------------------------
@pytest.mark.parametrize("case", CASES)
def test_api_creation_refuses_hostile_file(app, factories, login, hostile_bytes, case):
    user = factories.customer()
    customer = login(user)
    data, filename, words = hostile_bytes(case)
    before = snapshot(app)

    response = customer.create(SERVICE, fields={"jenis": "biasa"}, files={**GOOD, "lampiran": (data, filename)})

    body = response.get_json()
    assert response.status_code == 422, body
    assert set(body["field_errors"]) == {"lampiran"}, body
    assert words in body["field_errors"]["lampiran"], body
    assert application_count(app, user[0]) == 0
    assert snapshot(app) == before


# --- REST API: a staff transition with a form file ---------------------------------------------
@pytest.fixture(scope="module")
def in_process(factories, signed_in):
    customer = signed_in(factories.customer())
    staff_user = factories.staff(AGENCY, "petugas")
    staff = signed_in(staff_user)
    return staff_user, staff, submitted_application(customer, staff, upto="diproses")


@pytest.mark.parametrize("case", CASES)
def test_api_staff_transition_refuses_hostile_file(app, in_process, hostile_bytes, case):
    _user, staff, app_id = in_process
    data, filename, words = hostile_bytes(case)
    before = snapshot(app, app_id)

    response = staff.transition(app_id, "lampirkan", files={"lampiran": (data, filename)})

    body = response.get_json()
    assert response.status_code == 422, body
    assert words in body["field_errors"]["lampiran"], body
    assert snapshot(app, app_id) == before


# --- back office: the staff transition form (multipart, Flask-AppBuilder session) --------------
@pytest.fixture(scope="module")
def staff_html(app, in_process):
    user, _staff, app_id = in_process
    client = app.test_client()
    assert client.post("/login/", data={"username": user[1], "password": DEMO_PASSWORD}).status_code == 302
    return client, app_id


@pytest.mark.parametrize("case", CASES)
def test_backoffice_transition_form_refuses_hostile_file(app, staff_html, hostile_bytes, case):
    client, app_id = staff_html
    data, filename, words = hostile_bytes(case)
    url = f"/backoffice/permohonan/{app_id}/tindakan/lampirkan"
    page = client.get(url).get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    before = snapshot(app, app_id)

    response = client.post(url, data={"version": version, "lampiran": (io.BytesIO(data), filename)},
                           content_type="multipart/form-data")

    assert response.status_code in (200, 422), response.status_code
    assert words in html.unescape(response.get_data(as_text=True))
    assert snapshot(app, app_id) == before


# --- portal wizard -----------------------------------------------------------------------------
def portal_client(app, user_id: int):
    from tests.conftest import sign_in

    return sign_in(app.test_client(), user_id)


def wizard_form(**docs):
    form = {"f.jenis": "biasa", "action": "submit"}
    for key, (content, name) in {**GOOD, **docs}.items():
        form[f"doc.{key}"] = (io.BytesIO(content), name)
    return form


@pytest.mark.parametrize("case", CASES)
def test_portal_wizard_refuses_hostile_file(app, factories, hostile_bytes, case):
    user_id, _ = factories.customer()
    client = portal_client(app, user_id)
    data, filename, words = hostile_bytes(case)
    before = snapshot(app)

    response = client.post(f"/portal/ajukan/{SERVICE}", data=wizard_form(lampiran=(data, filename)),
                           content_type="multipart/form-data")

    assert response.status_code == 422
    assert words in html.unescape(response.get_data(as_text=True))
    assert application_count(app, user_id) == 0
    # the hostile file is stored nowhere; the good ones are kept with the customer's draft (a row
    # and its bytes each) so they need not be chosen again
    kept = kept_draft_files(app, user_id)
    assert sorted(kept) == sorted(GOOD)
    after = snapshot(app)
    assert after.stored_files == before.stored_files + len(kept)
    assert after.disk == before.disk | frozenset(kept.values())
    assert dataclasses.replace(after, stored_files=before.stored_files, disk=before.disk) == before


def kept_draft_files(app, user_id: int) -> dict[str, str]:
    from app.extensions import db
    from models import ApplicationDraft, StoredFile

    with app.app_context():
        draft = db.session.scalar(select(ApplicationDraft).where(ApplicationDraft.user_id == user_id))
        ids = ((draft.data or {}).get("files") or {}) if draft else {}
        return {key: db.session.get(StoredFile, file_id).storage_path for key, file_id in ids.items()}


def test_portal_wizard_accepts_clean_files(app, factories):
    user_id, _ = factories.customer()
    client = portal_client(app, user_id)
    response = client.post(f"/portal/ajukan/{SERVICE}", data=wizard_form(lampiran=(docx(), "lampiran.docx")),
                           content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert application_count(app, user_id) == 1


# --- what is accepted is stored clean ----------------------------------------------------------
def stored_bytes(app, app_id: int, doc_key: str) -> tuple[bytes, object]:
    from app.extensions import db
    from models import ApplicationFile

    with app.app_context():
        item = db.session.scalar(select(ApplicationFile).where(ApplicationFile.application_id == app_id,
                                                               ApplicationFile.doc_key == doc_key))
        path = Path(app.config["UPLOAD_FOLDER"]) / item.file.storage_path
        return path.read_bytes(), (item.file.sha256, item.file.size, item.file.kind, item.id)


CLEANED = {
    "jpeg_with_html_appended": (jpeg_html_polyglot, "ktp.jpg", "jpg", [HTML_TAIL, b"<script"]),
    "jpeg_with_exif": (lambda: jpeg(exif=gps_exif()), "ktp.jpeg", "jpg", [b"KameraRahasia", b"Exif"]),
    "jpeg_with_comment": (lambda: jpeg(comment=b"<svg onload=alert(1)>"), "ktp.jpg", "jpg", [b"<svg"]),
    "png_with_text_chunk": (png_with_text, "ktp.png", "png", [b"tEXt", b"<script"]),
}


@pytest.mark.parametrize("case", sorted(CLEANED))
def test_images_are_stored_re_encoded(app, factories, login, case):
    import hashlib

    builder, filename, kind, absent = CLEANED[case]
    customer = login(factories.customer())
    original = builder()
    body = ok(customer.create(SERVICE, fields={"jenis": "biasa"},
                              files={"surat": (PDF, "surat.pdf"), "ktp": (original, filename)}), 201)

    data, (sha256, size, stored_kind, _id) = stored_bytes(app, body["result"]["id"], "ktp")
    assert data != original
    for needle in absent:
        assert needle not in data, needle
    assert (sha256, size, stored_kind) == (hashlib.sha256(data).hexdigest(), len(data), kind)
    image = Image.open(io.BytesIO(data))
    image.load()
    assert not image.getexif() and "comment" not in image.info and "Comment" not in image.info


@pytest.mark.parametrize("name,builder", [("docx", docx), ("xlsx", xlsx), ("doc", doc_clean)])
def test_clean_office_files_are_accepted_unchanged(app, factories, login, name, builder):
    customer = login(factories.customer())
    original = builder()
    body = ok(customer.create(SERVICE, fields={"jenis": "biasa"},
                              files={**GOOD, "lampiran": (original, f"lampiran.{name}")}), 201)
    data, (_sha, _size, kind, _id) = stored_bytes(app, body["result"]["id"], "lampiran")
    assert (data, kind) == (original, name)


# --- size limits: while reading, 413 as JSON / a portal page -----------------------------------
def test_api_body_over_max_content_length_is_413_json(app, factories, login, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 256 * 1024)
    customer = login(factories.customer())
    before = snapshot(app)
    response = customer.create(SERVICE, fields={"jenis": "biasa"},
                               files={**GOOD, "lampiran": (PDF + b"%" * (300 * 1024), "besar.pdf")})
    assert response.status_code == 413
    assert response.get_json()["error"] == "payload_too_large"
    assert "MB" in response.get_json()["message"]
    assert snapshot(app) == before


@pytest.mark.parametrize("parts", [30, 200])
def test_api_too_many_multipart_parts_is_413_json(app, factories, login, monkeypatch, parts):
    monkeypatch.setitem(app.config, "MAX_FORM_PARTS", 20)
    user = factories.customer()
    customer = login(user)
    data = {"payload": '{"service": "uji_layanan", "fields": {"jenis": "biasa"}}'}
    data.update({f"x{i}": "y" for i in range(parts)})
    response = customer.client.post("/api/v1/application/", data=data, headers=customer._headers(),
                                    content_type="multipart/form-data")
    assert response.status_code == 413
    assert response.get_json()["error"] == "payload_too_large"
    assert application_count(app, user[0]) == 0


def test_portal_oversize_upload_gets_an_indonesian_page(app, factories, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 256 * 1024)
    user_id, _ = factories.customer()
    client = portal_client(app, user_id)
    response = client.post(f"/portal/ajukan/{SERVICE}",
                           data=wizard_form(lampiran=(PDF + b"%" * (300 * 1024), "besar.pdf")),
                           content_type="multipart/form-data")
    assert response.status_code == 413
    text = response.get_data(as_text=True)
    assert "Unggahan terlalu besar" in text and "0.25 MB" in text
    assert application_count(app, user_id) == 0


def test_a_file_is_read_only_up_to_the_limit(app):
    from app.storage.files import IncomingFile, check_file

    class Counting(io.BytesIO):
        filename = "besar.pdf"
        served = 0

        def read(self, size=-1):
            chunk = super().read(size)
            Counting.served += len(chunk)
            return chunk

    with app.test_request_context():
        app.config["UPLOAD_MAX_MB"], saved = 1, app.config["UPLOAD_MAX_MB"]
        try:
            incoming = IncomingFile.from_storage(Counting(PDF + b"0" * (8 * 1024 * 1024)))
        finally:
            app.config["UPLOAD_MAX_MB"] = saved
        assert incoming.too_large and incoming.data == b""
        assert Counting.served <= 1024 * 1024 + 64 * 1024      # stopped at the limit, not at 8 MB
        assert check_file(incoming, ["pdf"], 1) == "Ukuran file melebihi 1 MB."


@pytest.mark.parametrize("target", ["https://jdih.kaltimprov.go.id/perda/1", "http://contoh.id/", "mailto:ptsp@contoh.id"])
def test_docx_with_a_web_or_mail_hyperlink_is_accepted(app, target):
    """The external-relationship check refuses what Office fetches on opening, not ordinary links."""
    from app.storage.file_checks import office_zip_problem
    from tests.core.hostile import docx_external

    with app.app_context():
        assert office_zip_problem(docx_external("word/_rels/document.xml.rels", "hyperlink", target)) is None
