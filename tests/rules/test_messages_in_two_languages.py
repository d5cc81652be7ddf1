"""Rules-check messages in both languages, for a set of broken files (the mutations of test_loader's
CASES and ODD_SHAPES): Indonesian by default, and English equal, word for word, to the English the
loader printed before its messages went through the catalogs (tests/rules/data/broken_rules_messages.json,
taken from that loader). ``file:line`` and the "did you mean" suggestions are kept in both."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from app.rules.check import run_check
from app.rules.loader import check_rules
from tests.rules.test_loader import CASES, ODD_SHAPES, VALID_RULES, write_rules

EXPECTED = json.loads((Path(__file__).parent / "data" / "broken_rules_messages.json").read_text(encoding="utf-8"))
MUTATIONS = {**{f"case: {name}": mutate for name, (mutate, _) in CASES.items()},
             **{f"odd: {name}": mutate for name, mutate in ODD_SHAPES.items()}}


def broken_file(tmp_path: Path, name: str) -> Path:
    data = yaml.safe_load(VALID_RULES)
    MUTATIONS[name](data)
    return write_rules(tmp_path, yaml.safe_dump(data, sort_keys=False, allow_unicode=True))


def shown(path: Path, problems, language: str | None) -> list[str]:
    return [problem.text(language).replace(str(path), "{file}").replace(str(path.parent), "{dir}") for problem in problems]


def test_every_broken_file_has_its_expected_messages():
    assert set(EXPECTED) == set(MUTATIONS)


@pytest.mark.parametrize("name", sorted(MUTATIONS))
@pytest.mark.parametrize("language", ["en", "id", None])
def test_messages_in_the_administrators_language(tmp_path, name, language):
    path = broken_file(tmp_path, name)
    rules, problems = check_rules(path)
    assert rules is None
    assert shown(path, problems, language) == EXPECTED[name][language or "id"]


@pytest.mark.parametrize("language, expected", [
    ("en", ["{file}:%s: transition 'proses' of workflow 'sederhana' is performed by unknown role 'petugass'"
            " (did you mean 'petugas'?)", "1 problem(s) found in {file}"]),
    ("id", ["{file}:%s: transisi 'proses' dari alur kerja 'sederhana' dilakukan oleh peran 'petugass' yang tidak dikenal"
            " (maksud Anda 'petugas'?)", "1 masalah ditemukan di {file}"]),
])
def test_rules_check_command_in_both_languages(app, tmp_path, monkeypatch, language, expected):
    from tests.rules.test_loader import line_of
    text = VALID_RULES.replace("by: [petugas]", "by: [petugass]", 1)
    path = write_rules(tmp_path, text)
    line = line_of(text, "by: [petugass]")
    monkeypatch.delenv("LANG", raising=False)
    result = app.test_cli_runner().invoke(args=["rules", "check", str(path), *(["--lang", language] if language == "en" else [])])
    assert result.exit_code == 1
    assert result.output.replace(str(path), "{file}").splitlines() == [expected[0] % line, expected[1]]
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    result = app.test_cli_runner().invoke(args=["rules", "check", str(path)])
    assert "1 problem(s) found in" in result.output
