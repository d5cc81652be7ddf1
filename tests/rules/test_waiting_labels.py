"""A state's customer label says what the application waits for ("Menunggu disposisi Kepala
Balai"), never the words of the step that will complete it: MELASTI showed "Kepala Balai
mendisposisikan permohonan ..." while the head had not yet acted, and its status notifications
repeated it."""
from __future__ import annotations

from pathlib import Path

import pytest

from app.rules.loader import load_rules
from app.workflow.fields import label_text

ROOT = Path(__file__).resolve().parents[2]
RULES = load_rules(ROOT / "workflow_rules.yaml").data


def premature_labels(workflow: dict) -> list[str]:
    """Staff states whose label is the timeline/label text of a transition that leaves them: a step
    that has not happened while the application sits there. (A state waiting for the customer may
    name what the customer must do: BMKG's "Upload Bukti Pembayaran" is the manual's status.)"""
    problems = []
    for key, state in workflow["states"].items():
        if state.get("kind", "working") != "working":
            continue
        label = label_text(state.get("label")).strip().lower()
        for transition in workflow["transitions"]:
            if key not in transition["from"] or transition["to"] == key:
                continue
            done = {label_text(transition.get(k)).strip().lower() for k in ("timeline", "label") if transition.get(k)}
            if label in done:
                problems.append(f"{key}: '{label}' is what '{transition['action']}' does")
    return problems


@pytest.mark.parametrize("workflow_key", sorted(RULES["workflows"]))
def test_no_state_is_labelled_with_the_step_that_leaves_it(workflow_key):
    assert premature_labels(RULES["workflows"][workflow_key]) == []


@pytest.mark.parametrize("state, label", [
    ("admin_layanan", "Menunggu verifikasi Admin Layanan"),
    ("disposisi_kepala_balai", "Menunggu disposisi Kepala Balai"),
    ("disposisi_kasubag_tu", "Menunggu disposisi Kasubag TU"),
])
def test_melasti_labels_say_what_the_request_waits_for(state, label):
    assert label_text(RULES["workflows"]["melasti_layanan"]["states"][state]["label"]) == label


def test_the_check_can_fail():
    workflow = {"initial": "a", "states": {"a": {"label": "Kepala mendisposisikan", "kind": "working"},
                                           "b": {"label": "Selesai", "kind": "final_success"}},
                "transitions": [{"action": "d", "from": ["a"], "to": "b", "by": ["kepala"],
                                 "timeline": "Kepala mendisposisikan"}]}
    assert premature_labels(workflow) == ["a: 'kepala mendisposisikan' is what 'd' does"]


def test_sippt_waits_are_named_for_what_they_wait_for():
    states = RULES["workflows"]["sippt_pengujian"]["states"]
    assert "Menunggu Verifikasi Penyelia" in label_text(states["verifikasi_sampel"]["label"])
    assert "Ditandatangani" in label_text(states["pengecekan_cs"]["label"])
