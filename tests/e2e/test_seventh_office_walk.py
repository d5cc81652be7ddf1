"""Issue 13's acceptance, walked once in headless Chromium, as the people would do it: a seventh office
(tests/e2e/data/brida/, written from README.md, docs/rules-format.md and docs/rules.schema.json only)
is uploaded on the shared rules workspace and activated by the platform administrator, who then makes
the office's administrator; that administrator makes the officer and the signing official and links
the signatory; the official enrols on their profile page; a customer registers, applies through the
wizard and, once the officer and the official have worked the application on the back office,
downloads a signed PDF that pdfsig accepts with the agency CA from /verify/ trusted, and whose
/verify page names that CA. No Python and no shell on the way (the test's own setup aside: the app
runs on a copy of the repository's rules, so that the activation replaces files of this test only).

Screenshots: artifacts/e2e/test_seventh_office_walk/ (and WALK_SHOTS, e.g. /tmp/walk7-shots/)."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import threading
from pathlib import Path

import pytest

from config import DEMO_PASSWORD
from tests.e2e.conftest import ARTIFACTS, _free_port
from tests.e2e.helpers import fill_registration, staff_login

REPO = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parent / "data" / "brida"
PDFSIG, CERTUTIL = shutil.which("pdfsig"), shutil.which("certutil")
STRONG = "Riset#Daerah2026"          # the staff's and the customer's passwords
PASSPHRASE = "Tanda-Tangan#Kepala7"  # the signing official's own passphrase


@pytest.fixture(scope="module")
def walk(tmp_path_factory, mailbox):
    """An app of its own on a copy of the shipped rules, served on a free port."""
    from werkzeug.serving import make_server

    from tests.conftest import isolated_app

    live = tmp_path_factory.mktemp("walk_rules")
    shutil.copy(REPO / "workflow_rules.yaml", live)
    for folder in ("rules", "templates/documents", "templates/requirements"):
        if (REPO / folder).is_dir():
            shutil.copytree(REPO / folder, live / folder)
    port = _free_port()
    _box, smtp_port = mailbox
    apps = isolated_app(tmp_path_factory, "walk7", RULES_PATH=str(live / "workflow_rules.yaml"),
                        RULES_WORKSPACE_FOLDER=str(tmp_path_factory.mktemp("walk_drafts")),
                        WTF_CSRF_ENABLED=True, PORTAL_CAPTCHA_ENABLED=False, MAIL_SERVER="127.0.0.1",
                        MAIL_PORT=smtp_port, PORTAL_BASE_URL=f"http://127.0.0.1:{port}")
    app = next(apps)
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{port}", live
    server.shutdown()
    next(apps, None)


class Desk:
    """One person's browser (their own cookies), screenshots numbered across the whole walk."""

    counter = [0]

    def __init__(self, browser, base_url: str, shots: Path, *, phone: bool = False):
        size = {"width": 390, "height": 844} if phone else {"width": 1280, "height": 900}
        self.context = browser.new_context(base_url=base_url, viewport=size, locale="id-ID", accept_downloads=True)
        self.context.set_default_timeout(15000)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.shots = shots

    def shot(self, label: str) -> None:
        Desk.counter[0] += 1
        self.page.screenshot(path=str(self.shots / f"{Desk.counter[0]:02d}-{label}.png"), full_page=True)

    def login(self, username: str, password: str) -> None:
        staff_login(self.page, username, password)
        assert "/login" not in self.page.url, (username, self.alerts())

    def alerts(self) -> list[str]:
        return self.page.locator(".alert, .help-block.error, .text-danger, .has-error").all_inner_texts()

    def close(self) -> None:
        self.context.close()


def _drain(app):
    from tests.e2e.helpers import off_loop

    def run():
        from app.outbox.worker import drain
        with app.app_context():
            return drain()
    return off_loop(run)


def _select2(page, select: str, *labels: str) -> None:
    """Pick options of a (select2-enhanced) select by their visible text, as a click would."""
    values = page.eval_on_selector(select, """(el, labels) => Array.from(el.options)
        .filter(o => labels.includes(o.textContent.trim())).map(o => o.value)""", list(labels))
    assert len(values) == len(labels), (select, labels, page.eval_on_selector(
        select, "el => Array.from(el.options).map(o => o.textContent.trim())"))
    page.select_option(select, values, force=True)


