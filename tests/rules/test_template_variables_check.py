"""``rules check`` renders every notification text and document template against a sample of the
documented context (docs/rules-format.md, compared with the real contexts by
tests/documents/test_template_variables.py) and reports each unknown name at its file and line."""
from __future__ import annotations

import pytest

from app.rules.check import run_check
from app.rules.loader import check_rules
from app.rules.messages import render
from app.rules.template_variables import SECTIONS, documented, sample_context, unknown_names
from tests.rules.test_loader import VALID_RULES, line_of, write_rules

NOTIFICATION_BODY = '    email: {subject: "Permohonan {{ app.number }}", body: "Yth. {{ customer.name }}"}\n'


def test_the_valid_rules_and_the_shipped_rules_have_no_unknown_template_names(tmp_path):
    rules, problems = check_rules(write_rules(tmp_path, VALID_RULES))
    assert problems == [] and rules is not None
    rules, problems = check_rules("workflow_rules.yaml")
    assert [problem.text() for problem in problems] == []


def test_a_misspelt_variable_in_a_notification_is_reported_at_its_yaml_line(tmp_path, capsys):
    text = VALID_RULES.replace(NOTIFICATION_BODY, (
        "    email:\n"
        "      subject: \"Permohonan {{ app.number }}\"\n"
        "      body: |\n"
        "        Yth. {{ customer.name }},\n"
        "        Tagihan Anda {{ app.total_amount | rupiah }}.\n"))
    assert text != VALID_RULES
    path = write_rules(tmp_path, text)
    assert run_check(str(path)) == 1
    out = capsys.readouterr().out
    line = line_of(text, "app.total_amount")
    assert (f"{path}:{line}: variabel templat 'app.total_amount' tidak dikenal di body dari 'email' templat"
            f" notifikasi 'diterima' (maksud Anda 'app.total'?)") in out
    _, problems = check_rules(path)
    assert [render(p.message, "en") for p in problems] == [
        "unknown template variable 'app.total_amount' in body of the 'email' text of notification template"
        " 'diterima' (did you mean 'app.total'?)"]


def test_an_unknown_top_level_name_in_a_one_line_subject(tmp_path):
    text = VALID_RULES.replace('subject: "Permohonan {{ app.number }}"', 'subject: "Permohonan {{ custmer.name }}"')
    _, problems = check_rules(write_rules(tmp_path, text))
    assert [(p.line, render(p.message)) for p in problems] == [(
        line_of(text, "custmer.name"),
        "variabel templat 'custmer' tidak dikenal di subject dari 'email' templat notifikasi 'diterima'"
        " (maksud Anda 'customer'?)")]


def test_a_misspelt_variable_in_a_document_template_is_reported_at_the_templates_own_line(tmp_path):
    path = write_rules(tmp_path, VALID_RULES)
    (tmp_path / "templates" / "laporan.html").write_text(
        "<h1>{{ document.label }}</h1>\n"
        "{% for line in app.cart %}<p>{{ line.name }} {{ line.amount | rupiah }}</p>{% endfor %}\n"
        "<p>Jumlah {{ app.total_amount | rupiah }} ({{ app.total | terbilang }})</p>\n"
        "{% for line in app.cart %}{{ line.qty_total }}{% endfor %}\n", encoding="utf-8")
    _, problems = check_rules(path)
    shown = str(tmp_path / "templates" / "laporan.html")
    assert [(p.file, p.line, render(p.message, "en")) for p in problems] == [
        (shown, 3, "unknown template variable 'app.total_amount' in a document template (did you mean 'app.total'?)"),
        (shown, 4, "unknown template variable 'app.cart[].qty_total' in a document template"
                   " (did you mean 'app.cart[].qty'?)"),
    ]


def test_an_unknown_filter_in_a_document_template(tmp_path):
    path = write_rules(tmp_path, VALID_RULES)
    (tmp_path / "templates" / "laporan.html").write_text("<p>\n{{ app.total | rupia }}</p>", encoding="utf-8")
    _, problems = check_rules(path)
    assert [(p.line, render(p.message)) for p in problems] == [
        (2, "filter atau uji templat 'rupia' tidak dikenal di templat dokumen (maksud Anda 'rupiah'?)")]


def test_open_mappings_take_any_key_and_documented_names_pass():
    assert unknown_names("{{ app.numbers.lhu }} {{ values.catatan }} {{ app.data.apa_saja }}", "documents") == []
    assert unknown_names("{{ links.portal }} {{ app.state_label }} {{ step.at | waktu }}", "notifications") == []
    # a name of the document context is not one of a notification's
    assert [u.name for u in unknown_names("{{ qr_img }}", "notifications")] == ["qr_img"]


@pytest.mark.parametrize("kind", sorted(SECTIONS))
def test_the_sample_context_has_every_documented_name(kind):
    names = documented(SECTIONS[kind])
    context = sample_context(names)
    for name in names:
        value = context
        for part in name.split("."):
            if part.startswith("<"):
                break
            value = value[part[:-2]][0] if part.endswith("[]") else value[part]
