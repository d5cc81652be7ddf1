"""The workflow engine on a small inline workflow: actions per role, decisions and typed errors."""
from __future__ import annotations

import textwrap

import pytest

from app.rules.loader import load_rules
from app.rules.model import Rules
from app.workflow.snapshot import ApplicationSnapshot, Facts
from app.workflow.engine import WorkflowEngine
from app.workflow.errors import (
    ActionNotAvailableError,
    FormInvalidError,
    GuardFailedError,
    UnknownActionError,
    UnknownServiceError,
    WorkflowPermissionError,
)
from app.workflow.fields import UploadedFileInfo

RULES = """\
version: 1
request_kinds:
  baru: {label: Baru}
roles:
  petugas: {label: Petugas Layanan}
  bendahara: {label: Bendahara}
  kepala: {label: Kepala Balai}
numbering:
  resi: {pattern: "{hex6}"}
  nomor: {pattern: "{seq}/L.Data/{dd}/{roman_month}/{yy}", per: [service, year]}
notifications:
  diterima:
    email: {subject: "Permohonan {{ app.number }}", body: "Yth. {{ customer.name }}"}
    inbox: {subject: Diterima, body: Permohonan diterima}
  terlambat:
    email: {subject: Terlambat, body: Batas waktu terlampaui}
documents:
  laporan: {label: Laporan, kind: report, template: templates/laporan.html, signed: true}
surveys:
  ikm:
    title: Survei Kepuasan
    questions:
      - key: u1
        element: U1
        text: Kesesuaian persyaratan?
        options: [{label: Tidak sesuai, score: 1}, {label: Sangat sesuai, score: 4}]
agencies:
  balai:
    name: Balai Uji
    code: BU
    bank_accounts:
      - {key: bri, bank: BRI, number: "0123", holder: Balai Uji}
      - {key: bni, bank: BNI, number: "0456", holder: Balai Uji}
    signatories:
      - {key: kepala, name: Dr. Kepala, title: Kepala Balai, role: kepala}
    service_classes: [{key: uji, label: Pengujian}]
workflows:
  uji:
    initial: draf
    states:
      draf: {label: Lengkapi Data, kind: waiting_customer}
      terkirim:
        label: Terkirim Menunggu Konfirmasi
        kind: working
        sla: {working_days: 3}
        on_overdue:
          notify: [{to: "role:petugas", channels: [email], template: terlambat}]
          fire: kedaluwarsa
      bayar: {label: Upload Bukti Pembayaran, kind: waiting_customer}
      verifikasi: {label: Pembayaran Sedang Diverifikasi, kind: working}
      proses: {label: Diproses, kind: working}
      jadwal: {label: Pilih Jadwal, kind: waiting_customer}
      ttd: {label: Menunggu Tanda Tangan, kind: working}
      selesai: {label: Selesai, kind: final_success}
      ditolak: {label: Ditolak, kind: final_rejected}
    transitions:
      - action: kirim
        label: Kirim Permohonan
        from: [draf]
        to: terkirim
        by: [customer]
        guards: [documents_complete]
        effects:
          - {assign_number: {numbering: nomor, to: number}}
          - notify: [{to: customer, channels: [email, inbox], template: diterima}]
      - action: terima
        label: Tersedia
        from: [terkirim]
        to: bayar
        by: [petugas]
        form:
          - {key: catatan, label: Catatan, type: textarea, required: false, max_length: 50}
          - {key: tarif, label: Tarif, type: money, required: true, min: 1000}
        effects:
          - {create_invoice: {amount_field: tarif}}
      - action: tolak
        label: Tidak Tersedia
        from: [terkirim, verifikasi]
        to: ditolak
        by: [petugas]
        form:
          - {key: alasan, label: Alasan, type: textarea, required: true}
      - action: uji_ulang
        label: Uji Ulang Langsung
        from: [terkirim]
        to: proses
        by: [petugas]
        guards: [{field_equals: {field: jenis, value: tera_ulang}}]
      - action: kedaluwarsa
        label: Kedaluwarsa
        from: [terkirim]
        to: ditolak
        by: [system]
      - action: unggah_bukti
        label: Unggah Bukti Pembayaran
        from: [bayar]
        to: verifikasi
        by: [customer]
        form:
          - {key: rekening, label: Rekening Tujuan, type: bank_account, required: true}
          - {key: bukti, label: Bukti Pembayaran, type: file, required: true, types: [pdf, jpg, png], max_mb: 2, document: payment_proof}
          - {key: tanggal, label: Tanggal Bayar, type: date, required: true}
        effects:
          - {record_payment_proof: {file_field: bukti, account_field: rekening, date_field: tanggal}}
      - action: validasi
        label: Valid
        from: [verifikasi]
        to: proses
        by: [bendahara]
        guards: [payment_proof_uploaded]
        form:
          - {key: petugas_uji, label: Petugas Uji, type: assignee, role: petugas, required: true}
        effects:
          - {set_payment_status: {status: valid}}
          - {assign: {field: petugas_uji}}
      - action: tawarkan_jadwal
        label: Tawarkan Jadwal
        from: [proses]
        to: jadwal
        by: [assignee]
        guards: [payment_validated]
        form:
          - {key: slot_list, label: Jadwal, type: slots, required: true}
        effects:
          - {offer_slots: {field: slot_list}}
      - action: pilih_jadwal
        label: Pilih Jadwal
        from: [jadwal]
        to: ttd
        by: [customer]
        form:
          - {key: slot_id, label: Jadwal, type: slot, required: true}
        effects:
          - {choose_slot: {field: slot_id}}
          - {generate: {documents: [laporan]}}
      - action: tandatangani
        label: Tanda Tangani
        from: [ttd]
        to: selesai
        by: [kepala]
        guards: [results_uploaded, survey_done]
        form:
          - {key: passphrase, label: Passphrase, type: passphrase, required: true}
        effects:
          - {sign: {document: laporan, passphrase_field: passphrase}}
services:
  tera:
    agency: balai
    class: uji
    code: TERA
    name: Tera dan Tera Ulang
    workflow: uji
    survey: ikm
    fields:
      - key: jenis
        label: Jenis Layanan
        type: select
        required: true
        options: [{value: tera, label: Tera}, {value: tera_ulang, label: Tera Ulang}]
      - {key: nomor_skhp, label: Nomor SKHP Lama, type: text, required: true, show_if: {field: jenis, equals: tera_ulang}}
      - {key: nik, label: NIK, type: nik, required: true}
      - {key: telepon, label: Telepon, type: phone}
    documents:
      - {key: surat, label: Surat Permohonan, types: [pdf]}
      - {key: skhp_lama, label: SKHP Lama, when: {field: jenis, equals: tera_ulang}}
      - {key: foto, label: Foto Alat, required: false}
"""