def test_a_seventh_office_is_configured_in_the_browser_and_signs(walk, browser, mailbox, tmp_path):
    if not (PDFSIG and CERTUTIL):
        pytest.skip("pdfsig/certutil tidak ada (apt-get install -y poppler-utils libnss3-tools): jalan kantor ketujuh dilewati")
    app, base, live = walk
    box, _port = mailbox
    shots = ARTIFACTS / "test_seventh_office_walk"
    shutil.rmtree(shots, ignore_errors=True)
    shots.mkdir(parents=True)
    people: list[Desk] = []

    def desk(**kwargs) -> Desk:
        people.append(Desk(browser, base, shots, **kwargs))
        return people[-1]

    try:
        _walk(app, live, box, desk, tmp_path)
    finally:
        for person in people:
            person.close()
        copy_to = os.environ.get("WALK_SHOTS")
        if copy_to:
            shutil.copytree(shots, copy_to, dirs_exist_ok=True)
    assert [e for person in people for e in person.errors] == []


def _walk(app, live, box, desk, tmp_path):
    # 1-2. the platform administrator uploads the office on the shared workspace, checks, activates
    admin = desk()
    admin.login("admin", DEMO_PASSWORD)
    page = admin.page
    page.goto("/ruang-aturan/_bersama/")
    page.set_input_files("#files", [str(DATA / "brida.yaml"), str(DATA / "brida_izin_riset.html")])
    page.click("button:has-text('Unggah ke draf')")
    page.wait_for_load_state()
    assert page.locator("tr[data-path='rules/brida.yaml']").count() == 1, admin.alerts()
    assert page.locator("tr[data-path='templates/documents/brida_izin_riset.html']").count() == 1
    # the entry file includes it: typed in the editor
    page.click("tr[data-path='workflow_rules.yaml'] a:has-text('Sunting')")
    page.wait_for_selector(".CodeMirror-code")
    page.evaluate("""() => {
      const cm = document.querySelector('.CodeMirror').CodeMirror;
      const line = cm.getValue().split('\\n').indexOf('  - rules/kaltim.yaml');
      cm.replaceRange('\\n  - rules/brida.yaml', {line: line, ch: cm.getLine(line).length});
    }""")
    page.click("#workspace-editor button[type=submit]")
    page.wait_for_load_state()
    page.goto("/ruang-aturan/_bersama/")
    page.click("button:has-text('Periksa')")
    page.wait_for_load_state()
    assert page.locator(".alert-success:has-text('Valid: 6 instansi')").count() == 1, admin.alerts()
    admin.shot("ruang-aturan-diperiksa")
    page.goto("/ruang-aturan/_bersama/pratinjau")
    page.wait_for_load_state("networkidle")
    assert page.input_value("#service") == "brida_izin_riset"      # the preview opens on the new office
    admin.shot("ruang-aturan-pratinjau")
    page.goto("/ruang-aturan/_bersama/")
    page.click("button:has-text('Aktifkan')")
    page.wait_for_load_state()
    admin.shot("ruang-aturan-diaktifkan")
    assert (live / "rules" / "brida.yaml").read_bytes() == (DATA / "brida.yaml").read_bytes()
    assert "rules/brida.yaml" in (live / "workflow_rules.yaml").read_text()

    # 3. the platform administrator makes the office's administrator, bound to the new agency
    _make_agency_admin(admin)

    # 3-4. the office's administrator makes the officer and the official, and links the signatory
    boss = desk()
    boss.login("brida_admin", STRONG)
    _add_staff(boss, "brida_verifikator", "Rudi", "Hartono", "Verifikator Riset")
    _add_staff(boss, "brida_kepala", "Sari", "Wulandari", "Kepala BRIDA")
    page = boss.page
    page.goto("/instansi-saya/penandatangan/list/")
    assert "Kepala BRIDA" in page.inner_text("body"), "the signing role shown by its label"
    boss.shot("penandatangan-daftar")
    page.click("a[href*='/instansi-saya/penandatangan/show/']")
    page.wait_for_load_state()
    holder = page.eval_on_selector("select[name=holder]", """el => Array.from(el.options)
        .find(o => o.textContent.startsWith('brida_kepala')).textContent""")
    page.select_option("select[name=holder]", label=holder)
    page.click("form[action*='/tautkan'] [type=submit]")
    page.wait_for_load_state()
    assert "brida_kepala" in page.content(), boss.alerts()
    boss.shot("penandatangan-ditautkan")

    # 4. the official enrols on their own profile page
    official = desk()
    official.login("brida_kepala", STRONG)
    page = official.page
    page.goto("/users/userinfo/")
    page.fill("input[name$='-passphrase']", PASSPHRASE)
    page.fill("input[name$='-confirmation']", PASSPHRASE)
    official.shot("profil-daftarkan-kunci")
    page.click("form[action$='/daftar'] [type=submit]")
    page.wait_for_load_state()
    assert "Kunci aktif" in page.content(), official.alerts()
    official.shot("profil-kunci-aktif")

    # 5. a customer registers on the portal, verifies the e-mail, applies through the wizard
    customer = desk(phone=True)
    email = f"peneliti.{os.getpid()}@contoh.test"
    page = customer.page
    fill_registration(page, nik=f"647201150590{os.getpid() % 9000 + 1000:04d}", full_name="Dewi Lestari, M.Si.",
                      occupation="Peneliti", address="Jl. Kampus No. 3", phone="081234567891", email=email,
                      password=STRONG)
    page.click("form button[type=submit]:has-text('Daftar')")
    page.wait_for_load_state()
    assert "/portal/verifikasi" in page.url, customer.alerts()
    _drain(app)
    page.goto(box.link(email, r"http://127\.0\.0\.1:\d+/portal/verifikasi/tautan\?\S+"))
    from tests.e2e.helpers import portal_login
    portal_login(page, email, STRONG)
    page.goto("/portal/layanan")
    customer.shot("portal-katalog")
    page.goto("/portal/ajukan/brida_izin_riset")
    customer.shot("wizard-awal")
    app_id = _apply(customer)

    # the officer verifies, the official approves and signs, on the back office
    officer = desk()
    officer.login("brida_verifikator", STRONG)
    _act(officer, app_id, "Proposal Lengkap", {"catatan_verifikasi": "Proposal dan jadwal lengkap."})
    page = official.page
    page.goto("/backoffice/antrean/")
    assert page.locator(f"a[href$='/backoffice/permohonan/{app_id}']").count() >= 1, "on the official's queue"
    official.shot("kepala-perlu-tindakan")
    _act(official, app_id, "Setujui dan Tandatangani (TTE)", {"passphrase": PASSPHRASE})
    _drain(app)

    # 6. the customer downloads the signed permit; pdfsig trusts it once told the agency CA
    page = customer.page
    page.goto(f"/portal/permohonan/{app_id}")
    customer.shot("portal-selesai")
    link = page.locator("#downloads a:has-text('Surat Izin Riset')").first
    response = page.request.get(link.get_attribute("href"))
    assert response.status == 200, response.text()[:300]
    pdf = tmp_path / "surat_izin_riset.pdf"
    pdf.write_bytes(response.body())
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf), str(customer.shots / "99-surat-izin-riset")],
                   check=False)
    public = desk()
    page = public.page
    page.goto("/verify/")
    public.shot("verify-ca")
    ca_fingerprint = page.inner_text("#ca-brida code").strip()
    ca = page.request.get(page.locator("#ca-brida a:has-text('.pem')").get_attribute("href"))
    assert ca.status == 200
    (tmp_path / "ca-brida.pem").write_bytes(ca.body())
    nss = tmp_path / "nss"
    nss.mkdir()
    subprocess.run([CERTUTIL, "-N", "-d", f"sql:{nss}", "--empty-password"], check=True)
    subprocess.run([CERTUTIL, "-A", "-d", f"sql:{nss}", "-n", "ca-brida", "-t", "CT,C,C",
                    "-i", str(tmp_path / "ca-brida.pem")], check=True)
    report = subprocess.run([PDFSIG, "-nssdir", f"sql:{nss}", str(pdf)], capture_output=True, text=True).stdout
    assert "Signature is Valid" in report and "Certificate is Trusted" in report, report
    # the QR's address, read from the PDF, opens the public check: the chain to the agency CA
    from pypdf import PdfReader
    text = "".join(p.extract_text() for p in PdfReader(str(pdf)).pages)
    found = re.search(r"/verify/([A-Za-z0-9_-]+)", text)
    assert found, text
    page.goto(f"/verify/{found.group(1)}")
    public.shot("verify-dokumen")
    assert "Dokumen terdaftar dan utuh" in page.inner_text("body")
    issuer = page.inner_text("#certificate-issuer")
    assert "Badan Riset dan Inovasi Daerah Kota Contoh" in issuer and ca_fingerprint in issuer, issuer


