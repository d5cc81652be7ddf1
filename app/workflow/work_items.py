"""Work rows (``work_items`` in the rules): the per-row statuses and which step may act on a row.

Plain Python like the engine: the command asks ``step_allowed`` and ``next_status``; the guard
``work_items_done`` asks ``pending_rows``.
"""
from __future__ import annotations

from typing import Iterable, Mapping

from app.workflow.errors import N_

# assigned → entered → verified → validated; "returned" goes back to the row's assignee.
RANK = {"new": 0, "assigned": 1, "returned": 1, "entered": 2, "verified": 3, "validated": 4}
STEP_RANK = {"assign": 1, "enter": 2, "verify": 3, "validate": 4}
PENDING_MESSAGES = {"assign": N_("%(pending)s dari %(total)s baris belum ditugaskan."),
                    "enter": N_("%(pending)s dari %(total)s baris belum diisi hasilnya."),
                    "verify": N_("%(pending)s dari %(total)s baris belum diverifikasi."),
                    "validate": N_("%(pending)s dari %(total)s baris belum divalidasi.")}
STATUS_LABELS = {"new": N_("Belum ditugaskan"), "assigned": N_("Ditugaskan"), "returned": N_("Dikembalikan"),
                 "entered": N_("Hasil diisi"), "verified": N_("Diverifikasi"), "validated": N_("Divalidasi")}
# which row statuses each step acts on, and what the row becomes
FROM_STATUSES = {"assign": ("new", "assigned", "returned"), "enter": ("assigned", "returned", "entered"),
                 "verify": ("entered",), "validate": ("verified",), "return": ("entered", "verified")}
TO_STATUS = {"assign": "assigned", "enter": "entered", "verify": "verified", "validate": "validated",
             "return": "returned"}


def pending_rows(statuses: Iterable[str], step: str) -> int:
    """How many rows have not yet reached ``step``."""
    need = STEP_RANK[step]
    return sum(1 for status in statuses if RANK.get(status, 0) < need)


def step_roles(spec: Mapping, step: str) -> set[str]:
    """The roles a step names (``return`` is open to whoever verifies or validates)."""
    if step == "return":
        return step_roles(spec, "verify") | step_roles(spec, "validate")
    by = (spec.get(step) or {}).get("by") or ()
    return {by} if isinstance(by, str) else set(by)


def step_states(spec: Mapping, step: str) -> set[str]:
    if step == "return":
        return step_states(spec, "verify") | step_states(spec, "validate")
    states = (spec.get(step) or {}).get("states") or ()
    return {states} if isinstance(states, str) else set(states)


def step_allowed(spec: Mapping, step: str, *, state: str, roles: Iterable[str], row_status: str,
                 is_row_assignee: bool) -> bool:
    """May someone with ``roles`` (workflow roles on the application) take ``step`` on a row?"""
    if step not in TO_STATUS or (step != "return" and step not in spec) or state not in step_states(spec, step):
        return False
    if row_status not in FROM_STATUSES[step]:
        return False
    allowed = step_roles(spec, step)
    if step == "enter":
        return is_row_assignee and "row_assignee" in allowed
    if step == "return":
        # a verifier returns an entered row; a validator a verified one (or an entered one)
        verify, validate = step_roles(spec, "verify"), step_roles(spec, "validate")
        if row_status == "entered":
            return bool((verify | validate) & set(roles))
        return bool(validate & set(roles))
    return bool(allowed & set(roles))
