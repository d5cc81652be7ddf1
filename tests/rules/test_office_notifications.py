"""Every shipped office acknowledges a submission to the customer and tells the staff role whose turn
it is on every state that waits for staff (issue 10 §4: Kaltim sent nothing on submission, BMKG
nothing to staff at final verification)."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from app.rules.loader import load_rules

ROOT = Path(__file__).resolve().parents[2]
RULES = load_rules(ROOT / "workflow_rules.yaml").data
OFFICES = ("bmkg", "melasti", "metrologi", "sippt", "kaltim")
NOT_STAFF = {"customer", "system"}


def notified(entries: list[dict]) -> set[str]:
    return {entry["to"] for entry in entries}


def transition_notify(transition: dict) -> list[dict]:
    return [entry for effect in transition.get("effects") or [] for entry in effect.get("notify") or []]


def is_draft(workflow: dict, state: str) -> bool:
    """The customer's own draft: only the customer acts on it (BMKG's "Lengkapi Data")."""
    outs = [t for t in workflow["transitions"] if state in t["from"]]
    return bool(outs) and all(set(t["by"]) <= {"customer"} for t in outs)


def submissions(workflow: dict) -> list[tuple[str, list[dict]]]:
    """(what, notify entries) for each way a customer submits an application."""
    initial = workflow["initial"]
    if not is_draft(workflow, initial):
        return [("on_submit", workflow["on_submit"]["notify"])]
    return [(f"transition '{t['action']}'", transition_notify(t)) for t in workflow["transitions"]
            if initial in t["from"] and t["to"] != initial
            and not workflow["states"][t["to"]]["kind"].startswith("final")]


def waits_for_staff(workflow: dict, state: str) -> bool:
    kind = workflow["states"][state]["kind"]
    return kind == "working" or (state == workflow["initial"] and not is_draft(workflow, state))


def missing_notifications(workflow: dict) -> list[str]:
    """Everything this check would complain about, as sentences."""
    problems = []
    for what, entries in submissions(workflow):
        if "customer" not in notified(entries):
            problems.append(f"submission ({what}) does not notify the customer")
    for state in workflow["states"]:
        if not waits_for_staff(workflow, state):
            continue
        actors = {r for t in workflow["transitions"] if state in t["from"] for r in t["by"]} - NOT_STAFF
        wanted = {f"role:{r}" for r in actors if r != "assignee"} | ({"assignee"} & actors)
        ways_in = [(f"transition '{t['action']}'", transition_notify(t)) for t in workflow["transitions"]
                   if t["to"] == state and state not in t["from"]]
        if state == workflow["initial"]:
            ways_in.append(("on_submit", workflow["on_submit"]["notify"]))
        for what, entries in ways_in:
            if not wanted & notified(entries):
                problems.append(f"{what} into '{state}' notifies none of {sorted(wanted)}")
    return problems


def workflows_of(office: str) -> dict[str, dict]:
    keys = {s["workflow"] for s in RULES["services"].values() if s["agency"] == office}
    return {key: RULES["workflows"][key] for key in sorted(keys)}


@pytest.mark.parametrize("office", OFFICES)
def test_each_office_notifies_the_customer_on_submission_and_staff_on_their_turn(office):
    workflows = workflows_of(office)
    assert workflows, f"no workflow for {office}"
    for key, workflow in workflows.items():
        assert missing_notifications(workflow) == [], key


def test_the_check_sees_a_missing_submission_and_a_silent_staff_state():
    workflow = {
        "initial": "verifikasi", "on_submit": {"notify": []},
        "states": {"verifikasi": {"kind": "working"}, "akhir": {"kind": "working"},
                   "selesai": {"kind": "final_success"}},
        "transitions": [
            {"action": "lolos", "from": ["verifikasi"], "to": "akhir", "by": ["verifikator"],
             "effects": [{"notify": [{"to": "customer", "channels": ["email"], "template": "x"}]}]},
            {"action": "selesai", "from": ["akhir"], "to": "selesai", "by": ["kepala"]},
        ],
    }
    assert missing_notifications(workflow) == [
        "submission (on_submit) does not notify the customer",
        "on_submit into 'verifikasi' notifies none of ['role:verifikator']",
        "transition 'lolos' into 'akhir' notifies none of ['role:kepala']",
    ]


def test_a_kaltim_submission_queues_the_acknowledgement_and_the_verifiers_task(app, factories):
    from app.demo.autofill import fill_form, sample_file, sample_value
    from app.commands.application.create import COMPANY_FIELDS, LOCATION_FIELDS, CreateApplicationCommand
    from app.extensions import db
    from models import OutboxMessage, User
    from tests.core.helpers import incoming

    customer_id, _ = factories.customer("person")
    verifier_id, _ = factories.staff("kaltim", "verifikator")
    with app.app_context():
        spec = app.extensions["satupintu.rules"].file_rules.data["services"]["kaltim_sipa"]
        fields, _ = fill_form([f for f in spec.get("fields", []) if f.get("type") != "file"])
        files = {d["key"]: incoming(*sample_file(d.get("types"))) for d in spec.get("documents", [])}
        application = CreateApplicationCommand(
            db.session.get(User, customer_id), "kaltim_sipa", fields=fields, declaration=True, files=files,
            company={f["key"]: sample_value(f) for f in COMPANY_FIELDS},
            location={f["key"]: sample_value(f) for f in LOCATION_FIELDS}).run()
        rows = db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.application_id == application.id)).all()
        sent = {(row.recipient_id, row.template, row.channel) for row in rows}
        assert {(customer_id, "permohonan_diterima", channel) for channel in ("email", "inbox", "whatsapp")} <= sent
        assert {(verifier_id, "tugas_baru", "email"), (verifier_id, "tugas_baru", "inbox")} <= sent
        email = next(row for row in rows if row.recipient_id == customer_id and row.channel == "email")
        assert f"/portal/permohonan/{application.id}" in email.payload["body"]
        assert application.receipt in email.payload["subject"]