def _make_agency_admin(admin: Desk) -> None:
    page = admin.page
    page.goto("/users/add")
    page.fill("[name=first_name]", "Admin")
    page.fill("[name=last_name]", "BRIDA")
    page.fill("[name=username]", "brida_admin")
    page.fill("[name=email]", "admin@brida.contoh.test")
    _select2(page, "select[name=roles]", "admin_instansi")
    page.fill("[name=password]", STRONG)
    page.fill("[name=conf_password]", STRONG)
    admin.shot("pengguna-tambah-admin-instansi")
    page.click("form [type=submit]")
    page.wait_for_load_state()
    assert "/users/add" not in page.url, admin.alerts()
    page.goto("/staffprofileview/add")
    admin.shot("petugas-instansi-tambah")
    _select2(page, "select[name=user]", "brida_admin — Admin BRIDA")
    _select2(page, "select[name=agency]", "BRIDA Kota Contoh")
    page.fill("[name=position]", "Administrator BRIDA")
    page.fill("[name=nip]", "198502022010011002")
    page.click("form [type=submit]")
    page.wait_for_load_state()
    assert "/add" not in page.url, admin.alerts()


def _add_staff(boss: Desk, username: str, first: str, last: str, role: str) -> None:
    page = boss.page
    page.goto("/instansi-saya/pengguna/add")
    page.fill("[name=username]", username)
    page.fill("[name=first_name]", first)
    page.fill("[name=last_name]", last)
    page.fill("[name=email]", f"{username}@brida.contoh.test")
    _select2(page, "select[name=roles]", role)
    page.fill("[name=password]", STRONG)
    page.fill("[name=conf_password]", STRONG)
    boss.shot(f"pengguna-instansi-{username}")
    page.click("form [type=submit]")
    page.wait_for_load_state()
    assert "/add" not in page.url, boss.alerts()


