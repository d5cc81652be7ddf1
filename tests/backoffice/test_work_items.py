"""Work rows (``work_items``): a SIPPT order with three test parameters and two analysts runs from
order to signed E-LHU through the real back-office screens, and the row permissions hold."""
from __future__ import annotations

import io
import re
import shutil
import subprocess

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from app.demo.autofill import path_to, sample_value
from app.commands.application.create import COMPANY_FIELDS
from config import DEMO_PASSWORD
from tests.backoffice.conftest import html_login, state_of, transition
from tests.conftest import PDF_BYTES
from tests.workflows.conftest import api_client, offices, rules_data  # noqa: F401  (fixtures)
from tests.workflows.driver import signed_in

SERVICE = "sippt_pengujian"
PARAMETERS = ("UJI-KIM-01", "UJI-KIM-02", "UJI-LNG-02")
RESULTS = {"UJI-KIM-01": ("12,47", "%", "SNI 01-2891-1992", "maks. 14", "memenuhi"),
           "UJI-KIM-02": ("0,031", "mg/kg", "SNI 8910:2021 (SSA)", "maks. 0,05", "memenuhi"),
           "UJI-LNG-02": ("187,5", "mg/L", "SNI 6989.2:2019", "maks. 100", "tidak_memenuhi")}
PDFSIG = shutil.which("pdfsig")


