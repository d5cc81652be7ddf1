"""UU PDP (issue 8, item 9): opening a personal document is recorded and shown to the agency
administrator (their agency only) and to the applicant; documents past their retention period are
destroyed — rows and bytes — with an audit record, only for closed applications."""
from __future__ import annotations

import html
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from config import DEMO_PASSWORD

from .helpers import AGENCY, PDF, PNG, SERVICE, ok, submitted_application


def file_ids(app, app_id: int) -> dict[str, int]:
    from app.extensions import db
    from models import ApplicationFile

    with app.app_context():
        return {f.doc_key: f.id for f in db.session.scalars(select(ApplicationFile).where(
            ApplicationFile.application_id == app_id, ApplicationFile.superseded.is_(False)))}


def accesses(app, app_id: int) -> list[tuple]:
    from app.extensions import db
    from models import DocumentAccess

    with app.app_context():
        return [(r.user_id, r.doc_key, r.mode, r.ip) for r in db.session.scalars(
            select(DocumentAccess).where(DocumentAccess.application_id == app_id).order_by(DocumentAccess.id))]


def html_login(app, username):
    client = app.test_client()
    assert client.post("/login/", data={"username": username, "password": DEMO_PASSWORD}).status_code == 302
    return client


def portal_client(app, user_id: int):
    from tests.conftest import sign_in

    return sign_in(app.test_client(), user_id)


@pytest.fixture
def opened(factories, signed_in):
    customer_user = factories.customer()
    customer = signed_in(customer_user)
    staff_user = factories.staff(AGENCY, "petugas")
    app_id = submitted_application(customer, signed_in(staff_user), upto="terkirim")
    return customer_user, customer, staff_user, app_id


# (route, mode) over every way a file is opened
OPENINGS = [
    ("/unduh/berkas/{id}", "download"),
    ("/pratinjau/berkas/{id}", "preview"),
]


