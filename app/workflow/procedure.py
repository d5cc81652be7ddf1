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


@dataclass(frozen=True)
class StepAhead:
    """A step of the main path not done yet: the one being worked on now (``current``) or a later one."""
    state: str
    label: str
    current: bool = False


def _path_transition(workflow: dict, source: str, target: str) -> dict | None:
    for transition in workflow.get("transitions") or []:
        if source in (transition.get("from") or []) and transition.get("to") == target \
                and set(transition.get("by") or []) != {"system"}:
            return transition
    return None


def steps_ahead(workflow: dict, state: str, visited: list[str] | tuple[str, ...] = (),
                language: str = "id") -> list[StepAhead]:
    """What is left of the main path for an application in ``state``, as the customer's timeline
    shows it (the MELASTI manual's "On going" and the steps after it): each step named by the
    transition that completes it (its ``timeline`` text, else its label), then the success state's
    label. Empty once the application has ended. Off the main path (a revision), the steps resume
    from the last main-path state ``visited``."""
    from app.workflow.fields import label_text

    states = workflow.get("states") or {}
    if (states.get(state) or {}).get("kind", "working").startswith("final"):
        return []
    path = main_path(workflow)
    if state in path:
        start = path.index(state)
    else:
        seen = [path.index(key) for key in visited if key in path]
        start = max(seen) if seen else 0
    steps: list[StepAhead] = []
    for source, target in zip(path[start:], path[start + 1:]):
        transition = _path_transition(workflow, source, target) or {}
        label = label_text(transition.get("timeline") or transition.get("label"), language) \
            or label_text((states.get(target) or {}).get("label"), language) or target
        steps.append(StepAhead(source, label))
    end = path[-1] if path else None
    if end and (states.get(end) or {}).get("kind") == "final_success":
        label = label_text(states[end].get("label"), language)
        if label and (not steps or steps[-1].label != label):
            steps.append(StepAhead(end, label))
    if steps and state in path:
        steps[0] = StepAhead(steps[0].state, steps[0].label, current=True)
    elif state not in path:
        # the application waits off the main path (e.g. a revision): that wait is what happens now
        steps.insert(0, StepAhead(state, label_text((states.get(state) or {}).get("label"), language) or state,
                                  current=True))
    return steps
