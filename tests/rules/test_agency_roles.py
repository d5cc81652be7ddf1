"""Roles of an agency (``agencies.<key>.roles``) next to the shared ones (top-level ``roles``):
two agencies may declare the same key with their own labels, and a workflow or service of one
agency may use only its own roles and the shared ones (checked with file:line)."""
from __future__ import annotations

import re

import pytest

from app.rules.loader import check_rules
from app.rules.model import Rules
from tests.rules.test_loader import line_of, write_rules

RULES = """\
version: 1
request_kinds:
  baru: {label: Baru}
roles:
  bendahara: {label: Bendahara Penerimaan}
agencies:
  kaltim:
    name: DPMPTSP Kaltim
    code: KT
    roles:
      verifikator: {label: {id: Verifikator, en: Verifier}}
      kepala_dinas: {label: Kepala Dinas}
    signatories:
      - {key: kadis, name: Kadis, title: Kepala Dinas, role: kepala_dinas}
    service_classes:
      - {key: izin, label: Perizinan}
  riset:
    name: Badan Riset
    code: BR
    roles:
      verifikator: {label: Verifikator Proposal Riset}
      kepala_badan: {label: Kepala Badan}
    service_classes:
      - {key: rekom, label: Rekomendasi}
workflows:
  izin:
    initial: verifikasi
    states:
      verifikasi: {label: Proses, kind: working}
      selesai: {label: Selesai, kind: final_success}
    transitions:
      - {action: setujui, label: Setujui, from: verifikasi, to: selesai, by: [verifikator, kepala_dinas]}
  rekomendasi:
    initial: verifikasi
    states:
      verifikasi: {label: Proses, kind: working}
      selesai: {label: Selesai, kind: final_success}
    transitions:
      - action: setujui
        label: Setujui
        from: verifikasi
        to: selesai
        by: [verifikator, bendahara]
        effects:
          - notify: [{to: "role:kepala_badan", channels: [inbox], template: info}]
notifications:
  info:
    inbox: {subject: Info, body: Info}
services:
  izin_usaha:
    agency: kaltim
    class: izin
    code: IU
    name: Izin Usaha
    workflow: izin
    catalogue:
      - {code: A, name: Item, price: 0, handler_role: verifikator}
  rekomendasi_riset:
    agency: riset
    class: rekom
    code: RR
    name: Rekomendasi Penelitian
    workflow: rekomendasi
"""


def problems_of(tmp_path, text):
    path = write_rules(tmp_path, text, templates=())
    rules, problems = check_rules(path)
    return path, rules, [problem.text() for problem in problems]


def test_two_agencies_declare_the_same_role_with_their_own_labels(tmp_path):
    _, rules, problems = problems_of(tmp_path, RULES)
    assert problems == []
    assert rules.roles("kaltim")["verifikator"]["label"] == {"id": "Verifikator", "en": "Verifier"}
    assert rules.role_label("verifikator", "riset") == "Verifikator Proposal Riset"
    assert rules.role_label("bendahara", "riset") == "Bendahara Penerimaan"
    assert rules.role_keys_of_agency("kaltim") == {"bendahara", "verifikator", "kepala_dinas"}
    assert rules.role_keys_of_agency("riset") == {"bendahara", "verifikator", "kepala_badan"}
    assert rules.role_keys() == {"bendahara", "verifikator", "kepala_dinas", "kepala_badan"}
    # the stored form round-trips, and reads the same labels back
    again = Rules.from_dict(rules.to_dict())
    assert again.sha256 == rules.sha256 and again.role_label("verifikator", "kaltim") == {"id": "Verifikator", "en": "Verifier"}


def test_a_version_stored_before_agency_roles_still_loads_with_its_shared_roles(tmp_path):
    text = RULES.replace("    roles:\n      verifikator: {label: {id: Verifikator, en: Verifier}}\n"
                         "      kepala_dinas: {label: Kepala Dinas}\n", "") \
                .replace("    roles:\n      verifikator: {label: Verifikator Proposal Riset}\n"
                         "      kepala_badan: {label: Kepala Badan}\n", "") \
                .replace("  bendahara: {label: Bendahara Penerimaan}\n",
                         "  bendahara: {label: Bendahara Penerimaan}\n  verifikator: {label: Verifikator}\n"
                         "  kepala_dinas: {label: Kepala Dinas}\n  kepala_badan: {label: Kepala Badan}\n")
    _, rules, problems = problems_of(tmp_path, text)
    assert problems == []
    stored = Rules.from_dict(rules.to_dict())
    assert "roles" not in stored.to_dict()["agencies"]["kaltim"]
    assert stored.role_label("verifikator", "riset") == "Verifikator"
    assert stored.role_keys_of_agency("riset") == stored.role_keys()


