"""The shipped notifications name only buttons and menus the page they link to really shows, and
every email/WhatsApp message links straight to that page (issue 10 §4)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.rules.loader import load_rules
from app.workflow.fields import label_text

ROOT = Path(__file__).resolve().parents[2]
RULES = load_rules(ROOT / "workflow_rules.yaml").data
CUSTOMER_PAGES = ["templates/portal/base.html", "templates/portal/requests/detail.html",
                  "templates/portal/requests/revise.html", "templates/portal/requests/invoice.html"]
STAFF_PAGES = ["templates/backoffice/application.html", "templates/backoffice/_application_panels.html"]
JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S)
QUOTED = re.compile(r"[\"“]([^\"”\n]+)[\"”]")
UNQUOTED_CONTROL = re.compile(r"\b(menu|tombol)\b(?!\s*[\"“])", re.I)
GETTEXT = re.compile(r"""_\(\s*"((?:[^"\\]|\\.)+)"\s*[,)]""")


def template_labels(paths: list[str]) -> set[str]:
    """Every translatable text the pages print (their button, heading and menu names)."""
    labels = set()
    for path in paths:
        file = ROOT / path
        if file.exists():
            labels |= {m.replace('\\"', '"') for m in GETTEXT.findall(file.read_text(encoding="utf-8"))}
    return labels


def notify_entries(data: dict):
    """(template, to, workflow key or None) for every place the rules send a notification."""
    for wf_key, workflow in data["workflows"].items():
        for entry in (workflow.get("on_submit") or {}).get("notify") or []:
            yield entry["template"], entry["to"], wf_key
        for state in workflow["states"].values():
            for entry in (state.get("on_overdue") or {}).get("notify") or []:
                yield entry["template"], entry["to"], wf_key
        for transition in workflow["transitions"]:
            for effect in transition.get("effects") or []:
                for name, args in effect.items():
                    if name == "notify":
                        for entry in args:
                            yield entry["template"], entry["to"], wf_key
                    if name == "create_invoice":
                        for entry in ((args or {}).get("on_overdue") or {}).get("notify") or []:
                            yield entry["template"], entry["to"], wf_key
    for document in data["documents"].values():
        for entry in ((document.get("validity") or {}).get("remind") or {}).get("notify") or []:
            yield entry["template"], entry["to"], None


def page_labels(data: dict, template: str) -> tuple[set[str], set[str]]:
    """What the pages the template's recipients are sent to show: (customer page, staff page)."""
    customer, staff = template_labels(CUSTOMER_PAGES), template_labels(STAFF_PAGES)
    for name, to, wf_key in notify_entries(data):
        if name != template or wf_key is None:
            continue
        workflow = data["workflows"][wf_key]
        states = [label_text(s.get("label")) for s in workflow["states"].values()]
        staff_states = [label_text(s.get("staff_label") or s.get("label")) for s in workflow["states"].values()]
        customer |= set(states)
        staff |= set(states) | set(staff_states)
        for transition in workflow["transitions"]:
            target = customer if "customer" in transition["by"] else staff
            target.add(label_text(transition["label"]))
        for service in data["services"].values():
            if service["workflow"] == wf_key:
                customer |= {label_text(data["documents"][k]["label"]) for k in generated(workflow)}
    return customer, staff


def generated(workflow: dict) -> set[str]:
    """The documents a workflow produces: the download buttons its portal page may show."""
    keys = set()
    for transition in workflow["transitions"]:
        for effect in transition.get("effects") or []:
            keys |= set((effect.get("generate") or {}).get("documents") or [])
            if "sign" in effect:
                keys.add(effect["sign"]["document"])
    return keys


def audiences(data: dict, template: str) -> set[str]:
    return {"customer" if to == "customer" else "staff" for name, to, _ in notify_entries(data) if name == template}


def shipped_texts():
    for key, template in RULES["notifications"].items():
        for channel, variant in template.items():
            for part in ("subject", "body"):
                if variant.get(part):
                    yield pytest.param(key, channel, part, variant[part], id=f"{key}-{channel}-{part}")