def page_of(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


def act(client, app_id: int, action: str, data: dict | None = None, expect: int = 302):
    """A transition through the back-office form (the version the page carried)."""
    url = f"/backoffice/permohonan/{app_id}/tindakan/{action}"
    page = page_of(client, url)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    response = client.post(url, data={"version": version, **(data or {})}, content_type="multipart/form-data")
    assert response.status_code == expect, (action, response.status_code, response.get_data(as_text=True)[-1500:])
    return response


def rows_of(app, app_id: int) -> dict[str, dict]:
    from app.extensions import db
    from models import WorkItem

    with app.app_context():
        rows = {r.code: {"id": r.id, "status": r.status, "assignee_id": r.assignee_id, "values": dict(r.values),
                         "version": r.version, "files": dict(r.files)}
                for r in db.session.scalars(select(WorkItem).where(WorkItem.application_id == app_id))}
        db.session.remove()
        return rows


def enter(client, app_id: int, row: dict, code: str, *, with_file=True, expect=302, file=None):
    value, unit, method, limit, conformity = RESULTS[code]
    data = {"version": str(row["version"]), "hasil": value, "satuan": unit, "metode": method,
            "persyaratan": limit, "kesesuaian": conformity, "keterangan": f"Duplo, {code}"}
    if with_file:
        data["data_mentah"] = file or (io.BytesIO(PDF_BYTES), f"data-{code}.pdf")
    response = client.post(f"/backoffice/permohonan/{app_id}/baris/{row['id']}", data=data,
                           content_type="multipart/form-data")
    assert response.status_code == expect, (code, response.status_code, response.get_data(as_text=True)[-1500:])
    return response


def step(client, app_id: int, row: dict, name: str, note: str = "", expect=302):
    response = client.post(f"/backoffice/permohonan/{app_id}/baris/{row['id']}/{name}",
                           data={"version": str(row["version"]), "note": note})
    assert response.status_code == expect, (name, response.status_code)
    return response


@pytest.fixture(scope="module")
def order(app, offices, factories, api_client):  # noqa: F811
    """A company's order with three test parameters, paid and handed to the supervisor; a second analyst."""
    office = offices["sippt"]
    data = office.data
    workflow = data["workflows"][data["services"][SERVICE]["workflow"]]
    customer = office.customers["company"]
    company = {f["key"]: sample_value(f) for f in COMPANY_FIELDS}
    company["name"] = "PT Karet Musi Sejahtera"
    fields = {"nama_sampel": "Karet remah SIR 20", "merek_kode_sampel": "KMS-07", "jumlah_sampel": 3,
              "kemasan": "3 bandela @ 1 kg", "tujuan_pengujian": "pengendalian_mutu",
              "penyerahan_sampel": "diantar"}
    response = customer.create(SERVICE, files={"surat_permohonan": (PDF_BYTES, "surat.pdf")}, fields=fields,
                               declaration=True, company=company,
                               cart=[{"code": code, "quantity": 1} for code in PARAMETERS])
    assert response.status_code == 201, response.get_json()
    app_id = response.get_json()["result"]["id"]
    office.drive(app_id, path_to(workflow, "verifikasi_sampel"))
    second = signed_in(api_client, factories.staff("sippt", "analis"))
    return {"id": app_id, "office": office, "workflow": workflow, "customer": customer,
            "analyst_a": office.staff["analis"], "analyst_b": second}


def test_sippt_order_runs_per_parameter_to_a_signed_elhu(app, order, factories):
    app_id, office = order["id"], order["office"]
    a, b = order["analyst_a"], order["analyst_b"]
    supervisor = html_login(app, office.staff["penyelia"].username)
    manager = html_login(app, office.staff["manajer_teknis"].username)
    client_a, client_b = html_login(app, a.username), html_login(app, b.username)

    # step 12: the supervisor cannot move on before every parameter has its analyst
    show = page_of(supervisor, f"/backoffice/permohonan/{app_id}")
    assert "Tugaskan petugas per baris" in show
    blocked = act(supervisor, app_id, "pilih_analis", expect=422)
    assert "belum ditugaskan" in blocked.get_data(as_text=True) or "Belum ada baris" in blocked.get_data(as_text=True)

    form = page_of(supervisor, f"/backoffice/permohonan/{app_id}/baris/tugaskan")
    rows = rows_of(app, app_id)
    assert set(rows) == set(PARAMETERS)
    options = set(re.findall(r'<option value="(\d+)"', form))
    assert {str(a.user_id), str(b.user_id)} <= options
    assert str(office.staff["cs"].user_id) not in options          # only holders of the analyst role
    # a user without the analyst role is refused on the field; nothing is stored
    bad = supervisor.post(f"/backoffice/permohonan/{app_id}/baris/tugaskan", data={
        f"row-{rows['UJI-KIM-01']['id']}": str(office.staff["cs"].user_id),
        f"row-{rows['UJI-KIM-02']['id']}": str(a.user_id), f"row-{rows['UJI-LNG-02']['id']}": str(b.user_id)})
    assert bad.status_code == 422 and "Petugas ini tidak dapat dipilih." in bad.get_data(as_text=True)
    assert all(r["assignee_id"] is None for r in rows_of(app, app_id).values())
    done = supervisor.post(f"/backoffice/permohonan/{app_id}/baris/tugaskan", data={
        f"row-{rows['UJI-KIM-01']['id']}": str(a.user_id), f"row-{rows['UJI-KIM-02']['id']}": str(a.user_id),
        f"row-{rows['UJI-LNG-02']['id']}": str(b.user_id)})
    assert done.status_code == 302
    act(supervisor, app_id, "pilih_analis", {"catatan": "Sampel baik."})
    act(manager, app_id, "validasi_analis")
    assert state_of(app, app_id) == "pengujian"

    # each analyst's queue shows the order with their own parameters only
    names = {code: next(i["name"] for i in office.data["services"][SERVICE]["catalogue"] if i["code"] == code)
             for code in PARAMETERS}
    queue_a, queue_b = page_of(client_a, "/backoffice/antrean/"), page_of(client_b, "/backoffice/antrean/")
    assert f"/backoffice/permohonan/{app_id}" in queue_a and f"/backoffice/permohonan/{app_id}" in queue_b
    assert names["UJI-KIM-01"] in queue_a and names["UJI-LNG-02"] not in queue_a
    assert names["UJI-LNG-02"] in queue_b and names["UJI-KIM-01"] not in queue_b

    # results per row: a missing raw-data file or a bad one is refused on its field, nothing stored
    rows = rows_of(app, app_id)
    missing = enter(client_a, app_id, rows["UJI-KIM-01"], "UJI-KIM-01", with_file=False, expect=422)
    assert "wajib diunggah" in missing.get_data(as_text=True)
    fake = enter(client_a, app_id, rows["UJI-KIM-01"], "UJI-KIM-01", expect=422,
                 file=(io.BytesIO(b"MZ\x90\x00not a pdf at all"), "data.pdf"))
    assert "jenis yang diizinkan" in fake.get_data(as_text=True)
    assert rows_of(app, app_id)["UJI-KIM-01"]["values"] == {}
    for code in ("UJI-KIM-01", "UJI-KIM-02"):
        enter(client_a, app_id, rows_of(app, app_id)[code], code)
    # the supervisor cannot send the order on while a row has no results
    assert "1 dari 3 baris belum diisi hasilnya" in act(supervisor, app_id, "input_hasil_uji", expect=422) \
        .get_data(as_text=True)
    enter(client_b, app_id, rows_of(app, app_id)["UJI-LNG-02"], "UJI-LNG-02")
    act(supervisor, app_id, "input_hasil_uji")

    # step 15: verify two rows, return the third to its analyst; the order waits for it
    rows = rows_of(app, app_id)
    step(supervisor, app_id, rows["UJI-KIM-01"], "verify")
    step(supervisor, app_id, rows["UJI-KIM-02"], "verify")
    step(supervisor, app_id, rows["UJI-LNG-02"], "return", note="Periksa ulang faktor pengenceran.")
    assert rows_of(app, app_id)["UJI-LNG-02"]["status"] == "returned"
    act(supervisor, app_id, "verifikasi_hasil", expect=422)
    assert state_of(app, app_id) == "verifikasi_hasil"
    assert names["UJI-LNG-02"] in page_of(client_b, "/backoffice/antrean/")
    enter(client_b, app_id, rows_of(app, app_id)["UJI-LNG-02"], "UJI-LNG-02")
    step(supervisor, app_id, rows_of(app, app_id)["UJI-LNG-02"], "verify")
    act(supervisor, app_id, "verifikasi_hasil")

    # step 16: the technical manager validates every row, then the order
    act(manager, app_id, "validasi_hasil", expect=422)
    for code in PARAMETERS:
        step(manager, app_id, rows_of(app, app_id)[code], "validate")
    act(manager, app_id, "validasi_hasil")
    assert state_of(app, app_id) == "penerbitan_no_lhu"

    # steps 17-18 through the API, as their users
    workflow = order["workflow"]
    office.drive(app_id, [transition(workflow, "generate_no_lhu"), transition(workflow, "minta_tte")])

    # step 19: the head sees the draft E-LHU with the results before the passphrase
    head = html_login(app, office.staff["kepala_balai"].username)
    sign_form = page_of(head, f"/backoffice/permohonan/{app_id}/tindakan/tandatangani")
    assert "Draf E-LHU" in sign_form and 'sandbox=""' in sign_form and "srcdoc=" in sign_form
    assert "187,5" in sign_form and "Tidak memenuhi" in sign_form
    draft = head.get(f"/backoffice/permohonan/{app_id}/draf/sippt_lhu")
    assert draft.status_code == 200 and draft.data.startswith(b"%PDF")
    assert draft.headers["Content-Security-Policy"] == "sandbox"
    assert "0,031" in "".join(p.extract_text() for p in PdfReader(io.BytesIO(draft.data)).pages)
    # a wrong passphrase signs nothing
    act(head, app_id, "tandatangani", {"passphrase": "salah-sekali"}, expect=422)
    act(head, app_id, "tandatangani", {"passphrase": DEMO_PASSWORD})
    assert state_of(app, app_id) == "pengecekan_cs"

    pdf, certificate = _signed_lhu(app, app_id)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    flat = " ".join(text.split())
    for code, (value, unit, method, _limit, _conformity) in RESULTS.items():
        assert names[code].split(" — ")[0] in flat and value in flat and method in flat, code
    assert "Tidak memenuhi" in flat and "Memenuhi" in flat
    assert "PT Karet Musi Sejahtera" in flat and "Karet remah SIR 20" in flat
    sample_id = _numbers(app, app_id)["sample_id"]
    assert sample_id in flat and "Tanggal Sampel Diterima" in flat

    from app.documents.pades import check_signature
    assert check_signature(pdf, certificate).ok
    if PDFSIG:
        path = _signed_path(app, app_id)
        report = subprocess.run([PDFSIG, str(path)], capture_output=True, text=True).stdout
        assert "Signature is Valid" in report, report


def _numbers(app, app_id):
    from app.extensions import db
    from models import Application
    with app.app_context():
        numbers = dict(db.session.get(Application, app_id).numbers)
        db.session.remove()
        return numbers


def _signed_path(app, app_id):
    from app.extensions import db
    from app.storage.files import FileStore
    from models import GeneratedDocument
    with app.app_context():
        doc = db.session.scalar(select(GeneratedDocument).where(
            GeneratedDocument.application_id == app_id, GeneratedDocument.doc_key == "sippt_lhu"))
        path = FileStore.current().path_of(doc.file.storage_path)
        db.session.remove()
        return path


def _signed_lhu(app, app_id):
    from app.extensions import db
    from models import GeneratedDocument, Signatory
    path = _signed_path(app, app_id)
    with app.app_context():
        doc = db.session.scalar(select(GeneratedDocument).where(
            GeneratedDocument.application_id == app_id, GeneratedDocument.doc_key == "sippt_lhu"))
        assert doc.signed and doc.status == "ready"
        certificate = db.session.get(Signatory, doc.signatory_id).certificate_pem
        db.session.remove()
    return path.read_bytes(), certificate


@pytest.fixture(scope="module")
def testing(app, offices, factories, api_client):  # noqa: F811
    """An order in testing: rows 1-2 assigned to analyst A, row 3 to analyst B."""
    from app.commands.work_items import AssignWorkItemsCommand, ensure_rows
    from app.extensions import db
    from models import Application, User

    office = offices["sippt"]
    workflow = office.data["workflows"]["sippt_pengujian"]
    customer = office.customers["company"]
    response = customer.create(SERVICE, files={"surat_permohonan": (PDF_BYTES, "surat.pdf")},
                               fields={"nama_sampel": "Air limbah", "jumlah_sampel": 1, "kemasan": "botol 1 L",
                                       "tujuan_pengujian": "lingkungan", "penyerahan_sampel": "diantar"},
                               declaration=True, cart=[{"code": code, "quantity": 1} for code in PARAMETERS])
    app_id = response.get_json()["result"]["id"]
    office.drive(app_id, path_to(workflow, "verifikasi_sampel"))
    a, b = office.staff["analis"], signed_in(api_client, factories.staff("sippt", "analis"))
    with app.app_context():
        application = db.session.get(Application, app_id)
        rows = ensure_rows(application)
        db.session.commit()
        AssignWorkItemsCommand(app_id, db.session.get(User, application.assignee_id),
                               {rows[0].id: a.user_id, rows[1].id: a.user_id, rows[2].id: b.user_id}).run()
        db.session.remove()
    office.drive(app_id, [transition(workflow, "pilih_analis"), transition(workflow, "validasi_analis")])
    assert state_of(app, app_id) == "pengujian"
    rows = rows_of(app, app_id)
    return {"id": app_id, "a": a, "b": b, "rows": rows, "office": office, "other": offices["bmkg"],
            "customer": customer}


def _who(testing, key):
    office = testing["office"]
    return {"analyst_a": testing["a"].username, "analyst_b": testing["b"].username,
            "supervisor": office.staff["penyelia"].username, "manager": office.staff["manajer_teknis"].username,
            "customer": testing["customer"].username,
            "other_agency": next(iter(testing["other"].staff.values())).username}[key]


# who, what, row, expected status (the row must not change either way)
HOSTILE = [
    ("analyst_a", "enter", "UJI-LNG-02", {403}),           # B's row
    ("analyst_b", "enter", "UJI-KIM-01", {403}),           # A's row
    ("supervisor", "enter", "UJI-KIM-01", {403}),          # not the row's analyst
    ("analyst_a", "verify", "UJI-KIM-01", {403}),          # analysts do not verify
    ("manager", "validate", "UJI-KIM-01", {403}),          # nothing entered yet
    ("analyst_a", "assign", None, {403}),                  # only the supervisor assigns
    ("customer", "enter", "UJI-KIM-01", {302, 403, 404}),  # no back office for customers
    ("customer", "show", "UJI-KIM-01", {302, 403, 404}),
    ("other_agency", "enter", "UJI-KIM-01", {404}),        # another agency's order does not exist
    ("other_agency", "show", "UJI-KIM-01", {404}),
    ("other_agency", "verify", "UJI-KIM-01", {404}),
    ("supervisor", "frobnicate", "UJI-KIM-01", {404}),
]


@pytest.mark.parametrize("who,what,code,expected", HOSTILE, ids=[f"{w}-{x}-{c}" for w, x, c, _ in HOSTILE])
def test_row_permissions(app, testing, who, what, code, expected):
    client = html_login(app, _who(testing, who))
    app_id = testing["id"]
    before = rows_of(app, app_id)
    row = before[code] if code else None
    if what == "enter":
        value, unit, method, limit, conformity = RESULTS[code]
        response = client.post(f"/backoffice/permohonan/{app_id}/baris/{row['id']}", data={
            "version": str(row["version"]), "hasil": "999", "satuan": unit, "metode": method,
            "kesesuaian": conformity, "data_mentah": (io.BytesIO(PDF_BYTES), "x.pdf")},
            content_type="multipart/form-data")
    elif what == "show":
        response = client.get(f"/backoffice/permohonan/{app_id}/baris/{row['id']}")
        if who != "customer" and response.status_code == 302:
            response = client.get(response.headers["Location"])
    elif what == "assign":
        response = client.post(f"/backoffice/permohonan/{app_id}/baris/tugaskan",
                               data={f"row-{r['id']}": str(testing["a"].user_id) for r in before.values()})
    else:
        response = client.post(f"/backoffice/permohonan/{app_id}/baris/{row['id']}/{what}",
                               data={"version": str(row["version"]), "note": "x"})
    assert response.status_code in expected, response.status_code
    assert rows_of(app, app_id) == before


def test_rows_in_the_api_for_staff_only(app, testing):
    app_id = testing["id"]
    staff = testing["a"].get(f"/api/v1/application/{app_id}").get_json()["result"]
    assert [r["code"] for r in staff["work_items"]] == list(PARAMETERS)
    assert {r["assignee_id"] for r in staff["work_items"]} == {testing["a"].user_id, testing["b"].user_id}
    customer = testing["customer"].get(f"/api/v1/application/{app_id}")
    assert customer.status_code == 200 and "work_items" not in customer.get_json()["result"]
    assert "baris_tugaskan" in [e["action"] for e in staff["timeline"]]
    assert not [e for e in customer.get_json()["result"]["timeline"] if e["action"].startswith("baris_")]
    other = next(iter(testing["other"].staff.values())).get(f"/api/v1/application/{app_id}")
    assert other.status_code == 404


def test_customer_tariff_page_lists_parameters_prices_and_order_id(app, testing):
    from tests.conftest import sign_in

    client = sign_in(app.test_client(), testing["customer"].user_id)
    page = client.get(f"/portal/permohonan/{testing['id']}").get_data(as_text=True)
    order_id = _numbers(app, testing["id"])["order_id"]
    assert order_id in page and "Rincian tarif" in page
    catalogue = {i["code"]: i for i in testing["office"].data["services"][SERVICE]["catalogue"]}
    for code in PARAMETERS:
        price = "Rp " + f"{catalogue[code]['price']:,}".replace(",", ".")
        assert code in page and catalogue[code]["name"] in page.replace("&#34;", '"') and price in page, code
    # the work rows stay in the office (the main path's state labels, "Analis melakukan pengujian…",
    # are the customer's to see)
    for row_words in ("Penugasan baris", "Hasil diisi", "Hasil diverifikasi", "Hasil divalidasi", "Isi hasil"):
        assert row_words not in page, row_words


def test_team_lead_adjusts_tariff_lines_before_approving(app, offices):  # noqa: F811
    from decimal import Decimal

    from app.extensions import db
    from models import Application, AuditEvent

    office = offices["sippt"]
    workflow = office.data["workflows"]["sippt_pengujian"]
    customer = office.customers["company"]
    response = customer.create(SERVICE, files={"surat_permohonan": (PDF_BYTES, "surat.pdf")},
                               fields={"nama_sampel": "Air limbah", "jumlah_sampel": 1, "kemasan": "botol 1 L",
                                       "tujuan_pengujian": "lingkungan", "penyerahan_sampel": "diantar"},
                               declaration=True, cart=[{"code": code, "quantity": 1} for code in PARAMETERS])
    app_id = response.get_json()["result"]["id"]
    office.drive(app_id, path_to(workflow, "persetujuan_tarif"))
    lead = html_login(app, office.staff["ketua_tim_pji"].username)
    cs = html_login(app, office.staff["cs"].username)
    assert "Sesuaikan tarif" in page_of(lead, f"/backoffice/permohonan/{app_id}")
    assert "Sesuaikan tarif" not in page_of(cs, f"/backoffice/permohonan/{app_id}")
    page = page_of(lead, f"/backoffice/permohonan/{app_id}/tarif")
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    ids = [int(i) for i in re.findall(r'name="line-(\d+)-quantity"', page)]
    assert len(ids) == 3

    def totals():
        with app.app_context():
            application = db.session.get(Application, app_id)
            result = (application.total_amount, [(l.quantity, l.unit_price) for l in application.cart_lines])
            db.session.remove()
            return result
    before = totals()
    for bad in ({"quantity": "0"}, {"quantity": "1,5"}, {"unit_price": "-5"}, {"unit_price": "12.000,50"}):
        data = {"version": version, **{f"line-{i}-quantity": "1" for i in ids},
                **{f"line-{i}-unit_price": "100000" for i in ids}}
        data.update({f"line-{ids[0]}-{k}": v for k, v in bad.items()})
        refused = lead.post(f"/backoffice/permohonan/{app_id}/tarif", data=data)
        assert refused.status_code == 422, bad
        assert 'aria-invalid="true"' in refused.get_data(as_text=True)
        assert totals() == before
    forbidden = cs.post(f"/backoffice/permohonan/{app_id}/tarif", data={"version": version})
    assert forbidden.status_code == 403 and totals() == before
    done = lead.post(f"/backoffice/permohonan/{app_id}/tarif", data={
        "version": version, f"line-{ids[0]}-quantity": "2", f"line-{ids[0]}-unit_price": "80000",
        f"line-{ids[1]}-quantity": "1", f"line-{ids[1]}-unit_price": "200000",
        f"line-{ids[2]}-quantity": "1", f"line-{ids[2]}-unit_price": "125000", "note": "Duplo untuk kadar air."})
    assert done.status_code == 302
    total, lines = totals()
    assert total == Decimal(160000 + 200000 + 125000) and lines[0] == (2, Decimal(80000))
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.application_id == app_id,
                                                           AuditEvent.action == "sesuaikan_tarif"))
        assert event.note == "Duplo untuk kadar air." and event.values["total"]["to"] == "485000.00"
        db.session.remove()
    act(lead, app_id, "setujui_tarif")
    assert lead.get(f"/backoffice/permohonan/{app_id}/tarif").status_code == 302   # approved: no more changes