def _apply(customer: Desk) -> int:
    from tests.e2e.helpers import app_id_from, next_step

    page = customer.page
    # step by step; the research step is refused first (a fraction of a researcher, an end before the start)
    for _ in range(6):
        if page.locator("[name='f.judul']").is_visible():
            break
        next_step(page)
    page.fill("[name='f.judul']", "Pemetaan Mangrove Pesisir Kota Contoh")
    page.fill("[name='f.jumlah_peneliti']", "2,5")
    page.fill("[name='f.tanggal_mulai']", "2027-03-10")
    page.fill("[name='f.tanggal_selesai']", "2027-03-01")
    next_step(page)
    customer.shot("wizard-riset-salah")
    # "Lanjut" stops on this step, each message on its field (the server's words, before the server)
    assert page.locator("#f-jumlah_peneliti-error").inner_text() == "Isian ini harus bilangan bulat."
    assert page.locator("#f-tanggal_selesai-error").inner_text() == "Tidak boleh sebelum Tanggal mulai."
    assert page.locator("#f-tanggal_mulai-error").inner_text() == "Tidak boleh setelah Tanggal selesai."
    assert page.locator("[name='f.judul']").is_visible()
    page.fill("[name='f.jumlah_peneliti']", "3")
    page.fill("[name='f.tanggal_selesai']", "2027-06-30")
    customer.shot("wizard-riset")
    next_step(page)
    for _ in range(4):
        if page.locator("#submit-application").is_visible():
            break
        next_step(page)
    customer.shot("wizard-ringkasan")
    page.click("#submit-application")
    page.wait_for_load_state()
    assert page.locator("#submitted").count() == 1, customer.alerts()
    customer.shot("resi")
    page.click("#to-detail")
    return app_id_from(page)


def _act(person: Desk, app_id: int, label: str, fields: dict) -> None:
    page = person.page
    page.goto(f"/backoffice/permohonan/{app_id}")
    person.shot("permohonan-" + re.sub(r"\W+", "-", label.lower()).strip("-"))
    page.click(f"a.btn:has-text('{label}')")
    page.wait_for_load_state()
    for key, value in fields.items():
        page.fill(f"[name={key}]", value)
    page.click("form button[type=submit]:has-text('Simpan')")
    page.wait_for_load_state()
    assert f"/backoffice/permohonan/{app_id}" in page.url and "/aksi" not in page.url, person.alerts()
