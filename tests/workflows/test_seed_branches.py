"""The seed offices' branches, read as their users would: labels, notes, notifications, numbers."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.demo.autofill import path_to
from tests.workflows.driver import transition


@pytest.fixture
def outbox(app):
    """Notification rows of one application: [(channel, template, recipient_id, subject/body)]."""
    from app.extensions import db
    from models import OutboxMessage

    def _rows(app_id: int, kind: str = "notification"):
        with app.app_context():
            rows = db.session.scalars(select(OutboxMessage).where(
                OutboxMessage.application_id == app_id, OutboxMessage.kind == kind)
                .order_by(OutboxMessage.id)).all()
            return [(r.channel, r.template, r.recipient_id, r.payload) for r in rows]
    return _rows


def walk(office, service_key: str, to_state: str, extra: list[dict] = ()) -> int:
    workflow = office.data["workflows"][office.data["services"][service_key]["workflow"]]
    path = path_to(workflow, to_state)
    app_id = office.create(service_key, path + list(extra))
    office.drive(app_id, path)
    return app_id


# --- BMKG ---------------------------------------------------------------------------------
def test_bmkg_not_available_ends_with_the_officers_note(offices, outbox):
    office = offices["bmkg"]
    wf = office.data["workflows"]["bmkg_informasi"]
    app_id = walk(office, "bmkg_informasi", "terkirim")
    customer = office.customers["person"]
    response = office.apply(app_id, transition(wf, "tidak_tersedia"),
                            fields={"catatan": "Data stasiun untuk periode tersebut tidak tersedia."})
    assert response.status_code == 200, response.get_json()
    detail = office.detail(app_id, customer)
    assert detail["state_label"] == "Layanan Tidak Tersedia"
    assert detail["state_kind"] == "final_rejected"
    assert detail["timeline"][-1]["note"] == "Data stasiun untuk periode tersebut tidak tersedia."
    assert customer.actions(app_id) == []
    mails = [r for r in outbox(app_id) if r[2] == customer.user_id and r[0] == "email"]
    assert mails and "tidak tersedia" in (mails[-1][3]["subject"] + mails[-1][3]["body"]).lower()


def test_bmkg_payment_suspended_then_reuploaded_then_valid(offices, outbox):
    office = offices["bmkg"]
    wf = office.data["workflows"]["bmkg_informasi"]
    customer = office.customers["person"]
    app_id = walk(office, "bmkg_informasi", "pembayaran_diverifikasi")
    detail = office.detail(app_id, customer)
    assert detail["state_label"] == "Pembayaran Sedang Diverifikasi"
    assert [p["status"] for p in detail["payments"]] == ["submitted"]
    assert detail["payments"][0]["amount"] == detail["total_amount"]

    bendahara = office.staff["bendahara"]
    assert "pembayaran_valid" in bendahara.actions(app_id)
    response = office.apply(app_id, transition(wf, "pembayaran_ditangguhkan"),
                            fields={"catatan": "Nominal transfer kurang Rp 25.000."})
    assert response.status_code == 200, response.get_json()
    detail = office.detail(app_id, customer)
    assert detail["state_label"] == "Upload Bukti Pembayaran Terbaru"
    assert detail["payments"][0]["status"] == "suspended"
    assert customer.actions(app_id) == ["upload_bukti"]

    response = office.apply(app_id, transition(wf, "upload_bukti", "upload_bukti_terbaru"))
    assert response.status_code == 200, response.get_json()
    # the suspended attempt stays, dated, as history; the new proof is the current attempt
    payments = office.detail(app_id)["payments"]
    assert [p["status"] for p in payments] == ["suspended", "submitted"]
    assert payments[0]["superseded_at"] and payments[0]["note"] == "Nominal transfer kurang Rp 25.000."
    assert payments[1]["superseded_at"] is None and payments[1]["note"] == ""
    response = office.apply(app_id, transition(wf, "pembayaran_valid"))
    assert response.status_code == 200, response.get_json()
    detail = office.detail(app_id, customer)
    assert detail["state"] == "diproses" and detail["payments"][-1]["status"] == "valid"
    bodies = " ".join(r[3]["body"] for r in outbox(app_id) if r[2] == customer.user_id and r[0] == "email")
    assert "14" in bodies and "hari kerja" in bodies
    treasurer_inbox = [r for r in outbox(app_id) if r[2] == bendahara.user_id and r[0] == "inbox"]
    assert len(treasurer_inbox) >= 2  # notified at the first proof and at the re-upload


def test_bmkg_payment_invalid_ends_the_application(offices):
    office = offices["bmkg"]
    wf = office.data["workflows"]["bmkg_kalibrasi"]
    customer = office.customers["person"]
    app_id = walk(office, "bmkg_kalibrasi", "pembayaran_diverifikasi")
    response = office.apply(app_id, transition(wf, "pembayaran_tidak_valid"),
                            fields={"catatan": "Bukti transfer berulang kali tidak sesuai."})
    assert response.status_code == 200, response.get_json()
    detail = office.detail(app_id, customer)
    assert detail["state_label"] == "Pembayaran Ditolak"
    assert detail["payments"][0]["status"] == "invalid"
    assert customer.actions(app_id) == []
    # a retry by the treasurer is refused, not a second transition: the step is no longer there
    again = office.apply(app_id, transition(wf, "pembayaran_valid"))
    assert again.status_code == 422
    assert again.get_json()["error"] == "action_not_available"
    assert "tidak tersedia" in again.get_json()["message"]


def test_bmkg_decision_needs_a_note(offices):
    office = offices["bmkg"]
    wf = office.data["workflows"]["bmkg_informasi"]
    app_id = walk(office, "bmkg_informasi", "terkirim")
    response = office.apply(app_id, transition(wf, "tidak_tersedia"), fields={"catatan": ""})
    assert response.status_code == 422
    assert "catatan" in response.get_json()["field_errors"]
    assert office.detail(app_id)["state"] == "terkirim"


# --- Kaltim -------------------------------------------------------------------------------
def test_kaltim_receipt_is_six_hex_characters(offices):
    app_id = offices["kaltim"].create("kaltim_sipa")
    assert re.fullmatch(r"[0-9A-F]{6}", offices["kaltim"].detail(app_id)["receipt"])


def test_kaltim_revision_loop_then_rejection(offices, outbox):
    office = offices["kaltim"]
    wf = office.data["workflows"]["kaltim_perizinan"]
    customer = office.customer_for("kaltim_sipa")
    app_id = office.create("kaltim_sipa")
    note = "Peta lokasi tidak terbaca; unggah ulang dengan resolusi lebih tinggi."
    response = office.apply(app_id, transition(wf, "kembalikan_revisi"), fields={"catatan": note})
    assert response.status_code == 200, response.get_json()
    detail = office.detail(app_id, customer)
    assert detail["state_label"] == "Revisi" and detail["timeline"][-1]["note"] == note
    assert detail["state_due_at"] is not None          # five working days to revise
    assert any(r[2] == customer.user_id for r in outbox(app_id))

    # the customer corrects a field and replaces a document
    from tests.conftest import PDF_BYTES
    old_files = [f for f in detail["files"] if f["doc_key"] == "peta_lokasi"]
    response = customer.transition(app_id, "kirim_revisi", {},
                                   files={"peta_lokasi": (PDF_BYTES + b"%v2", "peta_v2.pdf")},
                                   updates={"jumlah_sumur": 3})
    assert response.status_code == 200, response.get_json()
    detail = office.detail(app_id, customer)
    assert detail["state"] == "verifikasi" and detail["data"]["jumlah_sumur"] == 3
    current = [f for f in detail["files"] if f["doc_key"] == "peta_lokasi" and not f["superseded"]]
    assert len(current) == 1 and current[0]["name"] == "peta_v2.pdf"
    assert all(f["superseded"] for f in detail["files"] if f["id"] in {o["id"] for o in old_files})

    response = office.apply(app_id, transition(wf, "tolak"),
                            fields={"catatan": "Lokasi berada di kawasan lindung."})
    assert response.status_code == 200, response.get_json()
    detail = office.detail(app_id, customer)
    assert detail["state_label"] == "Ditolak" and detail["state_kind"] == "final_rejected"
    assert detail["timeline"][-1]["note"] == "Lokasi berada di kawasan lindung."


def test_kaltim_updates_refused_outside_revision(offices):
    office = offices["kaltim"]
    customer = office.customer_for("kaltim_sipa")
    app_id = office.create("kaltim_sipa")
    response = customer.transition(app_id, "kirim_revisi", {}, updates={"jumlah_sumur": 9})
    assert response.status_code in (403, 409, 422)
    assert office.detail(app_id)["data"].get("jumlah_sumur") != 9


def test_kaltim_licence_signed_with_the_heads_passphrase(offices, app):
    office = offices["kaltim"]
    wf = office.data["workflows"]["kaltim_perizinan"]
    app_id = walk(office, "kaltim_akdp", "penandatanganan")
    head = office.staff["kepala_dinas"]
    wrong = head.transition(app_id, "tandatangani", {"passphrase": "salah-sekali"})
    assert wrong.status_code == 422
    assert "passphrase" in wrong.get_json()["field_errors"]
    assert office.detail(app_id)["state"] == "penandatanganan"
    response = office.apply(app_id, transition(wf, "tandatangani"))
    assert response.status_code == 200, response.get_json()
    detail = office.detail(app_id)
    assert detail["state_label"] == "Selesai"
    licence = [d for d in detail["documents"] if d["signed"]]
    assert licence and licence[0]["number"]
    # the passphrase is never stored
    with app.app_context():
        from app.extensions import db
        from models import AuditEvent
        values = db.session.scalars(select(AuditEvent.values).where(AuditEvent.application_id == app_id)).all()
    assert "Demo12345" not in repr(values)


# --- Metrologi ----------------------------------------------------------------------------
def test_metrologi_customer_cancels_while_new(offices):
    office = offices["metrologi"]
    customer = office.customer_for("metrologi_tera")
    app_id = office.create("metrologi_tera")
    assert "batal_pengajuan" in customer.actions(app_id)
    response = customer.transition(app_id, "batal_pengajuan", {"catatan": "Alat sudah dijual."})
    assert response.status_code == 200, response.get_json()
    detail = office.detail(app_id, customer)
    assert detail["state_label"] == "Dibatalkan" and detail["state_kind"] == "final_cancelled"


def test_metrologi_tera_ulang_needs_the_old_skhp(offices):
    office = offices["metrologi"]
    customer = office.customer_for("metrologi_tera")
    admin = office.staff["admin_metrologi"]
    # tera ulang without the old SKHP's number: refused on that field, nothing created
    response = customer.create("metrologi_tera", fields={"jenis_layanan": "tera_ulang", "jenis_uttp": "timbangan"},
                               asset_id=office.assets[customer.user_id], declaration=True)
    assert response.status_code == 422
    assert "no_skhp_lama" in response.get_json()["field_errors"]
    # with the data but without the old SKHP file, the admin cannot accept it, and is told why
    app_id = office.create("metrologi_tera", overrides={"jenis_layanan": "tera_ulang"},
                           skip_documents=("skhp_lama",))
    blocked = admin.transition(app_id, "terima", {})
    assert blocked.status_code == 422
    assert any("SKHP" in reason for reason in blocked.get_json()["reasons"]), blocked.get_json()
    # a first verification (tera) does not ask for it
    app_id = office.create("metrologi_tera", overrides={"jenis_layanan": "tera"}, skip_documents=("skhp_lama",))
    assert admin.transition(app_id, "terima", {}).status_code == 200


def test_metrologi_slots_offered_then_picked(offices):
    office = offices["metrologi"]
    customer = office.customer_for("metrologi_tera")
    app_id = walk(office, "metrologi_tera", "pilih_jadwal")
    detail = office.detail(app_id, customer)
    offered = [s for s in detail["slots"] if s["status"] == "offered"]
    assert len(offered) == 2
    response = customer.transition(app_id, "atur_jadwal", {"jadwal_dipilih": offered[1]["id"]})
    assert response.status_code == 200, response.get_json()
    detail = office.detail(app_id, customer)
    assert detail["state_label"] == "Terjadwal (Menunggu Pembayaran)"
    assert [s["status"] for s in detail["slots"] if s["id"] == offered[1]["id"]] == ["chosen"]


# --- SIPPT --------------------------------------------------------------------------------
def test_sippt_customer_rejects_the_tariff(offices):
    office = offices["sippt"]
    customer = office.customer_for("sippt_pengujian")
    app_id = walk(office, "sippt_pengujian", "konfirmasi_pelanggan")
    assert set(customer.actions(app_id)) == {"request_ebilling", "reject_order"}
    response = customer.transition(app_id, "reject_order", {"catatan": "Tarif melebihi anggaran."})
    assert response.status_code == 200, response.get_json()
    assert office.detail(app_id, customer)["state_label"] == "Order Dibatalkan"


def test_sippt_numbers_order_sample_and_lhu(offices):
    office = offices["sippt"]
    app_id = walk(office, "sippt_pengujian", "cetak_elhu")
    numbers = office.detail(app_id)["numbers"]
    assert {"order_id", "sample_id", "lhu"} <= set(numbers)


# --- MELASTI ------------------------------------------------------------------------------
def test_melasti_number_pattern_and_survey_before_report(offices):
    office = offices["melasti"]
    customer = office.customer_for("melasti_data")
    app_id = walk(office, "melasti_data", "pengisian_survei")
    detail = office.detail(app_id, customer)
    assert re.fullmatch(r"\d+/L\.Data/\d{2}/[IVX]+/\d{2}", detail["number"]), detail["number"]
    blocked = customer.transition(app_id, "terima_laporan", {})
    assert blocked.status_code == 422
    assert blocked.get_json()["reasons"]
    assert office.detail(app_id)["state"] == "pengisian_survei"
    office.answer_survey(app_id, customer)
    again = customer.post(f"/api/v1/application/{app_id}/survey", {"answers": {}})
    assert again.status_code == 409
    response = customer.transition(app_id, "terima_laporan", {})
    assert response.status_code == 200, response.get_json()
    assert office.detail(app_id, customer)["state_kind"] == "final_success"


def test_melasti_named_data_steward_acts_as_assignee(offices):
    office = offices["melasti"]
    app_id = walk(office, "melasti_advis", "penyerahan_laporan_petugas")
    detail = office.detail(app_id)
    assert detail["assignee_id"] == office.staff["pemangku_data"].user_id
    steward = office.staff["pemangku_data"]
    assert "serahkan_laporan" in steward.actions(app_id)
    # another data steward (same role, not assigned) may not act
    assert office.staff["kepala_balai"].actions(app_id) == []
