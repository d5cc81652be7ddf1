"""The rules workspace (/ruang-aturan/, views/backoffice/rules_workspace.py) on an app of its own
whose rules folder is a copy of the seed rules, so that activations replace files of this test only.

Who gets in (platform administrator: every workspace; an agency administrator: their own; anyone
else: refused), CSRF, hostile file names and paths, a broken edit (file:line messages, nothing
activated), a good edit (a new version the running app uses, the live file replaced), and an
activation that would strand a running application (refused with the reason, files unchanged)."""
from __future__ import annotations

import html
import io
import json
import re
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from config import DEMO_PASSWORD

REPO = Path(__file__).resolve().parents[2]
KALTIM = "rules/kaltim.yaml"


@pytest.fixture(scope="module")
def ws_app(tmp_path_factory):
    from tests.conftest import isolated_app

    live = tmp_path_factory.mktemp("workspace_rules")
    shutil.copy(REPO / "workflow_rules.yaml", live)
    for folder in ("rules", "templates/documents", "templates/requirements"):
        if (REPO / folder).is_dir():
            shutil.copytree(REPO / folder, live / folder)
    yield from isolated_app(tmp_path_factory, "workspace", RULES_PATH=str(live / "workflow_rules.yaml"),
                            RULES_WORKSPACE_FOLDER=str(tmp_path_factory.mktemp("workspace_drafts")))


@pytest.fixture(scope="module")
def people(ws_app):
    from tests.conftest import Factories

    factories = Factories(ws_app)
    return {"kaltim_admin": factories.staff("kaltim", "admin_instansi")[1],
            "bmkg_admin": factories.staff("bmkg", "admin_instansi")[1],
            "kaltim_staff": factories.staff("kaltim", "verifikator")[1],
            "customer": factories.customer()[1],
            "customer_id": None}


@pytest.fixture(autouse=True)
def empty_drafts(ws_app):
    folder = Path(ws_app.config["RULES_WORKSPACE_FOLDER"])
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    yield