PDF = UploadedFileInfo("bukti.pdf", 120_000, "pdf")


@pytest.fixture(scope="module")
def rules(tmp_path_factory) -> Rules:
    folder = tmp_path_factory.mktemp("rules")
    (folder / "templates").mkdir()
    (folder / "templates/laporan.html").write_text("<p>{{ app.number }}</p>")
    (folder / "workflow_rules.yaml").write_text(textwrap.dedent(RULES))
    return load_rules(folder / "workflow_rules.yaml")


@pytest.fixture(scope="module")
def engine(rules) -> WorkflowEngine:
    return WorkflowEngine(rules)


def snapshot(state: str, data: dict | None = None, **facts) -> ApplicationSnapshot:
    return ApplicationSnapshot("tera", state, data or {"jenis": "tera"}, Facts(**facts))


def actions(engine, state, roles, data=None, **facts):
    return {option.action: option for option in engine.available_actions(snapshot(state, data, **facts), roles)}


# ---------------------------------------------------------------- available actions


def test_actions_depend_on_state_and_role(engine):
    assert set(actions(engine, "terkirim", {"petugas"})) == {"terima", "tolak", "uji_ulang"}
    assert set(actions(engine, "terkirim", {"customer"})) == set()
    assert set(actions(engine, "terkirim", {"system"})) == {"kedaluwarsa"}
    assert set(actions(engine, "verifikasi", {"petugas", "bendahara"})) == {"tolak", "validasi"}
    assert set(actions(engine, "selesai", {"petugas", "customer", "kepala"})) == set()


def test_blocked_actions_carry_their_reasons(engine):
    kirim = actions(engine, "draf", {"customer"})["kirim"]
    assert not kirim.enabled
    assert kirim.guard_failures == ["Dokumen persyaratan belum lengkap: Surat Permohonan."]
    kirim = actions(engine, "draf", {"customer"}, {"jenis": "tera_ulang"}, documents=frozenset({"surat"}))["kirim"]
    assert kirim.guard_failures == ["Dokumen persyaratan belum lengkap: SKHP Lama."]
    assert actions(engine, "draf", {"customer"}, documents=frozenset({"surat"}))["kirim"].enabled

    uji_ulang = actions(engine, "terkirim", {"petugas"})["uji_ulang"]
    assert uji_ulang.guard_failures == ["Hanya untuk Jenis Layanan: Tera Ulang."]
    terima = actions(engine, "terkirim", {"petugas"})["terima"]
    assert terima.enabled and terima.to_state == "bayar" and terima.label == "Tersedia"
    assert [field["key"] for field in terima.form] == ["catatan", "tarif"]


