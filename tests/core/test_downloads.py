"""Downloads and previews (issue 8, item 3): every file goes out as an attachment with a clean RFC
6266 filename, nosniff and no-store; only the one preview route sends PDFs and images inline, in a
CSP sandbox; the files sweep removes bytes no row names."""
from __future__ import annotations

import os
import re
import time
from pathlib import Path
from urllib.parse import unquote

import pytest
from sqlalchemy import select

from config import DEMO_PASSWORD

from .helpers import AGENCY, PDF, PNG, SERVICE, ok
from .hostile import docx


@pytest.mark.parametrize("name,expected", [
    ("ktp.png", "ktp.png"),
    ("ktp\u202egnp.exe", "ktpgnp.exe"),                  # right-to-left override
    ("a\u2066b\u2069c\u200f.pdf", "abc.pdf"),            # isolates, RLM
    ("surat\r\nSet-Cookie: x=1.pdf", "suratSet-Cookie: x=1.pdf"),
    ("nama\x00\x1b[31m.pdf", "nama[31m.pdf"),
    ('a"b;c.pdf', "ab;c.pdf"),
    ("..\\..\\etc/passwd", "etc passwd"),
    ("\u200b\u200c\u200d\ufeff", "berkas"),
    ("Surat Permohonan Ñandú 日本.pdf", "Surat Permohonan Ñandú 日本.pdf"),
    ("x" * 300 + ".pdf", "x" * 146 + ".pdf"),
])
def test_clean_filename_strips_control_and_bidi_characters(name, expected):
    from app.storage.downloads import clean_filename, content_disposition

    assert clean_filename(name) == expected
    header = content_disposition("attachment", name)
    assert header.startswith('attachment; filename="')
    assert all(ord(ch) >= 32 and ord(ch) < 127 for ch in header)
    assert unquote(header.split("filename*=UTF-8''")[1]) == expected


@pytest.fixture(scope="module")
def uploaded(factories, signed_in):
    """An application whose KTP has a bidi-override name, a docx attachment, and its staff."""
    customer_user = factories.customer()
    customer = signed_in(customer_user)
    staff_user = factories.staff(AGENCY, "petugas")
    body = ok(customer.create(SERVICE, fields={"jenis": "biasa"}, files={
        "surat": (PDF, "surat.pdf"), "ktp": (PNG, "ktp\u202egnp.exe.png"), "lampiran": (docx(), "lampiran.docx")}), 201)
    return customer, staff_user, body["result"]["id"]


def file_ids(app, app_id: int) -> dict[str, int]:
    from app.extensions import db
    from models import ApplicationFile

    with app.app_context():
        return {f.doc_key: f.id for f in db.session.scalars(select(ApplicationFile).where(
            ApplicationFile.application_id == app_id))}


def html_staff(app, user):
    client = app.test_client()
    assert client.post("/login/", data={"username": user[1], "password": DEMO_PASSWORD}).status_code == 302
    return client


@pytest.mark.parametrize("doc_key", ["surat", "ktp", "lampiran"])
def test_every_download_is_an_attachment_with_nosniff(app, uploaded, doc_key):
    customer, _staff, app_id = uploaded
    response = customer.client.get(f"/unduh/berkas/{file_ids(app, app_id)[doc_key]}", headers=customer._headers())
    assert response.status_code == 200
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment; ") and "filename*=UTF-8''" in disposition
    assert "%E2%80%AE" not in disposition and "\u202e" not in disposition
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response.headers["Cache-Control"]
    assert response.headers["Content-Security-Policy"] == "sandbox"


@pytest.mark.parametrize("doc_key,status", [("surat", 200), ("ktp", 200), ("lampiran", 415)])
def test_the_preview_route_is_sandboxed_and_allowlisted(app, uploaded, doc_key, status):
    _customer, staff_user, app_id = uploaded
    client = html_staff(app, staff_user)
    response = client.get(f"/pratinjau/berkas/{file_ids(app, app_id)[doc_key]}")
    assert response.status_code == status
    if status == 200:
        assert response.headers["Content-Disposition"].startswith("inline; ")
        assert response.headers["Content-Security-Policy"] == "sandbox"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.mimetype in ("application/pdf", "image/png")