@pytest.mark.parametrize("old, new, needle, message", [
    ("by: [verifikator, kepala_dinas]}", "by: [verifikator, kepala_badan]}", "by: [verifikator, kepala_badan]",
     "transisi 'setujui' dari alur kerja 'izin' menyebut peran 'kepala_badan' milik instansi riset; instansi 'kaltim' "
     "hanya boleh memakai perannya sendiri (agencies.kaltim.roles) dan peran bersama (roles)"),
    ('to: "role:kepala_badan"', 'to: "role:kepala_dinas"', "role:kepala_dinas",
     "efek 'notify' dari transisi 'setujui' dari alur kerja 'rekomendasi' menyebut peran 'kepala_dinas' milik instansi "
     "kaltim; instansi 'riset' hanya boleh memakai perannya sendiri (agencies.riset.roles) dan peran bersama (roles)"),
    ("handler_role: verifikator}", "handler_role: kepala_badan}", "handler_role: kepala_badan",
     "butir katalog 'A' dari jenis layanan 'izin_usaha' menyebut peran 'kepala_badan' milik instansi riset; instansi "
     "'kaltim' hanya boleh memakai perannya sendiri (agencies.kaltim.roles) dan peran bersama (roles)"),
    ("role: kepala_dinas}", "role: kepala_badan}", "role: kepala_badan}",
     "penandatangan 'kadis' dari instansi 'kaltim' menyebut peran 'kepala_badan' milik instansi riset; instansi "
     "'kaltim' hanya boleh memakai perannya sendiri (agencies.kaltim.roles) dan peran bersama (roles)"),
])
def test_an_agency_may_use_only_its_own_and_the_shared_roles(tmp_path, old, new, needle, message):
    text = RULES.replace(old, new)
    path, rules, problems = problems_of(tmp_path, text)
    assert rules is None
    # a close key of the agency's own may be suggested after it
    assert [re.sub(r" \(maksud Anda '[a-z_]+'\?\)$", "", problem) for problem in problems] == [
        f"{path}:{line_of(text, needle)}: {message}"]


def test_a_workflow_shared_by_two_agencies_needs_the_role_in_each(tmp_path):
    text = RULES.replace("    workflow: rekomendasi\n", "    workflow: izin\n")
    path, rules, problems = problems_of(tmp_path, text)
    problems = [re.sub(r" \(maksud Anda '[a-z_]+'\?\)$", "", problem) for problem in problems]
    assert f"{path}:{line_of(text, 'by: [verifikator, kepala_dinas]')}: transisi 'setujui' dari alur kerja 'izin' menyebut " \
           "peran 'kepala_dinas' milik instansi kaltim; instansi 'riset' hanya boleh memakai perannya sendiri " \
           "(agencies.riset.roles) dan peran bersama (roles)" in problems
    # verifikator is declared by both: no problem for it
    assert not any("'verifikator'" in problem for problem in problems)


def test_a_role_is_either_shared_or_an_agencys_own_and_never_built_in(tmp_path):
    text = RULES.replace("      kepala_badan: {label: Kepala Badan}\n",
                         "      kepala_badan: {label: Kepala Badan}\n      bendahara: {label: Bendahara}\n"
                         "      assignee: {label: Petugas}\n")
    path, rules, problems = problems_of(tmp_path, text)
    assert problems == [
        f"{path}:{line_of(text, 'bendahara: {label: Bendahara}')}: peran 'bendahara' dari instansi 'riset' sudah "
        "dideklarasikan sebagai peran bersama (roles); hapus salah satunya",
        f"{path}:{line_of(text, 'assignee: {label: Petugas}')}: peran 'assignee' adalah bawaan dan tidak boleh dideklarasikan",
    ]


def test_an_unknown_role_is_still_unknown_with_a_suggestion(tmp_path):
    text = RULES.replace("by: [verifikator, bendahara]", "by: [verifikatr, bendahara]")
    path, rules, problems = problems_of(tmp_path, text)
    assert problems == [f"{path}:{line_of(text, 'by: [verifikatr, bendahara]')}: transisi 'setujui' dari alur kerja "
                        "'rekomendasi' dilakukan oleh peran 'verifikatr' yang tidak dikenal (maksud Anda 'verifikator'?)"]