# ---------------------------------------------------------------- apply


def test_apply_returns_the_decision_with_effects(engine):
    decision = engine.apply(snapshot("draf", documents=frozenset({"surat"})), {"customer"}, "kirim")
    assert (decision.from_state, decision.to_state, decision.to_state_kind) == ("draf", "terkirim", "working")
    assert not decision.is_final
    assert decision.label == "Kirim Permohonan" and decision.timeline == "Kirim Permohonan"
    assert [effect.name for effect in decision.effects] == ["assign_number", "notify"]
    assert decision.effects[0].args == {"numbering": "nomor", "to": "number"}
    assert decision.notify == [{"to": "customer", "channels": ["email", "inbox"], "template": "diterima"}]


def test_apply_cleans_the_form_and_resolves_effect_arguments(engine):
    decision = engine.apply(snapshot("terkirim"), {"petugas"}, "terima", {"tarif": "Rp 175.000", "catatan": " ok "})
    assert decision.values == {"catatan": "ok", "tarif": 175000}
    assert decision.effects[0].args == {"amount_field": "tarif", "amount": 175000}
    assert decision.to_state == "bayar"


def test_final_transition(engine):
    decision = engine.apply(snapshot("terkirim"), {"petugas"}, "tolak", {"alasan": "Data tidak tersedia"})
    assert decision.is_final and decision.to_state_kind == "final_rejected"
    decision = engine.apply(snapshot("terkirim"), {"system"}, "kedaluwarsa")
    assert decision.to_state == "ditolak"


def test_guard_failure_lists_every_reason(engine):
    with pytest.raises(GuardFailedError) as raised:
        engine.apply(snapshot("ttd"), {"kepala"}, "tandatangani", {"passphrase": "x"})
    error = raised.value
    assert error.status == 422 and error.code == "guard_failed"
    assert error.reasons == ["Dokumen hasil belum diunggah.", "Survei kepuasan belum diisi."]
    assert "Dokumen hasil belum diunggah." in error.message
    with pytest.raises(GuardFailedError, match="Pembayaran belum divalidasi"):
        engine.apply(snapshot("proses", payment_status="submitted"), {"assignee"}, "tawarkan_jadwal", {})


def test_form_errors_per_field(engine):
    with pytest.raises(FormInvalidError) as raised:
        engine.apply(snapshot("terkirim"), {"petugas"}, "terima", {"catatan": "x" * 51, "tarif": ""})
    error = raised.value
    assert error.status == 422 and error.code == "form_invalid"
    assert error.field_errors == {"catatan": "Maksimal 50 karakter.", "tarif": "Wajib diisi."}
    with pytest.raises(FormInvalidError) as raised:
        engine.apply(snapshot("terkirim"), {"petugas"}, "terima", {"tarif": "500"})
    assert raised.value.field_errors == {"tarif": "Nilai minimal 1.000."}


def test_permission_error(engine):
    with pytest.raises(WorkflowPermissionError) as raised:
        engine.apply(snapshot("terkirim"), {"customer"}, "terima", {"tarif": 1000})
    assert raised.value.status == 403
    assert raised.value.message == "Anda tidak berwenang melakukan tindakan ini."


def test_action_from_the_wrong_state_is_a_skipped_step(engine):
    with pytest.raises(ActionNotAvailableError) as raised:
        engine.apply(snapshot("bayar"), {"petugas"}, "terima", {"tarif": 1000})
    error = raised.value
    assert error.status == 422 and error.code == "action_not_available"
    assert error.message == "Tindakan 'Tersedia' tidak tersedia pada status 'Upload Bukti Pembayaran'."
    assert error.message.template.startswith("Tindakan '%(action)s' tidak tersedia")
    assert error.to_dict()["state"] == "bayar"


def test_unknown_action_and_service(engine):
    with pytest.raises(UnknownActionError) as raised:
        engine.apply(snapshot("terkirim"), {"petugas"}, "hapus_semua")
    assert raised.value.status == 422
    with pytest.raises(UnknownServiceError):
        engine.apply(ApplicationSnapshot("tidak_ada", "draf"), {"customer"}, "kirim")