def test_staff_page_previews_through_the_one_preview_route(app, uploaded):
    _customer, staff_user, app_id = uploaded
    client = html_staff(app, staff_user)
    page = client.get(f"/backoffice/permohonan/{app_id}").get_data(as_text=True)
    ids = file_ids(app, app_id)
    assert f'<iframe src="/pratinjau/berkas/{ids["surat"]}"' in page
    assert f'/unduh/berkas/{ids["lampiran"]}' in page
    assert "/files/" not in page
    # the old back-office file URL sends people to the shared routes
    old = client.get(f"/backoffice/permohonan/{app_id}/berkas/{ids['surat']}")
    assert old.status_code == 302 and old.headers["Location"].endswith(f"/pratinjau/berkas/{ids['surat']}")


@pytest.mark.parametrize("who", ["anonymous", "other_customer", "other_agency_staff"])
def test_preview_and_download_are_refused_to_outsiders(app, factories, login, uploaded, who):
    _customer, _staff, app_id = uploaded
    file_id = file_ids(app, app_id)["ktp"]
    if who == "anonymous":
        client, headers = app.test_client(), {"Accept": "application/json", "Authorization": "Bearer x.y.z"}
        expected = 401
    else:
        user = factories.customer() if who == "other_customer" else factories.staff("balai_lain", "petugas")
        api = login(user)
        client, headers, expected = api.client, api._headers(), 404
    for path in (f"/unduh/berkas/{file_id}", f"/pratinjau/berkas/{file_id}"):
        assert client.get(path, headers=headers).status_code == expected, path


# --- the files sweep ---------------------------------------------------------------------------
def test_sweep_removes_only_old_files_without_a_row(app, uploaded, runner_for):
    root = Path(app.config["UPLOAD_FOLDER"])
    old_orphan = root / "zz" / "orphan-old"
    new_orphan = root / "zz" / "orphan-new"
    part_file = root / "zz" / "x.part"
    for path in (old_orphan, new_orphan, part_file):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"sisa")
    two_hours_ago = time.time() - 7200
    os.utime(old_orphan, (two_hours_ago, two_hours_ago))
    os.utime(part_file, (two_hours_ago, two_hours_ago))
    # a referenced file, just as old, stays
    from app.extensions import db
    from models import StoredFile
    with app.app_context():
        kept = [root / p for p in db.session.scalars(select(StoredFile.storage_path))]
    for path in kept:
        os.utime(path, (two_hours_ago, two_hours_ago))

    dry = runner_for(app).invoke(args=["files", "sweep", "--dry-run"])
    assert "would remove zz/orphan-old" in dry.output and old_orphan.exists()
    result = runner_for(app).invoke(args=["files", "sweep"])

    assert result.exit_code == 0, result.output
    assert re.search(r"removed zz/orphan-old \(4 bytes", result.output)
    assert "2 orphan file(s) removed" in result.output
    assert not old_orphan.exists() and not part_file.exists()
    assert new_orphan.exists() and all(p.exists() for p in kept)
    new_orphan.unlink()


def test_worker_tick_runs_the_sweep(app, monkeypatch):
    from app.outbox import worker
    from app.outbox.worker import Worker

    monkeypatch.setattr(worker, "run_once", lambda: {})   # only the housekeeping part of the tick
    # a worker started right after the machine booted: the monotonic clock is still small
    monkeypatch.setattr(worker.time, "monotonic", lambda: 5.0)

    root = Path(app.config["UPLOAD_FOLDER"])
    orphan = root / "zy" / "left-behind"
    orphan.parent.mkdir(parents=True, exist_ok=True)
    orphan.write_bytes(b"x")
    os.utime(orphan, (time.time() - 7200, time.time() - 7200))
    with app.app_context():
        counts = Worker(poll=0, sla_every=0).tick()
    assert counts["swept"] >= 1 and not orphan.exists()


@pytest.fixture
def runner_for():
    return lambda app: app.test_cli_runner()