@pytest.mark.parametrize("route,mode", OPENINGS)
def test_staff_opening_a_personal_document_is_recorded(app, opened, route, mode):
    _cu, _customer, staff_user, app_id = opened
    ids = file_ids(app, app_id)
    client = html_login(app, staff_user[1])

    assert client.get(route.format(id=ids["ktp"]), environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 200
    assert client.get(route.format(id=ids["surat"])).status_code == 200     # not personal: no record

    assert accesses(app, app_id) == [(staff_user[0], "ktp", mode, "10.1.2.3")]


def test_api_download_and_the_applicants_own_opening_are_recorded(app, opened):
    customer_user, customer, staff_user, app_id = opened
    ids = file_ids(app, app_id)
    portal = portal_client(app, customer_user[0])

    assert customer.client.get(f"/unduh/berkas/{ids['ktp']}", headers=customer._headers()).status_code == 200
    assert portal.get(f"/portal/permohonan/{app_id}/berkas/{ids['ktp']}").status_code == 200

    assert [(u, k, m) for u, k, m, _ip in accesses(app, app_id)] == [
        (customer_user[0], "ktp", "download"), (customer_user[0], "ktp", "download")]


def test_refused_openings_are_not_recorded_and_not_served(app, factories, login, opened):
    _cu, _customer, _staff, app_id = opened
    ktp = file_ids(app, app_id)["ktp"]
    stranger = login(factories.customer())
    for path in (f"/unduh/berkas/{ktp}", f"/pratinjau/berkas/{ktp}"):
        assert stranger.client.get(path, headers=stranger._headers()).status_code == 404
    assert accesses(app, app_id) == []


def test_applicant_sees_who_opened_their_documents(app, opened):
    customer_user, _customer, staff_user, app_id = opened
    ids = file_ids(app, app_id)
    html_login(app, staff_user[1]).get(f"/pratinjau/berkas/{ids['ktp']}")

    page = html.unescape(portal_client(app, customer_user[0]).get(f"/portal/permohonan/{app_id}").get_data(as_text=True))

    section = page.split("Siapa yang membuka dokumen pribadi Anda")[1].split("</section>")[0]
    assert "Petugas" in section and staff_user[1] in section and "KTP" in section and "pratinjau" in section


def test_agency_admin_sees_only_their_agencys_access_log(app, factories, opened):
    _cu, _customer, staff_user, app_id = opened
    html_login(app, staff_user[1]).get(f"/unduh/berkas/{file_ids(app, app_id)['ktp']}")
    own_admin = factories.staff(AGENCY, "admin_instansi")
    other_admin = factories.staff("balai_lain", "admin_instansi")
    plain_staff = factories.staff(AGENCY, "petugas")

    own = html_login(app, own_admin[1]).get("/instansi-saya/akses-dokumen/")
    other = html_login(app, other_admin[1]).get("/instansi-saya/akses-dokumen/")
    denied = html_login(app, plain_staff[1]).get("/instansi-saya/akses-dokumen/")

    assert own.status_code == 200 and staff_user[1] in own.get_data(as_text=True)
    assert other.status_code == 200 and staff_user[1] not in other.get_data(as_text=True)
    assert denied.status_code in (302, 403)


# --- retention ---------------------------------------------------------------------------------
def close(app, customer, app_id: int):
    """Cancel a draft: the application reaches a final state (closed_at set)."""
    ok(customer.transition(app_id, "batalkan"))
    from app.extensions import db
    from models import Application

    with app.app_context():
        return db.session.get(Application, app_id).closed_at


def disk_path(app, app_id: int, doc_key: str) -> Path:
    from app.extensions import db
    from models import ApplicationFile

    with app.app_context():
        item = db.session.scalar(select(ApplicationFile).where(ApplicationFile.application_id == app_id,
                                                               ApplicationFile.doc_key == doc_key))
        return Path(app.config["UPLOAD_FOLDER"]) / item.file.storage_path


def retention(app, **kwargs):
    from app.commands.retention import RetentionRunCommand

    with app.app_context():
        return RetentionRunCommand(**kwargs).run()


def counts(app, app_id: int) -> dict:
    from app.extensions import db
    from models import ApplicationFile, AuditEvent

    with app.app_context():
        return {
            "files": sorted(db.session.scalars(select(ApplicationFile.doc_key).where(ApplicationFile.application_id == app_id))),
            "audit": list(db.session.scalars(select(AuditEvent.values).where(AuditEvent.application_id == app_id,
                                                                              AuditEvent.action == "retensi_dimusnahkan"))),
        }


@pytest.mark.parametrize("days_after,destroyed", [(29, []), (31, ["ktp"]), (1826, ["ktp", "surat"])])
def test_retention_destroys_expired_documents_rows_and_bytes(app, factories, signed_in, days_after, destroyed):
    customer = signed_in(factories.customer())
    app_id = submitted_application(customer, upto="draf")
    paths = {key: disk_path(app, app_id, key) for key in ("ktp", "surat")}
    closed_at = close(app, customer, app_id)

    report = retention(app, now=closed_at + timedelta(days=days_after))

    mine = [d for d in report.destroyed if d["application_id"] == app_id]
    assert sorted(d["doc_key"] for d in mine) == destroyed
    state = counts(app, app_id)
    assert state["files"] == sorted({"ktp", "surat"} - set(destroyed))
    for key, path in paths.items():
        assert path.exists() == (key not in destroyed), key
    if destroyed:
        assert len(state["audit"]) == 1
        assert sorted(d["doc_key"] for d in state["audit"][0]["destroyed"]) == destroyed
    else:
        assert state["audit"] == []


def test_retention_dry_run_and_open_applications_keep_everything(app, factories, signed_in):
    customer = signed_in(factories.customer())
    closed_id = submitted_application(customer, upto="draf")
    closed_at = close(app, customer, closed_id)
    open_id = submitted_application(customer, upto="draf")     # never closed: kept whatever its age
    later = closed_at + timedelta(days=4000)

    dry = retention(app, now=later, dry_run=True)

    assert {d["application_id"] for d in dry.destroyed} >= {closed_id}
    assert open_id not in {d["application_id"] for d in dry.destroyed}
    assert counts(app, closed_id)["files"] == ["ktp", "surat"] and disk_path(app, closed_id, "ktp").exists()

    done = retention(app, now=later, batch=1)      # one application per batch: every one is reached
    assert closed_id in {d["application_id"] for d in done.destroyed}
    assert open_id not in {d["application_id"] for d in done.destroyed}
    assert counts(app, open_id)["files"] == ["ktp", "surat"]
    assert disk_path(app, open_id, "ktp").exists()


def test_retention_cli_dry_run_lists_without_destroying(app, factories, signed_in):
    from app.extensions import db
    from models import StoredFile

    customer = signed_in(factories.customer())
    app_id = submitted_application(customer, upto="draf")
    close(app, customer, app_id)
    with app.app_context():
        stored_before = db.session.scalar(select(func.count(StoredFile.id)))
    result = app.test_cli_runner().invoke(args=["retention", "run", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "to destroy" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(StoredFile.id))) == stored_before