def test_payment_proof_upload_checks_account_file_and_date(engine):
    decision = engine.apply(
        snapshot("bayar"), {"customer"}, "unggah_bukti", {"rekening": "bni", "tanggal": "2026-11-20"}, {"bukti": PDF}
    )
    assert decision.file_documents == {"bukti": "payment_proof"}
    assert decision.effects[0].args == {
        "file_field": "bukti", "account_field": "rekening", "date_field": "tanggal",
        "file": {"filename": "bukti.pdf", "size": 120_000, "kind": "pdf"}, "account": "bni", "date": "2026-11-20",
    }
    with pytest.raises(FormInvalidError) as raised:
        engine.apply(
            snapshot("bayar"), {"customer"}, "unggah_bukti",
            {"rekening": "mandiri", "tanggal": "20/11/2026"},
            {"bukti": UploadedFileInfo("bukti.docx", 1000, "docx")},
        )
    assert raised.value.field_errors == {
        "rekening": "Rekening tujuan tidak dikenal.",
        "bukti": "Jenis file tidak diizinkan (hanya PDF, JPG, PNG).",
        "tanggal": "Format tanggal tidak valid (TTTT-BB-HH).",
    }
    with pytest.raises(FormInvalidError) as raised:
        engine.apply(
            snapshot("bayar"), {"customer"}, "unggah_bukti", {"rekening": "bri", "tanggal": "2026-11-20"},
            {"bukti": UploadedFileInfo("besar.png", 3 * 1024 * 1024, "png")},
        )
    assert raised.value.field_errors == {"bukti": "Ukuran file melebihi 2 MB."}


def test_assignee_must_hold_the_role(engine):
    state = snapshot("verifikasi", payment_has_proof=True)
    decision = engine.apply(state, {"bendahara"}, "validasi", {"petugas_uji": "7"}, assignee_candidates={"petugas": {7, 8}})
    assert decision.values == {"petugas_uji": 7}
    assert [(e.name, e.args) for e in decision.effects] == [
        ("set_payment_status", {"status": "valid"}),
        ("assign", {"field": "petugas_uji", "user_id": 7}),
    ]
    with pytest.raises(FormInvalidError) as raised:
        engine.apply(state, {"bendahara"}, "validasi", {"petugas_uji": 9}, assignee_candidates={"petugas": {7, 8}})
    assert raised.value.field_errors == {"petugas_uji": "Petugas yang dipilih tidak memiliki peran yang sesuai untuk tugas ini."}


def test_slots_offered_then_chosen(engine):
    offered = {"slot_list": [{"start": "2026-12-01T09:00", "end": "2026-12-01T11:00", "location": "Lab 1"}]}
    decision = engine.apply(snapshot("proses", payment_status="valid"), {"assignee"}, "tawarkan_jadwal", offered)
    assert decision.effects[0].args["slots"] == [
        {"start": "2026-12-01T09:00:00", "end": "2026-12-01T11:00:00", "location": "Lab 1"}
    ]
    backwards = {"slot_list": [{"start": "2026-12-01T11:00", "end": "2026-12-01T09:00"}]}
    with pytest.raises(FormInvalidError) as raised:
        engine.apply(snapshot("proses", payment_status="valid"), {"assignee"}, "tawarkan_jadwal", backwards)
    assert raised.value.field_errors == {"slot_list": "Jadwal ke-1: waktu selesai harus setelah waktu mulai."}

    decision = engine.apply(snapshot("jadwal", offered_slot_ids=frozenset({4, 5})), {"customer"}, "pilih_jadwal", {"slot_id": "5"})
    assert decision.effects[0].args == {"field": "slot_id", "slot_id": 5}
    with pytest.raises(FormInvalidError):
        engine.apply(snapshot("jadwal", offered_slot_ids=frozenset({4})), {"customer"}, "pilih_jadwal", {"slot_id": 5})


def test_passphrase_is_flagged_secret(engine):
    state = snapshot("ttd", results=1, survey_done=True)
    decision = engine.apply(state, {"kepala"}, "tandatangani", {"passphrase": " rahasia "})
    assert decision.values["passphrase"] == " rahasia "  # never stripped
    assert decision.secret_fields == {"passphrase"}
    assert decision.storable_values() == {}
    assert "rahasia" not in repr(decision)
    assert decision.effects[0].args == {"document": "laporan", "passphrase_field": "passphrase"}


def test_engine_runs_on_rules_rebuilt_from_stored_json(rules):
    engine = WorkflowEngine(Rules.from_dict(rules.to_dict()))
    decision = engine.apply(snapshot("terkirim"), {"petugas"}, "terima", {"tarif": 2000})
    assert decision.to_state == "bayar"
    assert engine.initial_state("tera") == "draf"


def test_application_fields_use_show_if(engine):
    assert engine.validate_application("tera", {"jenis": "tera", "nik": "3171014708900003", "nomor_skhp": "X"}) == {
        "jenis": "tera", "nik": "3171014708900003", "telepon": None,
    }
    with pytest.raises(FormInvalidError) as raised:
        engine.validate_application("tera", {"jenis": "tera_ulang", "nik": "3171014708900003"})
    assert raised.value.field_errors == {"nomor_skhp": "Wajib diisi."}