def login(app, username: str):
    client = app.test_client()
    response = client.post("/login/", data={"username": username, "password": DEMO_PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return client


def csrf(client, url: str) -> str:
    html = client.get(url).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, html[:500]
    return match.group(1)


def live_bytes(app, relative: str) -> bytes:
    return (Path(app.config["RULES_PATH"]).parent / relative).read_bytes()


def draft_dir(app, ws: str) -> Path:
    return Path(app.config["RULES_WORKSPACE_FOLDER"]) / ws


def query(app, fn):
    from app.extensions import db
    with app.app_context():
        try:
            return fn(db.session)
        finally:
            db.session.remove()


def active_version(app) -> int:
    from models import RulesVersion
    return query(app, lambda s: s.scalar(select(RulesVersion.id).where(RulesVersion.active.is_(True))))


def events(app, kind: str) -> list[dict]:
    from models.security import SecurityEvent
    rows = query(app, lambda s: s.scalars(select(SecurityEvent.detail).where(SecurityEvent.kind == kind)
                                          .order_by(SecurityEvent.id)).all())
    return [json.loads(row) for row in rows]


def save(client, ws: str, path: str, content: str):
    url = f"/ruang-aturan/{ws}/berkas?path={path}"
    return client.post(url, data={"csrf_token": csrf(client, url), "content": content})


def post_action(client, ws: str, action: str):
    return client.post(f"/ruang-aturan/{ws}/{action}",
                       data={"csrf_token": csrf(client, f"/ruang-aturan/{ws}/")})


# ---------------------------------------------------------------- who gets in
def test_platform_admin_opens_every_workspace(ws_app):
    client = login(ws_app, "admin")
    page = client.get("/ruang-aturan/").get_data(as_text=True)
    for key in ("_bersama", "kaltim", "bmkg", "sippt"):
        assert f"/ruang-aturan/{key}/" in page
    assert "rules/bmkg.yaml" in client.get("/ruang-aturan/bmkg/").get_data(as_text=True)
    shared = client.get("/ruang-aturan/_bersama/").get_data(as_text=True)
    assert "workflow_rules.yaml" in shared and "rules/common.yaml" in shared


def test_agency_admin_sees_only_their_agency_files(ws_app, people):
    client = login(ws_app, people["kaltim_admin"])
    response = client.get("/ruang-aturan/")
    assert response.status_code == 302 and response.location.endswith("/ruang-aturan/kaltim/")
    page = client.get("/ruang-aturan/kaltim/").get_data(as_text=True)
    listed = re.findall(r'data-path="([^"]+)"', page)
    assert KALTIM in listed and "templates/documents/surat_izin.html" in listed
    assert not [path for path in listed if path.startswith("rules/") and path != KALTIM]
    assert "workflow_rules.yaml" not in listed
    # linked from the back office menu and from the rules screen
    assert 'href="/ruang-aturan/" id="rules-workspace-link"' in client.get("/backoffice/aturan/").get_data(as_text=True)
    assert 'href="/ruang-aturan/"' in client.get("/backoffice/antrean/").get_data(as_text=True)   # the menu


OTHER_AGENCY_REQUESTS = [
    ("GET", "/ruang-aturan/bmkg/"),
    ("GET", "/ruang-aturan/bmkg/berkas?path=rules/bmkg.yaml"),
    ("POST", "/ruang-aturan/bmkg/berkas?path=rules/bmkg.yaml"),
    ("POST", "/ruang-aturan/bmkg/unggah"),
    ("POST", "/ruang-aturan/bmkg/periksa"),
    ("POST", "/ruang-aturan/bmkg/aktifkan"),
    ("POST", "/ruang-aturan/bmkg/buang"),
    ("GET", "/ruang-aturan/bmkg/pratinjau"),
    ("GET", "/ruang-aturan/bmkg/contoh.pdf?document=bmkg_invoice"),
    ("GET", "/ruang-aturan/bmkg/versi"),
    ("GET", "/ruang-aturan/bmkg/versi/1"),
    ("GET", "/ruang-aturan/_bersama/"),
    ("POST", "/ruang-aturan/_bersama/aktifkan"),
    ("GET", "/ruang-aturan/_bersama/berkas?path=workflow_rules.yaml"),
    ("GET", "/ruang-aturan/tidak_ada/"),
    ("GET", "/ruang-aturan/..%2Fbmkg/"),
    ("GET", "/ruang-aturan/KALTIM/"),
]


@pytest.mark.parametrize("method,url", OTHER_AGENCY_REQUESTS)
def test_another_agency_is_refused(ws_app, people, method, url):
    client = login(ws_app, people["kaltim_admin"])
    token = csrf(client, "/ruang-aturan/kaltim/")
    before = live_bytes(ws_app, "rules/bmkg.yaml")
    response = client.open(url, method=method, data={"csrf_token": token, "content": "version: 1\n"})
    assert response.status_code in (403, 404), (url, response.status_code)
    assert live_bytes(ws_app, "rules/bmkg.yaml") == before
    assert not draft_dir(ws_app, "bmkg").exists() and not draft_dir(ws_app, "_bersama").exists()


@pytest.mark.parametrize("who", ["customer", "kaltim_staff", "bmkg_admin"])
def test_others_are_refused(ws_app, people, who):
    client = login(ws_app, people[who])
    assert client.get("/ruang-aturan/kaltim/").status_code == 403
    assert client.post("/ruang-aturan/kaltim/aktifkan").status_code == 403
    assert client.get(f"/ruang-aturan/kaltim/berkas?path={KALTIM}").status_code == 403


def test_anonymous_goes_to_login_with_a_checked_next(ws_app):
    client = ws_app.test_client()
    response = client.get("/ruang-aturan/kaltim/")
    assert response.status_code == 302 and "/login/" in response.location
    assert "next=%2Fruang-aturan%2Fkaltim%2F" in response.location or "next=/ruang-aturan/kaltim/" in response.location
    assert client.post("/ruang-aturan/kaltim/aktifkan").status_code == 302


def test_a_form_without_its_csrf_token_changes_nothing(ws_app, people):
    client = login(ws_app, people["kaltim_admin"])
    version = active_version(ws_app)
    response = client.post(f"/ruang-aturan/kaltim/berkas?path={KALTIM}", data={"content": "version: 1\n"})
    assert response.status_code == 400
    assert not (draft_dir(ws_app, "kaltim") / KALTIM).exists()
    upload = client.post("/ruang-aturan/kaltim/unggah", data={"files": (io.BytesIO(b"version: 1\n"), "kaltim.yaml")},
                         content_type="multipart/form-data")
    assert upload.status_code == 400 and not (draft_dir(ws_app, "kaltim") / KALTIM).exists()
    for action in ("periksa", "aktifkan", "buang"):
        assert client.post(f"/ruang-aturan/kaltim/{action}", data={"csrf_token": "x"}).status_code == 400
    assert active_version(ws_app) == version


# ---------------------------------------------------------------- hostile names and paths
HOSTILE_NAMES = [
    "../kaltim.yaml", "../../workflow_rules.yaml", "/etc/passwd.yaml", "/tmp/kaltim.yaml", "..\\kaltim.yaml",
    "rules/kaltim.yaml", "rules\\kaltim.yaml", "ｋaltim.yaml", "kaltim.yaml\u202e", "kal\u200btim.yaml",
    ".kaltim.yaml", "kaltim.yaml.", "kaltim.py", "kaltim.yaml.html.py", "kaltim", "bmkg.yaml",
    "workflow_rules.yaml", "common.yaml", "x" * 90 + ".yaml", "kaltim .yaml",
]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_upload_with_a_hostile_name_is_refused(ws_app, people, name):
    client = login(ws_app, people["kaltim_admin"])
    token = csrf(client, "/ruang-aturan/kaltim/")
    response = client.post("/ruang-aturan/kaltim/unggah", content_type="multipart/form-data", data={
        "csrf_token": token,
        "files": [(io.BytesIO(live_bytes(ws_app, KALTIM)), "kaltim.yaml"), (io.BytesIO(b"version: 1\n"), name)]})
    assert response.status_code in (400, 422), name
    # one bad name refuses the whole upload, and nothing lands outside (or inside) the draft
    assert not any(draft_dir(ws_app, "kaltim").rglob("*")) if draft_dir(ws_app, "kaltim").exists() else True
    assert not list(Path(ws_app.config["RULES_WORKSPACE_FOLDER"]).rglob("*.yaml"))


def test_a_nul_in_an_upload_name_is_refused(ws_app, people):
    client = login(ws_app, people["kaltim_admin"])
    token = csrf(client, "/ruang-aturan/kaltim/")
    response = client.post("/ruang-aturan/kaltim/unggah", content_type="multipart/form-data", data={
        "csrf_token": token, "files": [(io.BytesIO(b"version: 1\n"), "kaltim.yaml\x00.html")]})
    assert response.status_code in (400, 422)
    assert not list(Path(ws_app.config["RULES_WORKSPACE_FOLDER"]).rglob("*.*"))


@pytest.mark.parametrize("path", [
    "../workflow_rules.yaml", "rules/../workflow_rules.yaml", "/etc/passwd", "rules/../../config.py",
    "rules\\kaltim.yaml", "rules//kaltim.yaml", "./rules/kaltim.yaml", "rules/kaltim.yaml%00", "rules/bmkg.yaml",
    "workflow_rules.yaml", "templates/documents/../../../config.py", "ｒules/kaltim.yaml", "rules/kaltim.yaml/",
])
def test_edit_with_a_hostile_path_is_refused(ws_app, people, path):
    client = login(ws_app, people["kaltim_admin"])
    token = csrf(client, "/ruang-aturan/kaltim/")
    assert client.get("/ruang-aturan/kaltim/berkas", query_string={"path": path}).status_code in (403, 404)
    response = client.post("/ruang-aturan/kaltim/berkas", query_string={"path": path},
                           data={"csrf_token": token, "content": "version: 1\n"})
    assert response.status_code in (400, 403, 404, 422)
    assert not list(Path(ws_app.config["RULES_WORKSPACE_FOLDER"]).rglob("*.*"))


def test_symlinks_are_never_followed(ws_app, people, tmp_path):
    secret = tmp_path / "secret.yaml"
    secret.write_text("agencies: {kaltim: {}}\nrahasia: jangan-dibaca\n")
    draft = draft_dir(ws_app, "kaltim") / "rules"
    draft.mkdir(parents=True)
    (draft / "kaltim.yaml").symlink_to(secret)
    live_link = Path(ws_app.config["RULES_PATH"]).parent / "rules" / "tautan.yaml"
    live_link.symlink_to(secret)
    try:
        client = login(ws_app, people["kaltim_admin"])
        page = client.get(f"/ruang-aturan/kaltim/berkas?path={KALTIM}").get_data(as_text=True)
        assert "jangan-dibaca" not in page and "kaltim_perizinan" in page
        admin = login(ws_app, "admin")
        assert "rules/tautan.yaml" not in admin.get("/ruang-aturan/_bersama/").get_data(as_text=True)
        assert admin.get("/ruang-aturan/_bersama/berkas?path=rules/tautan.yaml").status_code == 404
        # saving over the link is refused, never written through it; discarding the draft removes the link
        assert save(client, "kaltim", KALTIM, "version: 1\n").status_code == 422
        assert secret.read_text().endswith("rahasia: jangan-dibaca\n")
        assert post_action(client, "kaltim", "buang").status_code == 302
        assert not (draft / "kaltim.yaml").is_symlink() and secret.exists()
    finally:
        live_link.unlink()


def test_size_and_encoding_limits(ws_app, people):
    client = login(ws_app, people["kaltim_admin"])
    token = csrf(client, "/ruang-aturan/kaltim/")
    big = client.post("/ruang-aturan/kaltim/unggah", content_type="multipart/form-data", data={
        "csrf_token": token, "files": [(io.BytesIO(b"#" * (600 * 1024)), "kaltim.yaml")]})
    latin = client.post("/ruang-aturan/kaltim/unggah", content_type="multipart/form-data", data={
        "csrf_token": token, "files": [(io.BytesIO("nama: Müller\n".encode("latin-1")), "kaltim.yaml")]})
    assert big.status_code == 422 and latin.status_code == 422
    assert not (draft_dir(ws_app, "kaltim") / KALTIM).exists()


# ---------------------------------------------------------------- check, activate
def test_a_broken_edit_shows_file_line_messages_and_activates_nothing(ws_app, people):
    client = login(ws_app, people["kaltim_admin"])
    version, before = active_version(ws_app), live_bytes(ws_app, KALTIM)
    broken = before.decode().replace("initial: verifikasi", "initial: verifkasi", 1)
    line = broken.splitlines().index("    initial: verifkasi") + 1
    response = save(client, "kaltim", KALTIM, broken)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f"{KALTIM}:{line}</a>" in page and "verifkasi" in page
    assert f'data-line="{line}"' in page and f"#L{line}" in page
    checked = post_action(client, "kaltim", "periksa")
    assert checked.status_code == 422 and f"{KALTIM}:{line}" in checked.get_data(as_text=True)
    activated = post_action(client, "kaltim", "aktifkan")
    assert activated.status_code == 422
    assert active_version(ws_app) == version and live_bytes(ws_app, KALTIM) == before
    assert (draft_dir(ws_app, "kaltim") / KALTIM).read_text() == broken   # the draft is kept to fix
    assert events(ws_app, "rules_workspace_activate")[-1]["result"] == "problems"
    assert events(ws_app, "rules_workspace_save")[-1] == {
        "workspace": "kaltim", "files": [KALTIM], "result": "problems", "problems": 1}


def test_an_agency_file_may_not_define_another_agency(ws_app, people):
    client = login(ws_app, people["kaltim_admin"])
    text = live_bytes(ws_app, KALTIM).decode().replace("\nagencies:\n  kaltim:", "\nagencies:\n  kaltim2:", 1)
    response = save(client, "kaltim", KALTIM, text)
    assert response.status_code == 422 and "kaltim2" in response.get_data(as_text=True)


def test_a_good_edit_activates_a_new_version_the_app_uses(ws_app, people):
    from app.commands.rules.state import rules_state

    client = login(ws_app, people["kaltim_admin"])
    version = active_version(ws_app)
    text = live_bytes(ws_app, KALTIM).decode()
    assert "Verifikasi berkas (Verifikator)" in text
    edited = text.replace("Verifikasi berkas (Verifikator)", "Pemeriksaan berkas oleh verifikator", 1)
    template = live_bytes(ws_app, "templates/documents/surat_izin.html").decode()
    token = csrf(client, "/ruang-aturan/kaltim/")
    uploaded = client.post("/ruang-aturan/kaltim/unggah", content_type="multipart/form-data", data={
        "csrf_token": token, "files": [(io.BytesIO(edited.encode()), "kaltim.yaml"),
                                       (io.BytesIO(template.replace("</body>", "<p>Revisi ruang kerja</p></body>")
                                                   .encode()), "surat_izin.html")]})
    assert uploaded.status_code == 302, uploaded.get_data(as_text=True)[:2000]
    listing = client.get("/ruang-aturan/kaltim/").get_data(as_text=True)
    assert listing.count("Diubah di draf") == 2
    assert post_action(client, "kaltim", "periksa").status_code == 200
    preview = client.get("/ruang-aturan/kaltim/pratinjau?service=kaltim_sipb")
    assert preview.status_code == 200 and "<svg" in preview.get_data(as_text=True)
    response = post_action(client, "kaltim", "aktifkan")
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    new_version = active_version(ws_app)
    assert new_version != version
    assert live_bytes(ws_app, KALTIM).decode() == edited
    assert b"Revisi ruang kerja" in live_bytes(ws_app, "templates/documents/surat_izin.html")
    assert not list(draft_dir(ws_app, "kaltim").rglob("*.*"))
    # the running app uses it: the rules screen draws the active version
    admin = login(ws_app, "admin")
    assert "Pemeriksaan berkas oleh verifikator" in admin.get(
        "/backoffice/aturan/?service=kaltim_sipb").get_data(as_text=True)
    with ws_app.app_context():
        assert "Pemeriksaan berkas oleh verifikator" in json.dumps(rules_state().rules_for(new_version).data)
    record = events(ws_app, "rules_workspace_activate")[-1]
    assert record == {"workspace": "kaltim", "files": [KALTIM, "templates/documents/surat_izin.html"],
                      "result": "activated", "version": new_version}
    # the earlier version and the diff to it
    versions = client.get("/ruang-aturan/kaltim/versi").get_data(as_text=True)
    assert f"/ruang-aturan/kaltim/versi/{new_version}" in versions
    diff = html.unescape(re.sub(r"<[^>]+>", "", client.get(f"/ruang-aturan/kaltim/versi/{new_version}")
                                .get_data(as_text=True)))
    assert re.search(r"^-\s+id: Verifikasi berkas \(Verifikator\)$", diff, re.M)
    assert re.search(r"^\+\s+id: Pemeriksaan berkas oleh verifikator$", diff, re.M)
    assert "bmkg" not in diff   # an agency's diff shows its own part only
    # and the source files the activation replaced, line by line
    assert "a/rules/kaltim.yaml" in diff and "b/templates/documents/surat_izin.html" in diff
    assert re.search(r"^\+.*staff_label: \{id: \"Pemeriksaan berkas oleh verifikator\"", diff, re.M)
    assert re.search(r"^\+.*<p>Revisi ruang kerja</p>", diff, re.M)


def test_an_activation_that_would_strand_applications_is_refused(ws_app, people):
    from tests.conftest import Factories
    from models import Agency, Application, ServiceType

    customer_id, _username = Factories(ws_app).customer()
    version = active_version(ws_app)

    def running(session):
        service = session.scalar(select(ServiceType).where(ServiceType.key == "kaltim_sipb"))
        application = Application(service_type_id=service.id, agency_id=service.agency_id, rules_version_id=version,
                                  customer_id=customer_id, state="verifikasi", state_kind="working")
        session.add(application)
        session.commit()
        return application.id
    query(ws_app, running)
    client = login(ws_app, people["kaltim_admin"])
    before = live_bytes(ws_app, KALTIM)
    renamed = re.sub(r"\bverifikasi\b", "verifikasi_berkas", before.decode())
    assert save(client, "kaltim", KALTIM, renamed).status_code == 200   # valid rules on their own
    response = post_action(client, "kaltim", "aktifkan")
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "masih ada permohonan berjalan pada status yang dihapus" in page
    assert "status &#39;verifikasi&#39; dari alur kerja &#39;kaltim_perizinan&#39; dihapus" in page
    assert live_bytes(ws_app, KALTIM) == before and active_version(ws_app) == version
    assert query(ws_app, lambda s: s.scalar(select(func.count(Agency.id)).where(Agency.key == "kaltim"))) == 1
    assert events(ws_app, "rules_workspace_activate")[-1]["result"] == "stranding"


def test_sample_pdf_of_a_draft_template(ws_app, people):
    client = login(ws_app, people["kaltim_admin"])
    template = live_bytes(ws_app, "templates/documents/surat_izin.html").decode()
    assert save(client, "kaltim", "templates/documents/surat_izin.html",
                template.replace("</body>", "<p>Contoh draf</p></body>")).status_code == 200
    preview = client.get("/ruang-aturan/kaltim/pratinjau").get_data(as_text=True)
    keys = re.findall(r"contoh\.pdf\?document=([a-z0-9_]+)", preview)
    assert keys
    response = client.get(f"/ruang-aturan/kaltim/contoh.pdf?document={keys[-1]}")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert response.headers["Content-Security-Policy"] == "sandbox"


def test_a_draft_whose_live_file_changed_meanwhile_is_not_activated(ws_app, people):
    client = login(ws_app, people["kaltim_admin"])
    text = live_bytes(ws_app, KALTIM).decode()
    label = 'en: "Document verification (verifier)"'
    assert label in text
    stale_draft = text.replace(label, 'en: "Old draft"', 1)
    assert save(client, "kaltim", KALTIM, stale_draft).status_code == 200
    # meanwhile the platform administrator activates another change of the same file
    admin = login(ws_app, "admin")
    changed = text.replace(label, 'en: "Central change"', 1)
    assert save(admin, "_bersama", KALTIM, changed).status_code == 200
    assert post_action(admin, "_bersama", "aktifkan").status_code == 302
    version = active_version(ws_app)
    listing = client.get("/ruang-aturan/kaltim/").get_data(as_text=True)
    assert "Berkas aktif berubah sejak draf dibuat" in listing
    refused = post_action(client, "kaltim", "aktifkan")
    assert refused.status_code == 409 and "rules/kaltim.yaml" in refused.get_data(as_text=True)
    assert live_bytes(ws_app, KALTIM).decode() == changed and active_version(ws_app) == version
    # the draft of that one file is discarded; the change is redone on the new live file
    token = csrf(client, "/ruang-aturan/kaltim/")
    assert client.post("/ruang-aturan/kaltim/buang", data={"csrf_token": token, "path": KALTIM}).status_code == 302
    assert not (draft_dir(ws_app, "kaltim") / KALTIM).exists()
    redone = changed.replace('en: "Central change"', 'en: "Central change, then the agency"', 1)
    assert save(client, "kaltim", KALTIM, redone).status_code == 200
    assert post_action(client, "kaltim", "aktifkan").status_code == 302
    assert live_bytes(ws_app, KALTIM).decode() == redone and active_version(ws_app) != version


SEVENTH_OFFICE = """\
# Balai Ketujuh: an office written in the browser workspace, with no Python.
roles:
  petugas_tujuh: {label: {id: "Petugas Balai Ketujuh", en: "Office seven officer"}}
numbering:
  tujuh_resi: {pattern: "{hex6}"}
agencies:
  ketujuh:
    name: Balai Ketujuh
    code: BK7
    timezone: Asia/Jayapura
    service_classes:
      - {key: umum, label: Layanan Umum}
workflows:
  alur_ketujuh:
    initial: diproses
    states:
      diproses: {label: Diproses, kind: working}
      selesai: {label: Selesai, kind: final_success}
    transitions:
      - {action: selesaikan, label: Selesaikan, from: [diproses], to: selesai, by: [petugas_tujuh]}
services:
  ketujuh_layanan:
    agency: ketujuh
    class: umum
    code: K7
    name: Layanan Balai Ketujuh
    workflow: alur_ketujuh
    receipt_numbering: tujuh_resi
"""


def test_a_new_office_is_added_in_the_shared_workspace_and_runs(ws_app):
    from tests.conftest import ApiClient, Factories, api_login

    admin = login(ws_app, "admin")
    entry = live_bytes(ws_app, "workflow_rules.yaml").decode()
    assert "  - rules/kaltim.yaml\n" in entry
    entry = entry.replace("  - rules/kaltim.yaml\n", "  - rules/kaltim.yaml\n  - rules/ketujuh.yaml\n", 1)
    token = csrf(admin, "/ruang-aturan/_bersama/")
    uploaded = admin.post("/ruang-aturan/_bersama/unggah", content_type="multipart/form-data", data={
        "csrf_token": token, "files": [(io.BytesIO(entry.encode()), "workflow_rules.yaml"),
                                       (io.BytesIO(SEVENTH_OFFICE.encode()), "ketujuh.yaml")]})
    assert uploaded.status_code == 302, uploaded.get_data(as_text=True)[:2000]
    assert post_action(admin, "_bersama", "periksa").status_code == 200
    # the preview opens on what the draft adds, not on the first office of the entry file
    preview = admin.get("/ruang-aturan/_bersama/pratinjau").get_data(as_text=True)
    assert '<option value="ketujuh_layanan" selected>' in preview
    assert post_action(admin, "_bersama", "aktifkan").status_code == 302
    assert live_bytes(ws_app, "rules/ketujuh.yaml").decode() == SEVENTH_OFFICE
    # the office's own workspace now exists, and the office works: a customer applies, its officer finishes
    assert "rules/ketujuh.yaml" in admin.get("/ruang-aturan/ketujuh/").get_data(as_text=True)
    factories = Factories(ws_app)
    client = ws_app.test_client()
    customer_id, customer_name = factories.customer()
    customer = ApiClient(client, api_login(client, customer_name), customer_id, customer_name)
    created = customer.create("ketujuh_layanan", fields={})
    assert created.status_code in (200, 201), created.get_json()
    app_id = created.get_json()["result"]["id"]
    officer_id, officer_name = factories.staff("ketujuh", "petugas_tujuh")
    officer = ApiClient(client, api_login(client, officer_name), officer_id, officer_name)
    done = officer.transition(app_id, "selesaikan")
    assert done.status_code == 200, done.get_json()
    assert customer.get(f"/api/v1/application/{app_id}").get_json()["result"]["state"] == "selesai"


@pytest.mark.parametrize("failing", ["second_file", "commit"])
def test_a_failed_activation_leaves_every_live_file_and_the_version_as_they_were(ws_app, people, monkeypatch, failing):
    """Two files replaced one by one: when the second cannot be written (or the commit fails after
    both were), the first gets its old bytes back and no version is activated."""
    from app.extensions import db
    from app.rules_workspace import publish

    client = login(ws_app, people["kaltim_admin"])
    version = active_version(ws_app)
    rules_before = live_bytes(ws_app, KALTIM)
    template_before = live_bytes(ws_app, "templates/documents/surat_izin.html")
    label = 'en: "In process — document verification"'
    assert label in rules_before.decode()
    assert save(client, "kaltim", KALTIM, rules_before.decode().replace(label, 'en: "Never live"', 1)).status_code == 200
    assert save(client, "kaltim", "templates/documents/surat_izin.html",
                template_before.decode().replace("</body>", "<p>Tidak pernah aktif</p></body>")).status_code == 200
    live = Path(ws_app.config["RULES_PATH"]).parent
    real_write = publish.write_atomically
    if failing == "second_file":
        def write(root, relative, content):
            if Path(root) == live and relative.startswith("templates/") and b"Tidak pernah aktif" in content:
                raise OSError(28, "No space left on device")
            return real_write(root, relative, content)
        monkeypatch.setattr(publish, "write_atomically", write)
    else:
        def commit():
            raise OSError(5, "database gone")
        monkeypatch.setattr(db.session, "commit", commit)
    response = post_action(client, "kaltim", "aktifkan")
    assert response.status_code == 500
    assert "tidak dapat diganti" in response.get_data(as_text=True)
    assert live_bytes(ws_app, KALTIM) == rules_before
    assert live_bytes(ws_app, "templates/documents/surat_izin.html") == template_before
    assert active_version(ws_app) == version
    assert (draft_dir(ws_app, "kaltim") / KALTIM).exists()      # the draft stays, to try again
    assert events(ws_app, "rules_workspace_activate")[-1]["result"] == "failed"
