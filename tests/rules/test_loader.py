"""The rules loader: YAML with places, includes, schema and cross-checks, all problems at once."""
from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
import yaml

from app.rules.messages import render
from app.rules.check import main, run_check
from app.rules.loader import check_rules, load_rules
from app.rules.model import Rules
from app.rules.problems import InvalidRulesError, RulesProblem

VALID_RULES = """\
version: 1
request_kinds:
  baru: {label: Baru}
roles:
  petugas: {label: Petugas Layanan}
  kepala: {label: Kepala Balai}
numbering:
  resi: {pattern: "{hex6}"}
  nomor: {pattern: "{seq:4}/UJI/{roman_month}/{yyyy}", per: [service, year]}
notifications:
  diterima:
    email: {subject: "Permohonan {{ app.number }}", body: "Yth. {{ customer.name }}"}
    inbox: {subject: Diterima, body: Permohonan diterima}
documents:
  laporan: {label: Laporan Hasil Uji, kind: report, template: templates/laporan.html, numbering: nomor, signed: true}
agencies:
  balai:
    name: Balai Uji
    code: BU
    timezone: Asia/Makassar
    bank_accounts:
      - {key: bri, bank: BRI, number: "0123", holder: Balai Uji}
    signatories:
      - {key: kepala, name: Dr. Kepala, title: Kepala Balai, role: kepala}
    service_classes:
      - {key: uji, label: Pengujian}
workflows:
  sederhana:
    initial: draf
    states:
      draf:
        label: Lengkapi Data
        kind: waiting_customer
      terkirim:
        label: Terkirim
        kind: working
        sla: {working_days: 3}
      ttd: {label: Menunggu Tanda Tangan, kind: working}
      selesai:
        label: Selesai
        kind: final_success
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
      - action: proses
        label: Proses
        from: terkirim
        to: ttd
        by: [petugas]
        effects: [{generate: {documents: [laporan]}}]
      - action: tandatangani
        label: Tanda Tangani
        from: [ttd]
        to: selesai
        by: [kepala]
        form:
          - {key: passphrase, label: Passphrase, type: passphrase, required: true}
        effects:
          - {sign: {document: laporan, passphrase_field: passphrase}}
services:
  uji_tera:
    agency: balai
    class: uji
    code: TERA
    name: Tera
    workflow: sederhana
    receipt_numbering: resi
    sla: {working_days: 14}
    fields:
      - key: jenis
        label: Jenis
        type: select
        required: true
        options: [{value: tera, label: Tera}, {value: tera_ulang, label: Tera Ulang}]
    documents:
      - {key: surat, label: Surat Permohonan, types: [pdf]}
"""


def write_rules(folder: Path, text: str, name: str = "workflow_rules.yaml", templates=("templates/laporan.html",)) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    for template in templates:
        (folder / template).parent.mkdir(parents=True, exist_ok=True)
        (folder / template).write_text("<p>{{ app.number }}</p>", encoding="utf-8")
    return path


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """1-based line of the ``occurrence``-th line containing ``needle``."""
    hits = [number for number, line in enumerate(textwrap.dedent(text).splitlines(), 1) if needle in line]
    return hits[occurrence - 1]


def messages(problems: list[RulesProblem]) -> str:
    return "\n".join(problem.text() for problem in problems)


