"""The loader on automatic steps (``auto``): who performs them, their forms, loops of them."""
from __future__ import annotations

import copy

import pytest
import yaml

from app.rules.loader import check_rules
from app.rules.messages import render
from tests.rules.test_loader import VALID_RULES, messages, problems_for, transition, write_rules


@pytest.fixture
def base() -> dict:
    return yaml.safe_load(VALID_RULES)


def test_automatic_steps_load_and_say_their_delay(tmp_path, base):
    transition(base, "proses").update(by=["petugas", "system"], auto=True)
    base["workflows"]["sederhana"]["transitions"].append(
        {"action": "tutup", "label": "Tutup", "from": "ttd", "to": "selesai", "by": "system",
         "auto": {"after_working_days": 3}})
    rules, problems = check_rules(write_rules(tmp_path, yaml.safe_dump(base, sort_keys=False)))
    assert problems == []
    delays = {t.action: t.auto_delay() for t in rules.transitions_for("uji_tera")}
    assert delays == {"kirim": None, "proses": 0, "tandatangani": None, "tutup": 3}


def test_an_automatic_step_must_be_performed_by_the_system(tmp_path, base):
    transition(base, "proses")["auto"] = True
    text = messages(problems_for(tmp_path, base))
    assert "transisi 'proses' dari alur kerja 'sederhana' otomatis (auto) dijalankan oleh sistem: 'by' harus memuat 'system'" in text


def test_an_automatic_step_cannot_ask_for_required_fields(tmp_path, base):
    transition(base, "tandatangani").update(by=["kepala", "system"], auto=True)
    problems = problems_for(tmp_path, base)
    assert [render(p.message, "en") for p in problems if "auto" in render(p.message, "en")] == [
        "transition 'tandatangani' of workflow 'sederhana' is automatic (auto) but has required form fields"
        " (passphrase): nobody fills them in"]


def test_automatic_steps_that_loop_without_a_person_are_refused(tmp_path, base):
    transition(base, "proses").update(by=["system"], auto=True)
    base["workflows"]["sederhana"]["transitions"].append(
        {"action": "kembali", "label": "Kembali", "from": "ttd", "to": "terkirim", "by": "system",
         "auto": {"after_working_days": 1}})
    path = write_rules(tmp_path, yaml.safe_dump(base, sort_keys=False))
    _, problems = check_rules(path)
    loops = [p for p in problems if "berputar" in render(p.message)]
    assert len(loops) == 1
    assert render(loops[0].message) == ("langkah otomatis (auto) dari alur kerja 'sederhana' berputar tanpa langkah"
                                        " manusia: terkirim -> ttd -> terkirim")
    assert loops[0].file == str(path) and loops[0].line == path.read_text().splitlines().index(
        next(line for line in path.read_text().splitlines() if line.strip() == "auto: true")) + 1


def test_a_loop_with_a_person_in_it_is_fine(tmp_path, base):
    transition(base, "proses").update(by=["system"], auto=True)
    base["workflows"]["sederhana"]["transitions"].append(
        {"action": "kembali", "label": "Kembali", "from": "ttd", "to": "terkirim", "by": "kepala"})
    _, problems = check_rules(write_rules(tmp_path, yaml.safe_dump(base, sort_keys=False)))
    assert problems == []


def test_an_automatic_step_out_of_a_final_state_is_refused(tmp_path, base):
    base["workflows"]["sederhana"]["transitions"].append(
        {"action": "buka", "label": "Buka", "from": "selesai", "to": "ttd", "by": "system", "auto": True})
    text = messages(problems_for(tmp_path, base))
    assert "status akhir 'selesai' dari alur kerja 'sederhana' tidak boleh memiliki transisi keluar 'buka'" in text


@pytest.mark.parametrize("auto, expected", [
    ({"after_days": 2}, "kunci 'after_days' tidak dikenal di 'auto' dari transisi 'proses' dari alur kerja 'sederhana'"
                        " (maksud Anda 'after_working_days'?)"),
    ({"after_working_days": 0}, "'after_working_days' dari 'auto' dari transisi 'proses' dari alur kerja 'sederhana'"
                                " harus bilangan bulat 1 atau lebih (tertulis 0)"),
    ("ya", "'auto' dari transisi 'proses' dari alur kerja 'sederhana' harus true/false atau"
           " {after_working_days: N} (tertulis 'ya')"),
])
def test_a_malformed_auto_is_reported(tmp_path, base, auto, expected):
    transition(base, "proses").update(by=["petugas", "system"], auto=copy.deepcopy(auto))
    text = messages(problems_for(tmp_path, base))
    assert expected in text, text
