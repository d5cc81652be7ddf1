"""The customer's timeline ahead of now: the current step of the main path, then the pending ones,
each named by the transition that completes it (MELASTI's "Timeline Status Pengajuan")."""
from __future__ import annotations

from pathlib import Path

import pytest

from app.rules.loader import load_rules
from app.workflow.procedure import StepAhead, steps_ahead

RULES = load_rules(Path(__file__).resolve().parents[2] / "workflow_rules.yaml").data
MELASTI = RULES["workflows"]["melasti_layanan"]
MELASTI_STEPS = [
    "Admin Layanan menerima dan menyampaikan informasi permohonan kepada Kepala Balai Teknik Pantai",
    "Kepala Balai mendisposisikan permohonan pelanggan ke Kasubag TU",
    "Kasubag TU mendisposisikan permohonan pelanggan ke Ketua Tim Layanan",
    "Subkor Layanan menunjuk pemangku data",
    "Ketua Tim memverifikasi ketersediaan data",
    "Laporan diserahkan kepada petugas layanan",
    "Pengisian kuesioner / survey layanan oleh pelanggan",
    "Laporan diserahkan kepada pelanggan",
]


def test_a_new_melasti_request_has_the_whole_manual_timeline_ahead():
    steps = steps_ahead(MELASTI, "admin_layanan", ["admin_layanan"])
    assert [s.label for s in steps] == MELASTI_STEPS
    assert [s.current for s in steps] == [True] + [False] * 7


@pytest.mark.parametrize("state, done", [
    ("disposisi_kepala_balai", 1), ("penunjukan_pemangku_data", 3), ("pengisian_survei", 6),
])
def test_the_steps_already_done_are_not_ahead(state, done):
    steps = steps_ahead(MELASTI, state, [])
    assert [s.label for s in steps] == MELASTI_STEPS[done:]
    assert steps[0].current and not any(s.current for s in steps[1:])


@pytest.mark.parametrize("state", ["selesai", "ditolak"])
def test_nothing_is_ahead_of_an_ended_request(state):
    assert steps_ahead(MELASTI, state, []) == []


def test_off_the_main_path_the_wait_is_current_and_the_path_resumes():
    kaltim = RULES["workflows"]["kaltim_perizinan"]
    steps = steps_ahead(kaltim, "revisi", ["verifikasi", "revisi"])
    assert steps[0] == StepAhead("revisi", "Revisi", current=True)
    assert steps[1].state == "verifikasi" and not steps[1].current
    assert steps[-1].label == "Selesai"


@pytest.mark.parametrize("workflow_key", sorted(RULES["workflows"]))
def test_every_shipped_workflow_has_a_named_step_ahead_of_its_initial_state(workflow_key):
    workflow = RULES["workflows"][workflow_key]
    steps = steps_ahead(workflow, workflow["initial"], [workflow["initial"]])
    assert steps and steps[0].current and all(s.label for s in steps)
