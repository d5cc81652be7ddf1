"""IKM (PermenPANRB 14/2017), dashboard grouping, time per state and the SVG drawings — no app."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from app.reports.ikm import compute_ikm, grade_of, question_elements
from app.reports.svg import bar_chart, workflow_diagram
from app.reports.workload import actionable_states, average_durations, group_counts, state_groups
from app.rules.model import Rules


def test_ikm_matches_a_worked_example_by_hand():
    # 4 respondents, 9 elements. Scores per element (U1..U9) for each respondent:
    #   r1: 4 4 3 4 3 4 4 3 4   r2: 3 3 3 4 3 3 4 3 3   r3: 4 3 2 4 3 4 4 2 3   r4: 3 4 3 4 4 3 4 3 4
    # totals: U1 14 U2 14 U3 11 U4 16 U5 13 U6 14 U7 16 U8 11 U9 14 (sum 123)
    # NRR = total/4; weighted = NRR/9; IKM = 123/(4*9) = 3.41666…; converted = 85.4166… -> B (Baik)
    rows = ["443434434", "333433433", "432434423", "343443434"]
    responses = [{f"q{i + 1}": int(score) for i, score in enumerate(row)} for row in rows]
    elements = {f"q{i}": f"U{i}" for i in range(1, 10)}
    responses[0]["korupsi"] = 1          # an extra question without an element does not count

    result = compute_ikm(responses, elements)

    assert result.respondents == 4
    assert [e.total for e in result.elements] == [14, 14, 11, 16, 13, 14, 16, 11, 14]
    assert result.elements[2].nrr == pytest.approx(2.75)
    assert result.elements[2].weighted == pytest.approx(2.75 / 9)
    assert result.ikm == pytest.approx(123 / 36)
    assert result.converted == pytest.approx(85.4167, abs=1e-4)
    assert (result.grade, result.quality) == ("B", "Baik")


@pytest.mark.parametrize("converted, grade", [(100, "A"), (88.31, "A"), (88.30, "B"), (76.61, "B"),
                                              (76.60, "C"), (65.0, "C"), (64.99, "D"), (25, "D")])
def test_grade_boundaries(converted, grade):
    assert grade_of(converted)[0] == grade


def test_ikm_without_answers_and_with_pooled_elements():
    assert compute_ikm([], {"a": "U1"}).ikm is None
    # two questions on U1 are pooled: (4 + 2) / 2 = 3 -> only element -> IKM 3 -> 75 -> C
    result = compute_ikm([{"a": 4, "b": 2}], {"a": "U1", "b": "U1"})
    assert result.ikm == pytest.approx(3) and result.grade == "C"


def test_question_elements_reads_the_survey_spec():
    spec = {"questions": [{"key": "u1", "element": "U1"}, {"key": "x"}]}
    assert question_elements(spec) == {"u1": "U1"}


WORKFLOW = {
    "initial": "baru",
    "states": {"baru": {"label": "Baru", "kind": "working"}, "bayar": {"label": "Bayar", "kind": "waiting_customer"},
               "cek_bayar": {"label": "Cek bayar", "kind": "working"}, "proses": {"label": "Proses", "kind": "working"},
               "selesai": {"label": "Selesai", "kind": "final_success"},
               "tolak": {"label": "Ditolak", "kind": "final_rejected"}},
    "transitions": [
        {"action": "terima", "from": ["baru"], "to": "bayar", "by": ["admin"], "label": "Terima"},
        {"action": "tolak", "from": ["baru"], "to": "tolak", "by": ["admin"], "label": "Tolak"},
        {"action": "bayar", "from": ["bayar"], "to": "cek_bayar", "by": ["customer"], "label": "Bayar"},
        {"action": "valid", "from": ["cek_bayar"], "to": "proses", "by": ["bendahara"], "label": "Valid"},
        {"action": "kembali", "from": ["proses"], "to": "baru", "by": ["assignee"], "label": "Kembali"},
        {"action": "selesai", "from": ["proses"], "to": "selesai", "by": ["assignee", "admin"], "label": "Selesai"},
    ],
}


def test_actionable_states_per_role_and_assignee():
    rules = Rules({"workflows": {"w": WORKFLOW}})
    acting = actionable_states(rules, {"bendahara"})
    assert acting["w"] == {"role": {"cek_bayar"}, "assignee": {"proses"}}
    assert actionable_states(rules, {"admin"})["w"]["role"] == {"baru", "proses"}


def test_state_groups_and_counts():
    groups = state_groups(WORKFLOW)
    assert groups == {"baru": "waiting", "bayar": "in_process", "cek_bayar": "waiting", "proses": "in_process",
                      "selesai": "approved", "tolak": "rejected"}
    counts = group_counts([("s", "baru", 2), ("s", "selesai", 3), ("s", "tolak", 1)], {"s": WORKFLOW})
    assert counts["s"]["waiting"] == 2 and counts["s"]["completed"] == 4 and counts["s"]["total"] == 6


def test_average_durations_from_events():
    t = datetime(2026, 3, 2, 8)
    events = [(1, "baru", t), (1, "bayar", t + timedelta(hours=2)), (1, "cek_bayar", t + timedelta(hours=6)),
              (2, "baru", t), (2, "bayar", t + timedelta(hours=4))]
    result = average_durations(events)
    assert result["baru"] == (3 * 3600, 2)
    assert result["bayar"] == (4 * 3600, 1)
    assert "cek_bayar" not in result            # still there: not a finished stay


def test_svg_drawings_are_self_contained():
    svg = workflow_diagram({**WORKFLOW, "states": {k: {**v, "label": k.upper()} for k, v in WORKFLOW["states"].items()}},
                           {"admin": {"label": "Admin"}})
    assert svg.startswith("<svg") and "CEK_BAYAR" in svg and "Pemohon" in svg and "http://" not in svg.replace(
        'xmlns="http://www.w3.org/2000/svg"', "")
    chart = bar_chart([("Layanan <A>", [1, 2])], ["x", "y"], title="T")
    assert "&lt;A&gt;" in chart and "<script" not in chart


def test_workflow_graph_keeps_every_state_edge_and_whole_label():
    """The data the browser lays out (app/reports/svg.py workflow_graph): nothing left out or cut."""
    from app.reports.svg import workflow_graph

    long_label = "Langkah 9 — Pelanggan: pembayaran & upload bukti bayar (waktu tidak dapat ditentukan)"
    workflow = {**WORKFLOW, "states": {**{k: dict(v) for k, v in WORKFLOW["states"].items()}}}
    first = next(iter(workflow["states"]))
    workflow["states"][first]["label"] = long_label
    graph = workflow_graph(workflow, {"admin": {"label": "Admin"}})
    assert [n["id"] for n in graph["nodes"]] == list(workflow["states"])
    node = graph["nodes"][0]
    assert " ".join(node["lines"]) == long_label and len(node["lines"]) > 3  # grows, never cut
    assert len(graph["edges"]) == sum(len(t["from"]) for t in workflow["transitions"])
    assert all(edge["lines"] and edge["who"] for edge in graph["edges"])