def problems_for(tmp_path: Path, data: dict) -> list[RulesProblem]:
    """Check rules given as data (a mutated copy of VALID_RULES)."""
    path = write_rules(tmp_path, yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    rules, problems = check_rules(path)
    assert rules is None, "expected problems"
    return problems


@pytest.fixture
def base() -> dict:
    return yaml.safe_load(VALID_RULES)


# ---------------------------------------------------------------- happy path


def test_valid_rules_load_with_summary_and_accessors(tmp_path):
    rules = load_rules(write_rules(tmp_path, VALID_RULES))
    assert rules.summary() == {"agencies": 1, "services": 1, "workflows": 1, "states": 4, "transitions": 3}
    assert rules.service("uji_tera")["code"] == "TERA"
    assert rules.workflow_for("uji_tera")["initial"] == "draf"
    assert rules.agency("balai")["timezone"] == "Asia/Makassar"
    assert set(rules.roles()) == {"petugas", "kepala"}
    assert rules.base_dir == tmp_path.resolve()
    assert len(rules.sha256) == 64
    with pytest.raises(KeyError, match="service 'nope' is not defined"):
        rules.service("nope")


def test_defaults_are_filled_in(tmp_path):
    data = load_rules(write_rules(tmp_path, VALID_RULES)).data
    workflow = data["workflows"]["sederhana"]
    assert workflow["states"]["draf"]["staff_label"] == "Lengkapi Data"
    assert workflow["states"]["draf"]["clock"] == "stops"
    assert workflow["states"]["terkirim"]["clock"] == "runs"
    proses = workflow["transitions"][1]
    assert proses["from"] == ["terkirim"] and proses["form"] == [] and proses["guards"] == []
    assert proses["timeline"] == "Proses"
    assert workflow["transitions"][0]["guards"] == [{"documents_complete": {}}]
    service = data["services"]["uji_tera"]
    assert service["request_kinds"] == ["baru"]
    assert service["customer_kinds"] == ["person", "company", "institution"]
    assert service["documents"][0] == {
        "key": "surat", "label": "Surat Permohonan", "types": ["pdf"], "max_mb": 20, "required": True,
    }
    assert "survey" not in service  # optional references stay absent, never null
    assert data["calendar"] == {"country": "ID", "categories": ["public", "government"]}


def test_to_dict_round_trip_keeps_the_fingerprint(tmp_path):
    rules = load_rules(write_rules(tmp_path, VALID_RULES))
    stored = json.loads(json.dumps(rules.to_dict()))
    assert stored == rules.data
    rebuilt = Rules.from_dict(stored, base_dir=rules.base_dir)
    assert rebuilt.sha256 == rules.sha256
    assert rebuilt.summary() == rules.summary()
    same = Rules.from_dict(stored, template_digests=rules.template_digests)
    assert same.sha256 == rules.sha256


def test_changing_a_template_changes_the_fingerprint(tmp_path):
    path = write_rules(tmp_path, VALID_RULES)
    before = load_rules(path).sha256
    (tmp_path / "templates/laporan.html").write_text("<p>baru</p>", encoding="utf-8")
    assert load_rules(path).sha256 != before


@pytest.mark.parametrize("locale, summary", [
    (None, "OK: 1 instansi, 1 layanan, 1 alur kerja, 4 status, 3 transisi"),   # Indonesian by default
    ("id", "OK: 1 instansi, 1 layanan, 1 alur kerja, 4 status, 3 transisi"),
    ("en", "OK: 1 agencies, 1 services, 1 workflows, 4 states, 3 transitions"),
    ("fr", "OK: 1 instansi, 1 layanan, 1 alur kerja, 4 status, 3 transisi"),   # unknown: the default
])
def test_run_check_prints_a_summary(tmp_path, capsys, locale, summary):
    assert run_check(str(write_rules(tmp_path, VALID_RULES)), locale=locale) == 0
    assert capsys.readouterr().out.startswith(summary)


def test_check_entry_point_reports_problems_and_exit_status(tmp_path, capsys):
    path = write_rules(tmp_path, VALID_RULES.replace("to: terkirim", "to: terkrim"))
    assert main([str(path)]) == 1
    out = capsys.readouterr().out
    assert f"{path}:{line_of(VALID_RULES, 'to: terkirim')}: transisi 'kirim' dari alur kerja 'sederhana'" in out
    assert "menuju status 'terkrim' yang tidak dikenal (maksud Anda 'terkirim'?)" in out
    assert main(["a.yaml", "b.yaml"]) == 2


# ---------------------------------------------------------------- every problem at once, with places

BROKEN_RULES = """\
version: 1
request_kinds:
  baru: {label: Baru}
roles:
  petugas: {label: Petugas}
notifications:
  ada:
    email: {subject: Ada, body: Ada}
agencies:
  balai:
    name: Balai
    code: BU
    service_classes: [{key: uji, label: Uji}]
workflows:
  alur:
    initial: baru
    states:
      baru: {label: Baru, kind: waiting_customer}
      arsip: {label: Arsip, kind: final_cancelled}
      selesai: {label: Selesai, kind: final_success}
    transitions:
      - action: kirim
        label: Kirim
        from: [baru]
        to: terkrim
        by: [customer]
      - action: selesaikan
        label: Selesaikan
        from: [baru]
        to: selesai
        by: [petugas]
        effects:
          - notify: [{to: customer, channels: [email], template: tidak_ada}]
services:
  layanan:
    agency: balai
    class: uji
    code: L1
    name: Layanan
    workflow: alur
"""


def test_unknown_state_unreachable_state_and_missing_template_reported_together(tmp_path):
    path = write_rules(tmp_path, BROKEN_RULES, templates=())
    rules, problems = check_rules(path)
    assert rules is None
    file = str(path)
    shown = [problem.text() for problem in problems]
    assert f"{file}:{line_of(BROKEN_RULES, 'to: terkrim')}: transisi 'kirim' dari alur kerja 'alur' menuju status" \
        " 'terkrim' yang tidak dikenal" in shown
    assert f"{file}:{line_of(BROKEN_RULES, 'arsip:')}: status 'arsip' dari alur kerja 'alur' tidak dapat dicapai" \
        " dari 'baru'" in shown
    assert f"{file}:{line_of(BROKEN_RULES, 'template: tidak_ada')}: templat notifikasi 'tidak_ada' tidak didefinisikan" in shown
    assert len(problems) == 3, messages(problems)
    with pytest.raises(InvalidRulesError) as raised:
        load_rules(path)
    assert raised.value.problems == problems
    assert f"{file}:{line_of(BROKEN_RULES, 'to: terkrim')}: transisi 'kirim'" in str(raised.value)


def test_run_check_prints_every_problem_and_fails(tmp_path, capsys):
    path = write_rules(tmp_path, BROKEN_RULES, templates=())
    assert run_check(str(path), locale="en") == 1
    out = capsys.readouterr().out
    assert out.count(f"{path}:") == 3
    assert "3 problem(s) found" in out


@pytest.mark.parametrize("locale, expected", [
    (None, ["{file}:1: berkas aturan harus diawali 'version: 1'",
            "{file}:2: kunci tingkat teratas 'servis' tidak dikenal (maksud Anda 'services'?)",
            "{file}:3: 'roles' harus sebuah pemetaan (tertulis sebuah daftar)",
            "3 masalah ditemukan di {file}"]),
    ("en", ["{file}:1: the rules file must start with 'version: 1'",
            "{file}:2: unknown top-level key 'servis' (did you mean 'services'?)",
            "{file}:3: 'roles' must be a mapping (got a list)",
            "3 problem(s) found in {file}"]),
])
def test_rules_check_speaks_the_administrators_language_and_keeps_file_line(tmp_path, capsys, locale, expected):
    path = tmp_path / "workflow_rules.yaml"
    path.write_text("agencies: {}\nservis: {}\nroles: [a]\n", encoding="utf-8")
    assert run_check(str(path), locale=locale) == 1
    assert capsys.readouterr().out.splitlines() == [line.format(file=path) for line in expected]


@pytest.mark.parametrize("option, lang, configured, chosen", [
    ("en", "id_ID.UTF-8", "id", "en"), (None, "en_US.UTF-8", "id", "en"), (None, "C.UTF-8", "id", "id"),
    (None, "", "en", "en"), (None, "", None, "id"), ("xx", "", None, "id"), ("EN", "", None, "en"),
])
def test_the_cli_language_comes_from_the_option_then_lang_then_config(monkeypatch, option, lang, configured, chosen):
    from app.rules.messages import cli_locale

    monkeypatch.setenv("LANG", lang)
    assert cli_locale(option, configured) == chosen


def test_duplicate_keys_are_reported(tmp_path):
    text = VALID_RULES.replace("  kepala: {label: Kepala Balai}\n", "  kepala: {label: Kepala Balai}\n  petugas: {label: Lagi}\n")
    path = write_rules(tmp_path, text)
    _, problems = check_rules(path)
    assert [p.text() for p in problems] == [
        f"{path}:{line_of(text, 'petugas: {label: Lagi}')}: kunci 'petugas' ditulis dua kali"
        f" (pertama di baris {line_of(text, 'petugas: {label: Petugas Layanan}')})"
    ]


def test_duplicate_key_inside_a_flow_mapping(tmp_path):
    text = VALID_RULES.replace("resi: {pattern: \"{hex6}\"}", "resi: {pattern: \"{hex6}\", pattern: \"{seq}\"}")
    _, problems = check_rules(write_rules(tmp_path, text))
    assert [render(p.message) for p in problems] == [f"kunci 'pattern' ditulis dua kali (pertama di baris {line_of(text, 'resi:')})"]


def test_typo_in_a_key_is_reported_with_a_suggestion(tmp_path):
    text = VALID_RULES.replace("      ttd: {label: Menunggu", "      ttd: {lable: Menunggu")
    path = write_rules(tmp_path, text)
    _, problems = check_rules(path)
    line = line_of(text, "ttd: {lable")
    shown = [p.text() for p in problems]
    assert f"{path}:{line}: kunci 'lable' tidak dikenal di status 'ttd' dari alur kerja 'sederhana' (maksud Anda 'label'?)" in shown
    assert f"{path}:{line}: status 'ttd' dari alur kerja 'sederhana' tidak memiliki 'label'" in shown


def test_yaml_syntax_error_has_a_line(tmp_path):
    text = VALID_RULES.replace("  petugas: {label: Petugas Layanan}", "  petugas: {label: Petugas Layanan")
    path = write_rules(tmp_path, text)
    _, problems = check_rules(path)
    assert len(problems) == 1 and render(problems[0].message).startswith("kesalahan sintaks YAML")
    assert problems[0].line >= line_of(text, "petugas: {label")


def test_missing_file_and_missing_version(tmp_path):
    _, problems = check_rules(tmp_path / "nothing.yaml")
    assert [render(p.message) for p in problems] == ["berkas aturan tidak ditemukan"]
    _, problems = check_rules(write_rules(tmp_path, VALID_RULES.replace("version: 1\n", "")))
    assert [render(p.message) for p in problems] == ["berkas aturan harus diawali 'version: 1'"]


# ---------------------------------------------------------------- includes


def test_includes_merge_and_report_places_relative_to_the_entry(tmp_path, monkeypatch):
    data = yaml.safe_load(VALID_RULES)
    services = data.pop("services")
    entry = {"version": 1, "include": ["rules/services.yaml"], **data}
    write_rules(tmp_path, yaml.safe_dump(entry, sort_keys=False))
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules/services.yaml").write_text(yaml.safe_dump({"services": services}, sort_keys=False))
    monkeypatch.chdir(tmp_path)
    rules = load_rules("workflow_rules.yaml")
    assert rules.sources == ("workflow_rules.yaml", "rules/services.yaml")
    assert rules.summary()["services"] == 1

    broken = yaml.safe_dump({"services": services}, sort_keys=False).replace("workflow: sederhana", "workflow: rumit")
    (tmp_path / "rules/services.yaml").write_text(broken)
    _, problems = check_rules("workflow_rules.yaml")
    assert [p.text() for p in problems] == [
        f"rules/services.yaml:{line_of(broken, 'workflow: rumit')}: alur kerja 'rumit' tidak didefinisikan (di jenis layanan 'uji_tera')"
    ]


def test_the_same_service_in_two_files_names_both_places(tmp_path):
    entry_text = VALID_RULES.replace("version: 1\n", "version: 1\ninclude: [rules/extra.yaml]\n")
    path = write_rules(tmp_path, entry_text)
    extra = "services:\n  uji_tera:\n    agency: balai\n"
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules/extra.yaml").write_text(extra)
    _, problems = check_rules(path)
    extra_name = str(tmp_path / "rules/extra.yaml")
    first = f"{path}:{line_of(entry_text, 'uji_tera:')}"
    assert [p.text() for p in problems] == [
        f"{extra_name}:2: jenis layanan 'uji_tera' didefinisikan dua kali: di {first} dan di {extra_name}:2"
    ]


def test_include_cycle_is_reported(tmp_path):
    path = write_rules(tmp_path, VALID_RULES.replace("version: 1\n", "version: 1\ninclude: [rules/a.yaml]\n"))
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules/a.yaml").write_text("include: [b.yaml]\n")
    (tmp_path / "rules/b.yaml").write_text("roles: {}\ninclude:\n  - a.yaml\n")
    _, problems = check_rules(path)
    a, b = str(tmp_path / "rules/a.yaml"), str(tmp_path / "rules/b.yaml")
    assert [p.text() for p in problems] == [f"{b}:3: include berputar: {a} -> {b} -> {a}"]


def test_missing_include_is_reported_at_the_include(tmp_path):
    text = VALID_RULES.replace("version: 1\n", "version: 1\ninclude:\n  - rules/none.yaml\n")
    path = write_rules(tmp_path, text)
    _, problems = check_rules(path)
    assert [p.text() for p in problems] == [
        f"{path}:3: berkas sertaan '{tmp_path / 'rules/none.yaml'}' tidak ditemukan"
    ]


# ---------------------------------------------------------------- cross-checks, one by one


def transition(data: dict, action: str) -> dict:
    return next(t for t in data["workflows"]["sederhana"]["transitions"] if t["action"] == action)


CASES = {
    "unknown role in by": (
        lambda d: transition(d, "proses").update(by=["petugass"]),
        "transisi 'proses' dari alur kerja 'sederhana' dilakukan oleh peran 'petugass' yang tidak dikenal (maksud Anda 'petugas'?)",
    ),
    "built-in role declared": (
        lambda d: d["roles"].update(customer={"label": "Pelanggan"}),
        "peran 'customer' adalah bawaan dan tidak boleh dideklarasikan",
    ),
    "fire not available to system": (
        lambda d: d["workflows"]["sederhana"]["states"]["terkirim"].update(on_overdue={"fire": "proses"}),
        "on_overdue dari status 'terkirim' dari alur kerja 'sederhana' menjalankan 'proses', yang bukan aksi yang tersedia bagi 'system' dari status itu",
    ),
    "on_overdue without sla": (
        lambda d: d["workflows"]["sederhana"]["states"]["ttd"].update(on_overdue={"fire": None}),
        "status 'ttd' dari alur kerja 'sederhana' memiliki 'on_overdue' tetapi tidak memiliki 'sla'",
    ),
    "unknown channel": (
        lambda d: transition(d, "kirim")["effects"][1]["notify"][0].update(channels=["sms"]),
        "kanal 'sms' tidak dikenal di efek 'notify' dari transisi 'kirim' dari alur kerja 'sederhana' (yang dikenal: email, inbox, whatsapp)",
    ),
    "template lacks a channel": (
        lambda d: transition(d, "kirim")["effects"][1]["notify"][0].update(channels=["whatsapp"]),
        "templat notifikasi 'diterima' tidak memiliki varian 'whatsapp' (dipakai oleh efek 'notify' dari transisi 'kirim' dari alur kerja 'sederhana')",
    ),
    "document template file missing": (
        lambda d: d["documents"]["laporan"].update(template="templates/hilang.html"),
        "berkas templat dokumen 'templates/hilang.html' tidak ditemukan",
    ),
    "template outside the rules folder": (
        lambda d: d["documents"]["laporan"].update(template="../rahasia.html"),
        "berkas templat dokumen '../rahasia.html' harus berada di dalam folder aturan",
    ),
    "unknown document generated": (
        lambda d: transition(d, "proses").update(effects=[{"generate": {"documents": ["lapran"]}}]),
        "dokumen 'lapran' tidak didefinisikan (di efek 'generate' dari transisi 'proses' dari alur kerja 'sederhana') (maksud Anda 'laporan'?)",
    ),
    "unknown numbering": (
        lambda d: transition(d, "kirim")["effects"][0]["assign_number"].update(numbering="nomer"),
        "penomoran 'nomer' tidak didefinisikan (di efek 'assign_number' dari transisi 'kirim' dari alur kerja 'sederhana') (maksud Anda 'nomor'?)",
    ),
    "pattern without seq": (
        lambda d: d["numbering"]["resi"].update(pattern="R/{yyyy}"),
        "pola dari penomoran 'resi' memerlukan {seq}, {seq:N} atau {hex6} agar nomor unik",
    ),
    "pattern with unknown token": (
        lambda d: d["numbering"]["nomor"].update(pattern="{seq}/{yyy}"),
        "pola dari penomoran 'nomor' memiliki token '{yyy}' yang tidak dikenal (maksud Anda 'yyyy'?)",
    ),
    "unknown guard": (
        lambda d: transition(d, "kirim").update(guards=["documents_complet"]),
        "syarat 'documents_complet' tidak dikenal di transisi 'kirim' dari alur kerja 'sederhana' (maksud Anda 'documents_complete'?)",
    ),
    "guard with bad arguments": (
        lambda d: transition(d, "kirim").update(guards=[{"field_equals": {"field": "jenis"}}]),
        "argumen dari syarat 'field_equals' dari transisi 'kirim' dari alur kerja 'sederhana' tidak memiliki 'value'",
    ),
    "guard on unknown field": (
        lambda d: transition(d, "kirim").update(guards=[{"field_equals": {"field": "jenis_x", "value": "tera"}}]),
        "syarat 'field_equals' dari transisi 'kirim' dari alur kerja 'sederhana' menyebut isian 'jenis_x', yang tidak dimiliki layanan 'uji_tera' (maksud Anda 'jenis'?)",
    ),
    "guard value not an option": (
        lambda d: transition(d, "kirim").update(guards=[{"field_in": {"field": "jenis", "values": ["tera", "teraa"]}}]),
        "syarat 'field_in' dari transisi 'kirim' dari alur kerja 'sederhana': 'teraa' bukan pilihan dari isian 'jenis' ('tera', 'tera_ulang')",
    ),
    "survey_done without a survey": (
        lambda d: transition(d, "proses").update(guards=["survey_done"]),
        "syarat 'survey_done' dari transisi 'proses' dari alur kerja 'sederhana' memerlukan survei, tetapi layanan 'uji_tera' tidak memilikinya",
    ),
    "unknown effect": (
        lambda d: transition(d, "proses").update(effects=[{"asign": {"actor": True}}]),
        "efek 'asign' tidak dikenal di transisi 'proses' dari alur kerja 'sederhana' (maksud Anda 'assign'?)",
    ),
    "assign to a non-assignee field": (
        lambda d: transition(d, "proses").update(
            form=[{"key": "petugas_uji", "label": "Petugas", "type": "text"}],
            effects=[{"assign": {"field": "petugas_uji"}}],
        ),
        "efek 'assign' dari transisi 'proses' dari alur kerja 'sederhana' memerlukan 'field' berupa isian penugasan (assignee) dari formulir; 'petugas_uji' adalah isian text",
    ),
    "assignee field without role": (
        lambda d: transition(d, "proses").update(form=[{"key": "petugas_uji", "label": "Petugas", "type": "assignee"}]),
        "isian 'petugas_uji' dari transisi 'proses' dari alur kerja 'sederhana' adalah isian penugasan dan memerlukan 'role' (peran para penggunanya)",
    ),
    "assignee field with unknown role": (
        lambda d: transition(d, "proses").update(form=[{"key": "p", "label": "P", "type": "assignee", "role": "analis"}]),
        "isian 'p' dari transisi 'proses' dari alur kerja 'sederhana' menyebut peran 'analis' yang tidak dikenal",
    ),
    "set_field on unknown field": (
        lambda d: transition(d, "proses").update(effects=[{"set_field": {"field": "status_lab", "value": "ok"}}]),
        "efek 'set_field' dari transisi 'proses' dari alur kerja 'sederhana' menyebut isian 'status_lab', yang tidak dimiliki layanan 'uji_tera'",
    ),
    "sign an unsigned document": (
        lambda d: d["documents"]["laporan"].update(signed=False),
        "efek 'sign' dari transisi 'tandatangani' dari alur kerja 'sederhana' menandatangani dokumen 'laporan', yang tidak bertanda signed: true",
    ),
    "signed document nobody signs": (
        lambda d: transition(d, "tandatangani").update(form=[], effects=[]),
        "dokumen 'laporan' bertanda signed: true tetapi tidak ada transisi yang menandatanganinya",
    ),
    "sign without a passphrase field": (
        lambda d: transition(d, "tandatangani").update(form=[]),
        "efek 'sign' dari transisi 'tandatangani' dari alur kerja 'sederhana' menyebut isian 'passphrase', yang tidak ada di formulir transisi (diperlukan isian passphrase)",
    ),
    "slot type in service fields": (
        lambda d: d["services"]["uji_tera"]["fields"].append({"key": "jadwal", "label": "Jadwal", "type": "slot"}),
        "isian 'jadwal' dari jenis layanan 'uji_tera': tipe 'slot' hanya boleh di formulir transisi",
    ),
    "show_if on a later field": (
        lambda d: d["services"]["uji_tera"]["fields"].insert(
            0, {"key": "skhp", "label": "SKHP", "type": "text", "show_if": {"field": "jenis", "equals": "tera_ulang"}}
        ),
        "show_if dari isian 'skhp' dari jenis layanan 'uji_tera' menyebut isian 'jenis', yang harus berada sebelumnya",
    ),
    "when on unknown field": (
        lambda d: d["services"]["uji_tera"]["documents"][0].update(when={"field": "jenis_alat", "filled": True}),
        "'when' dari dokumen persyaratan 'surat' dari jenis layanan 'uji_tera' menyebut isian 'jenis_alat' yang tidak dikenal (maksud Anda 'jenis'?)",
    ),
    "negative price and duplicate code": (
        lambda d: d["services"]["uji_tera"].update(
            cart=True,
            catalogue=[{"code": "A", "name": "A", "price": -1}, {"code": "A", "name": "B", "price": 0}],
        ),
        "'price' dari butir katalog 'A' dari jenis layanan 'uji_tera' harus bilangan bulat rupiah, nol atau lebih (tertulis -1)",
    ),
    "duplicate catalogue code": (
        lambda d: d["services"]["uji_tera"].update(
            catalogue=[{"code": "A", "name": "A", "price": 1}, {"code": "A", "name": "B", "price": 0}]
        ),
        "butir katalog 'A' didefinisikan dua kali di jenis layanan 'uji_tera'",
    ),
    "duplicate bank account": (
        lambda d: d["agencies"]["balai"]["bank_accounts"].append({"key": "bri", "bank": "BRI", "number": "1", "holder": "X"}),
        "rekening bank 'bri' didefinisikan dua kali di instansi 'balai'",
    ),
    "service references": (
        lambda d: d["services"]["uji_tera"].update(agency="balaai", survey="ikm", receipt_numbering="resii"),
        "instansi 'balaai' tidak didefinisikan (di jenis layanan 'uji_tera') (maksud Anda 'balai'?)",
    ),
    "service class not in agency": (
        lambda d: d["services"]["uji_tera"].update({"class": "kalibrasi"}),
        "jenis layanan 'uji_tera' memiliki kelas 'kalibrasi', yang bukan kelas layanan dari instansi 'balai'",
    ),
    "unknown request kind": (
        lambda d: d["services"]["uji_tera"].update(request_kinds=["baru", "perpanjangan"]),
        "jenis permohonan 'perpanjangan' tidak didefinisikan (di jenis layanan 'uji_tera')",
    ),
    "final state with a way out": (
        lambda d: transition(d, "proses").update({"from": ["terkirim", "selesai"]}),
        "status akhir 'selesai' dari alur kerja 'sederhana' tidak boleh memiliki transisi keluar 'proses'",
    ),
    "state without a way out": (
        lambda d: d["workflows"]["sederhana"]["states"].update(buntu={"label": "Buntu", "kind": "working"})
        or transition(d, "proses").update(to="buntu"),
        "status 'buntu' dari alur kerja 'sederhana' bukan status akhir tetapi tidak memiliki jalan keluar",
    ),
    "same action twice from a state": (
        lambda d: d["workflows"]["sederhana"]["transitions"].append(
            {"action": "proses", "label": "Lagi", "from": ["terkirim"], "to": "selesai", "by": ["petugas"]}
        ),
        "status 'terkirim' dari alur kerja 'sederhana' menawarkan aksi 'proses' dua kali",
    ),
    "enum typo": (
        lambda d: d["workflows"]["sederhana"]["states"]["ttd"].update(kind="workin"),
        "'kind' dari status 'ttd' dari alur kerja 'sederhana' harus salah satu dari working, waiting_customer, final_success,"
        " final_rejected, final_cancelled (tertulis 'workin') (maksud Anda 'working'?)",
    ),
    "unquoted account number": (
        lambda d: d["agencies"]["balai"]["bank_accounts"][0].update(number=123),
        "'number' dari rekening bank 'bri' dari instansi 'balai' harus sebuah teks (tertulis 123; beri tanda kutip)",
    ),
    "bad time zone": (
        lambda d: d["agencies"]["balai"].update(timezone="WITA"),
        "'timezone' dari instansi 'balai' harus zona waktu seperti Asia/Jakarta, Asia/Makassar atau Asia/Jayapura (tertulis 'WITA')",
    ),
    "system cannot fill a required field": (
        lambda d: transition(d, "proses").update(by=["system"], form=[{"key": "c", "label": "C", "type": "text", "required": True}]),
        "transisi 'proses' dari alur kerja 'sederhana' hanya dilakukan oleh 'system', yang tidak dapat mengisi isian wajib 'c'",
    ),
    "jinja syntax error": (
        lambda d: d["notifications"]["diterima"]["inbox"].update(body="Halo {{ customer.name }"),
        "kesalahan templat di body dari 'inbox' dari templat notifikasi 'diterima': unexpected '}'",
    ),
}


@pytest.mark.parametrize("mutate, expected", CASES.values(), ids=CASES.keys())
def test_cross_checks(tmp_path, base, mutate, expected):
    mutate(base)
    problems = problems_for(tmp_path, base)
    assert any(expected in problem.text() for problem in problems), "\n".join(problem.text() for problem in problems)


def test_many_problems_are_reported_in_one_run(tmp_path, base):
    for mutate, _ in CASES.values():
        mutate(base)
    problems = problems_for(tmp_path, base)
    assert len(problems) >= 25, messages(problems)


ODD_SHAPES = {
    "sections of the wrong type": lambda d: d.update(workflows=[], services="x", roles=None),
    "states as a list": lambda d: d["workflows"]["sederhana"].update(states=["draf"]),
    "transitions as a mapping": lambda d: d["workflows"]["sederhana"].update(transitions={"a": 1}),
    "a transition as text": lambda d: d["workflows"]["sederhana"]["transitions"].append("kirim"),
    "lists where names go": lambda d: transition(d, "kirim").update(to=["x"], by=[["customer"]], guards=[[1]]),
    "a field as a number": lambda d: d["services"]["uji_tera"]["fields"].append(5),
    "non-text keys": lambda d: d["roles"].update({1: {"label": "Satu"}, True: {"label": "Ya"}}),
    "effects with two names": lambda d: transition(d, "proses").update(effects=[{"generate": {}, "sign": {}}]),
    "notify entries of the wrong type": lambda d: transition(d, "kirim")["effects"][1].update(notify=[["x"], None]),
}


@pytest.mark.parametrize("mutate", ODD_SHAPES.values(), ids=ODD_SHAPES.keys())
def test_odd_shapes_are_reported_not_crashed_on(tmp_path, base, mutate):
    mutate(base)
    assert problems_for(tmp_path, base)


def test_anchors_and_merge_keys_work(tmp_path):
    text = VALID_RULES.replace(
        "      ttd: {label: Menunggu Tanda Tangan, kind: working}",
        "      ttd: &kerja {label: Menunggu Tanda Tangan, kind: working}\n      cek: {<<: *kerja, label: Cek}",
    ).replace("        to: ttd\n", "        to: cek\n").replace(
        "      - action: tandatangani\n", "      - action: cek\n        label: Cek\n        from: cek\n        to: ttd\n        by: [petugas]\n      - action: tandatangani\n"
    )
    rules = load_rules(write_rules(tmp_path, text))
    assert rules.to_dict()["workflows"]["sederhana"]["states"]["cek"] == {
        "label": "Cek", "kind": "working", "staff_label": "Cek", "clock": "runs",
    }
