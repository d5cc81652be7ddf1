"""Which states of which workflow put an application in someone's queue, and how dashboard
counters group states. Pure functions over the rules."""
from __future__ import annotations

from typing import TYPE_CHECKING, Iterable, Mapping

if TYPE_CHECKING:
    from app.rules.model import Rules

FINAL_KINDS = ("final_success", "final_rejected", "final_cancelled")
BUILTIN = ("customer", "assignee", "system")

# dashboard groups, in display order
GROUPS = ("waiting", "in_process", "approved", "rejected", "cancelled")


def actionable_states(rules: Rules, roles: Iterable[str]) -> dict[str, dict[str, set[str]]]:
    """workflow key → {"role": states where one of ``roles`` acts, "assignee": states where the
    assigned user acts}."""
    roles = set(roles) - set(BUILTIN)
    result: dict[str, dict[str, set[str]]] = {}
    for key, workflow in rules.workflows():
        by_role: set[str] = set()
        by_assignee: set[str] = set()
        for transition in workflow.get("transitions", []):
            by = set(transition.get("by", []))
            if by & roles:
                by_role |= set(transition["from"])
            if "assignee" in by:
                by_assignee |= set(transition["from"])
        result[key] = {"role": by_role, "assignee": by_assignee}
    return result


def state_groups(workflow: Mapping) -> dict[str, str]:
    """state → dashboard group. "waiting" (menunggu verifikasi) are the working states an
    application enters when it lands on the office's desk: the initial state or one the customer
    moves it into; the other non-final states are "in_process"."""
    entry = {workflow.get("initial")}
    for transition in workflow.get("transitions", []):
        if "customer" in transition.get("by", []):
            entry.add(transition["to"])
    groups = {}
    for key, state in (workflow.get("states") or {}).items():
        kind = state.get("kind", "working")
        if kind == "final_success":
            groups[key] = "approved"
        elif kind == "final_rejected":
            groups[key] = "rejected"
        elif kind == "final_cancelled":
            groups[key] = "cancelled"
        elif kind == "working" and key in entry:
            groups[key] = "waiting"
        else:
            groups[key] = "in_process"
    return groups


def group_counts(rows: Iterable[tuple[str, str, int]], workflows_of: Mapping[str, Mapping]) -> dict[str, dict]:
    """``rows``: (service key, state, count); ``workflows_of``: service key → workflow spec.
    Returns service key → {group: n, "completed": finals, "total": n}."""
    result: dict[str, dict] = {}
    for service, state, count in rows:
        workflow = workflows_of.get(service)
        if workflow is None:
            continue
        counters = result.setdefault(service, {g: 0 for g in GROUPS} | {"completed": 0, "total": 0})
        group = state_groups(workflow).get(state, "in_process")
        counters[group] += count
        if group in ("approved", "rejected", "cancelled"):
            counters["completed"] += count
        counters["total"] += count
    return result


def average_durations(events: Iterable[tuple[int, str, object]]) -> dict[str, tuple[float, int]]:
    """``events``: (application id, to_state, at) ordered by application then time. Time spent in
    a state = next event's time − this one's; the current (unfinished) stay is not counted.
    Returns state → (average seconds, number of stays)."""
    sums: dict[str, float] = {}
    counts: dict[str, int] = {}
    previous = None
    for app_id, state, at in events:
        if previous is not None and previous[0] == app_id:
            seconds = (at - previous[2]).total_seconds()
            sums[previous[1]] = sums.get(previous[1], 0.0) + seconds
            counts[previous[1]] = counts.get(previous[1], 0) + 1
        previous = (app_id, state, at)
    return {state: (sums[state] / counts[state], counts[state]) for state in sums}