def quoted_names(text: str) -> list[str]:
    return [name.strip() for name in QUOTED.findall(JINJA.sub(" ", text)) if name.strip()]


def unknown_names(data: dict, key: str, text: str) -> list[str]:
    customer, staff = page_labels(data, key)
    known = set()
    for audience in audiences(data, key) or {"customer", "staff"}:
        known |= customer if audience == "customer" else staff
    return [name for name in quoted_names(text) if name not in known]


@pytest.mark.parametrize("key, channel, part, text", list(shipped_texts()))
def test_named_buttons_and_menus_exist_on_the_linked_page(key, channel, part, text):
    assert not UNQUOTED_CONTROL.search(JINJA.sub(" ", text)), (
        f"{key}.{channel}.{part}: name a button or menu in quotes, exactly as the page shows it")
    assert unknown_names(RULES, key, text) == [], f"{key}.{channel}.{part} names what its page does not show"


@pytest.mark.parametrize("key", sorted(RULES["notifications"]))
def test_every_message_links_to_the_page_of_its_action(key):
    template = RULES["notifications"][key]
    who = audiences(RULES, key)
    for channel in ("email", "whatsapp"):
        body = (template.get(channel) or {}).get("body", "")
        if not body:
            continue
        if "customer" in who:
            assert re.search(r"links\.(portal|extension)", body), f"{key}.{channel} has no link to the portal page"
        if "staff" in who:
            assert "links.backoffice" in body, f"{key}.{channel} has no link to the staff page"


@pytest.mark.parametrize("text, bad", [
    ('Buka menu Permohonan Layanan lalu tekan tombol "Invoice"', True),
    ('Unggah bukti melalui tombol "Upload"', True),
    ('Mohon isi "Review Layanan"', True),
    ('Buka menu "Permohonan Saya", tombol "Cetak Resi"', False),
    ('Isi survei melalui tombol "Isi Survei (IKM)"', False),
])
def test_the_check_catches_names_the_portal_does_not_have(text, bad):
    data = {**RULES, "notifications": {**RULES["notifications"], "probe": {"email": {"body": text}}}}
    wf = next(iter(data["workflows"]))
    data["workflows"] = {**data["workflows"], wf: {**data["workflows"][wf], "on_submit": {
        "notify": [{"to": "customer", "channels": ["email"], "template": "probe"}]}}}
    found = bool(UNQUOTED_CONTROL.search(text)) or bool(unknown_names(data, "probe", text))
    assert found is bad


DOCUMENT_TEMPLATES = sorted((ROOT / "templates" / "documents").glob("*.html"))
NAMED_CONTROL = re.compile(r"\b(?:menu|tombol)\s*[\"“]([^\"”\n]+)[\"”]", re.I)


def document_control_problems(text: str, known: set[str]) -> list[str]:
    """A generated document (receipt, invoice, licence) that sends the citizen to a menu or button:
    quoted, and one the portal shows."""
    text = " ".join(JINJA.sub(" ", text).split())
    problems = [m.group(0) for m in UNQUOTED_CONTROL.finditer(text)]
    return problems + [name for name in NAMED_CONTROL.findall(text) if name not in known]


@pytest.mark.parametrize("path", DOCUMENT_TEMPLATES, ids=[p.name for p in DOCUMENT_TEMPLATES])
def test_generated_documents_name_only_the_portals_menus_and_buttons(path):
    known = template_labels(CUSTOMER_PAGES + ["templates/portal/public/track.html"])
    assert document_control_problems(path.read_text(encoding="utf-8"), known) == [], path.name


@pytest.mark.parametrize("text, bad", [
    ("memantau permohonan melalui menu Monitoring Izin.", True),
    ('unggah bukti melalui tombol "Upload" pada menu Permohonan Layanan', True),
    ('buka menu "Permohonan Saya"', False),
])
def test_the_document_check_catches_unknown_menus(text, bad):
    known = template_labels(CUSTOMER_PAGES)
    assert bool(document_control_problems(text, known)) is bad
