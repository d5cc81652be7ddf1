"""'Alur layanan' follows the workflow graph: main path to success first, then the branches."""
from __future__ import annotations

from pathlib import Path

import pytest

from app.rules.loader import load_rules
from app.workflow.procedure import main_path, procedure_steps

RULES = load_rules(Path(__file__).resolve().parents[2] / "workflow_rules.yaml").data
BMKG = (["lengkapi_data", "terkirim", "upload_bukti", "pembayaran_diverifikasi", "diproses",
         "verifikasi_akhir", "transaksi_sukses"],
        [("upload_bukti_terbaru", "pembayaran_diverifikasi"), ("tidak_tersedia", "terkirim"),
         ("pembayaran_ditolak", "pembayaran_diverifikasi")])

EXPECTED = {
    "bmkg_informasi": BMKG, "bmkg_kalibrasi": BMKG, "bmkg_sewa_alat": BMKG,
    "melasti_layanan": (["admin_layanan", "disposisi_kepala_balai", "disposisi_kasubag_tu",
                         "penunjukan_pemangku_data", "verifikasi_ketersediaan", "penyerahan_laporan_petugas",
                         "pengisian_survei", "selesai"], [("ditolak", "admin_layanan")]),
    "metrologi_tera": (["baru", "diterima", "pilih_jadwal", "terjadwal", "verifikasi_pembayaran", "siap_tera",
                        "selesai_sah"], [("dibatalkan", "baru"), ("selesai_dibatalkan", "siap_tera")]),
    "sippt_pengujian": (["validasi_cs", "persetujuan_tarif", "konfirmasi_pelanggan", "pembuatan_billing",
                         "menunggu_pembayaran", "verifikasi_pembayaran", "penerimaan_sampel", "verifikasi_sampel",
                         "validasi_analis", "pengujian", "verifikasi_hasil", "validasi_hasil", "penerbitan_no_lhu",
                         "cetak_elhu", "tte_kepala_balai", "pengecekan_cs", "survei_pelanggan",
                         "selesai"],
                        [("order_ditolak", "validasi_cs"), ("dibatalkan", "validasi_cs")]),
    "kaltim_perizinan": (["verifikasi", "pemeriksaan_kabid", "penandatanganan", "selesai"],
                         [("revisi", "verifikasi"), ("ditolak", "verifikasi"), ("ditolak_batas_revisi", "revisi")]),
}


def test_every_shipped_workflow_has_an_expected_order():
    assert set(EXPECTED) == set(RULES["workflows"])


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_each_shipped_office_reads_in_the_order_a_citizen_lives_it(key):
    path, branches = EXPECTED[key]
    steps = procedure_steps(RULES["workflows"][key])
    assert [s.key for s in steps if not s.branch] == path
    assert [(s.key, s.branches_from) for s in steps if s.branch] == branches
    assert sorted(s.key for s in steps) == sorted(RULES["workflows"][key]["states"])


def _wf(states: dict, transitions: list, initial: str = "a") -> dict:
    return {"initial": initial, "states": {k: {"kind": v} for k, v in states.items()},
            "transitions": [{"action": f"t{i}", "from": [f], "to": t, "by": by}
                            for i, (f, t, by) in enumerate(transitions)]}


def test_a_shortcut_does_not_hide_the_usual_steps_and_a_timer_is_not_the_main_path():
    workflow = _wf({"a": "working", "bayar": "waiting_customer", "cek": "working", "proses": "working",
                    "ok": "final_success"},
                   [("a", "proses", ["staf"]), ("a", "bayar", ["staf"]), ("bayar", "cek", ["customer"]),
                    ("cek", "proses", ["staf"]), ("proses", "ok", ["staf"]), ("cek", "bayar", ["system"])])
    assert main_path(workflow) == ["a", "bayar", "cek", "proses", "ok"]


def test_backward_transitions_become_branches_and_states_declared_out_of_order_still_work():
    workflow = _wf({"selesai": "final_success", "revisi": "waiting_customer", "v": "working",
                    "tolak": "final_rejected"},
                   [("v", "revisi", ["staf"]), ("revisi", "v", ["customer"]), ("v", "selesai", ["staf"]),
                    ("v", "tolak", ["staf"])], initial="v")
    steps = procedure_steps(workflow)
    # 'selesai' is declared before 'v': no forward path, so the shortest path is the main one
    assert [s.key for s in steps if not s.branch] == ["v", "selesai"]
    assert [(s.key, s.branches_from) for s in steps if s.branch] == [("revisi", "v"), ("tolak", "v")]
