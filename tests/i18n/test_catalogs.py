"""Translation catalogs: complete and placeholder-safe. Plain pytest, no app needed."""
from __future__ import annotations

import re
from pathlib import Path

import flask_appbuilder
import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "app" / "translations"
FAB_GERMAN = Path(flask_appbuilder.__file__).parent / "translations" / "de" / "LC_MESSAGES" / "messages.po"

# %(name)s / %s / %d ... (printf style, "%%" is a literal) and {name} / {} / {0} (str.format style)
PLACEHOLDER = re.compile(r"%(?:\([^)]+\))?[-#0+]*\d*(?:\.\d+)?[sdifeEgGxXr%]|\{[^{}]*\}")


def load(path: Path):
    with path.open("rb") as f:
        return read_po(f)


def placeholders(text: str) -> list[str]:
    return sorted(p for p in PLACEHOLDER.findall(text) if p != "%%")


def entries(catalog):
    """(msgid, msgstr) pairs; plural entries yield one pair per form."""
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, (list, tuple)):
            strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
            for index, string in enumerate(strings):
                yield message.id[min(index, len(message.id) - 1)], string
        else:
            yield message.id, message.string


def fab_msgids() -> list[str]:
    return [m.id for m in load(FAB_GERMAN) if m.id]


@pytest.fixture(scope="module")
def id_catalog():
    return load(TRANSLATIONS / "id" / "LC_MESSAGES" / "messages.po")


@pytest.fixture(scope="module")
def en_catalog():
    return load(TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po")


def test_german_reference_catalog_is_available():
    assert len(fab_msgids()) > 100


def test_every_flask_appbuilder_msgid_has_an_indonesian_translation(id_catalog):
    missing = []
    for msgid in fab_msgids():
        message = id_catalog.get(msgid)
        if message is None or not message.string or not str(message.string).strip() or message.fuzzy:
            missing.append(msgid)
    assert not missing, f"untranslated in id catalog: {missing}"


def test_every_english_msgid_is_translated(en_catalog):
    ids = [m for m in en_catalog if m.id]
    assert ids, "en catalog is empty"
    missing = [m.id for m in ids
               if m.fuzzy or not (all(s.strip() for s in m.string) if isinstance(m.string, (list, tuple))
                                  else str(m.string).strip())]
    assert not missing, f"untranslated in en catalog: {missing}"


def test_english_catalog_covers_the_template(en_catalog):
    template = load(TRANSLATIONS / "messages.pot")
    missing = [m.id for m in template if m.id and m.id not in en_catalog]
    assert not missing, f"run app/translations/update.sh: msgids missing from en catalog: {missing}"


@pytest.mark.parametrize("locale", ["id", "en"])
def test_placeholders_match(locale):
    catalog = load(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po")
    wrong = [(msgid, msgstr) for msgid, msgstr in entries(catalog)
             if msgstr and placeholders(msgid) != placeholders(msgstr)]
    assert not wrong, f"placeholder mismatch in {locale} catalog: {wrong}"


def test_placeholder_pattern():
    assert placeholders("Nilai %(min)s dan %s, {nama} {}, 100%% ok") == ["%(min)s", "%s", "{nama}", "{}"]
