"""The order in which a citizen lives a workflow, for "Alur layanan": the main path from the initial
state to success first, then the branches (revision, suspension, rejection…), each with the state it
leaves from. Plain Python over the rules' workflow mapping."""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True)
class ProcedureStep:
    key: str
    kind: str
    branch: bool = False
    branches_from: str | None = None   # the state this branch is reached from


def _edges(workflow: dict) -> list[tuple[str, str, dict]]:
    """(from, to, transition) in declaration order, without loops on one state."""
    return [(source, transition["to"], transition) for transition in workflow.get("transitions") or []
            for source in transition.get("from") or [] if source != transition["to"]]


def main_path(workflow: dict) -> list[str]:
    """The longest path of forward transitions (to a state declared later) from the initial state
    to a success state; ties go to the transition declared first. Longest rather than shortest, so
    a shortcut such as a "Rp 0" confirmation that skips payment does not hide the payment steps the
    usual applicant goes through. Timer-only transitions (by ``system``) are not part of it."""
    states = list(workflow.get("states") or {})
    index = {key: i for i, key in enumerate(states)}
    kinds = {key: (spec or {}).get("kind", "working") for key, spec in (workflow.get("states") or {}).items()}
    forward: dict[str, list[str]] = {key: [] for key in states}
    for source, target, transition in _edges(workflow):
        if source in index and target in index and index[target] > index[source] \
                and set(transition.get("by") or []) != {"system"} and target not in forward[source]:
            forward[source].append(target)
    best: dict[str, int] = {}
    following: dict[str, str] = {}
    for key in reversed(states):          # forward edges point later: a reverse sweep is topological
        if kinds[key] == "final_success":
            best[key] = 0
            continue
        for target in forward[key]:
            if target in best and best[target] + 1 > best.get(key, -1):
                best[key], following[key] = best[target] + 1, target
    initial = workflow.get("initial")
    if initial not in best:
        return _shortest_path(workflow)
    path = [initial]
    while path[-1] in following:
        path.append(following[path[-1]])
    return path


def _shortest_path(workflow: dict) -> list[str]:
    """Breadth-first from the initial state to the nearest success state (any transitions)."""
    kinds = {key: (spec or {}).get("kind") for key, spec in (workflow.get("states") or {}).items()}
    initial = workflow.get("initial")
    parent: dict[str, str | None] = {initial: None}
    queue = deque([initial])
    edges = _edges(workflow)
    while queue:
        state = queue.popleft()
        if kinds.get(state) == "final_success":
            path = [state]
            while parent[path[-1]] is not None:
                path.append(parent[path[-1]])
            return path[::-1]
        for source, target, _ in edges:
            if source == state and target not in parent:
                parent[target] = state
                queue.append(target)
    return [initial] if initial in kinds else []


def procedure_steps(workflow: dict) -> list[ProcedureStep]:
    """Every state once: the main path in order, then the branches in the order they are reached
    from it (breadth-first), ending states after the others."""
    states = workflow.get("states") or {}
    kinds = {key: (spec or {}).get("kind", "working") for key, spec in states.items()}
    path = main_path(workflow)
    steps = [ProcedureStep(key, kinds.get(key, "working")) for key in path]
    origin: dict[str, str | None] = {key: None for key in path}
    queue = deque(path)
    reached: list[str] = []
    edges = _edges(workflow)
    while queue:
        state = queue.popleft()
        for source, target, _ in edges:
            if source == state and target not in origin:
                origin[target] = state
                reached.append(target)
                queue.append(target)
    reached += [key for key in states if key not in origin]
    branches = [key for key in reached if not kinds.get(key, "").startswith("final")] + \
               [key for key in reached if kinds.get(key, "").startswith("final")]
    steps += [ProcedureStep(key, kinds.get(key, "working"), branch=True, branches_from=origin.get(key))
              for key in branches]
    return steps
