"""Charts and workflow diagrams drawn as inline SVG on the server: no external service, no script."""
from __future__ import annotations

from collections import deque
from html import escape
from typing import Mapping, Sequence

from app.core.errors import N_, translate

PALETTE = ("#337ab7", "#f0ad4e", "#5cb85c", "#d9534f", "#777777", "#5bc0de", "#8e44ad")


def bar_chart(rows: Sequence[tuple[str, Sequence[float]]], series: Sequence[str], *,
              width: int = 720, bar_height: int = 18, title: str = "", unit: str = "") -> str:
    """Horizontal grouped-stacked bars: one row per label, one stacked segment per series."""
    label_width = 230
    top = 30 if title else 8
    legend = 24
    height = top + len(rows) * (bar_height + 10) + legend + 10
    largest = max([sum(values) for _, values in rows] + [1])
    scale = (width - label_width - 60) / largest
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="100%" viewBox="0 0 {width} {height}" '
             f'role="img" aria-label="{escape(title)}" style="font-family:Helvetica,Arial,sans-serif;font-size:12px">']
    if title:
        parts.append(f'<text x="0" y="16" font-weight="bold" font-size="14">{escape(title)}</text>')
    y = top
    for label, values in rows:
        short = label if len(label) <= 34 else label[:33] + "…"
        parts.append(f'<text x="{label_width - 6}" y="{y + bar_height - 5}" text-anchor="end">'
                     f'<title>{escape(label)}</title>{escape(short)}</text>')
        x = float(label_width)
        for index, value in enumerate(values):
            if value <= 0:
                continue
            w = value * scale
            parts.append(f'<rect x="{x:.1f}" y="{y}" width="{max(w, 1):.1f}" height="{bar_height}" '
                         f'fill="{PALETTE[index % len(PALETTE)]}"><title>{escape(series[index])}: '
                         f'{_num(value)}{unit}</title></rect>')
            x += w
        parts.append(f'<text x="{x + 4:.1f}" y="{y + bar_height - 5}">{_num(sum(values))}{escape(unit)}</text>')
        y += bar_height + 10
    x = float(label_width)
    for index, name in enumerate(series):
        parts.append(f'<rect x="{x:.0f}" y="{y + 4}" width="12" height="12" fill="{PALETTE[index % len(PALETTE)]}"/>'
                     f'<text x="{x + 16:.0f}" y="{y + 14}">{escape(name)}</text>')
        x += 24 + 7 * len(name)
    parts.append("</svg>")
    return "".join(parts)


def _num(value: float) -> str:
    return f"{value:,.0f}".replace(",", ".") if float(value).is_integer() else f"{value:,.1f}".replace(",", "X").replace(".", ",").replace("X", ".")


KIND_COLOURS = {"working": ("#d9edf7", "#31708f"), "waiting_customer": ("#fcf8e3", "#8a6d3b"),
                "final_success": ("#dff0d8", "#3c763d"), "final_rejected": ("#f2dede", "#a94442"),
                "final_cancelled": ("#eeeeee", "#555555")}


def _label(value) -> str:
    from app.rules.labels import rules_label
    return rules_label(value)


def _wrap(text: str, width: int = 22) -> list[str]:
    """At most three lines, for the fixed-size boxes of the server-drawn SVG."""
    return _wrap_all(text, width)[:3]


def workflow_layers(workflow: Mapping) -> dict[str, int]:
    """Column of each state: its shortest distance from the initial state (unreachable: last)."""
    depth = {workflow["initial"]: 0}
    queue = deque([workflow["initial"]])
    while queue:
        state = queue.popleft()
        for transition in workflow.get("transitions", []):
            if state in transition["from"] and transition["to"] not in depth:
                depth[transition["to"]] = depth[state] + 1
                queue.append(transition["to"])
    last = max(depth.values(), default=0) + 1
    for state in workflow.get("states", {}):
        depth.setdefault(state, last)
    return depth


def workflow_diagram(workflow: Mapping, roles: Mapping | None = None, *, highlight: str | None = None) -> str:
    """States as boxes in rows (distance from the initial state, top to bottom), transitions as
    arrows labelled with the action; hovering an arrow tells who performs it."""
    roles = roles or {}
    depth = workflow_layers(workflow)
    layers: dict[int, list[str]] = {}
    for state in workflow.get("states", {}):
        layers.setdefault(depth[state], []).append(state)
    box_w, box_h, gap_x, gap_y, margin, side = 190, 56, 70, 70, 20, 260
    widest = max(len(states) for states in layers.values())
    inner = widest * (box_w + gap_x) - gap_x
    pos = {}
    for layer, states in layers.items():
        row_width = len(states) * (box_w + gap_x) - gap_x
        for index, state in enumerate(states):
            pos[state] = (margin + (inner - row_width) / 2 + index * (box_w + gap_x),
                          margin + layer * (box_h + gap_y))
    width = margin * 2 + inner + side
    height = margin * 2 + (max(layers) + 1) * (box_h + gap_y)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="workflow-diagram" width="{width:.0f}" '
             f'height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}" '
             'style="font-family:Helvetica,Arial,sans-serif;font-size:11px;max-width:100%;height:auto">',
             '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
             'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>']
    edges = []
    for transition in workflow.get("transitions", []):
        who = ", ".join(_role_label(r, roles) for r in transition.get("by", []))
        for source in transition["from"]:
            edges.append((source, transition["to"], _label(transition.get("label")), who))
    outgoing: dict[str, list[int]] = {}
    for number, (source, *_rest) in enumerate(edges):
        outgoing.setdefault(source, []).append(number)
    back = 0
    for number, (source, target, label, who) in enumerate(edges):
        siblings = outgoing[source]
        slot = (siblings.index(number) + 1) / (len(siblings) + 1)
        forward = depth[target] > depth[source]
        parts.append(_edge(pos[source], pos[target], box_w, box_h, label, who, slot, forward,
                           margin + inner + 30 + (back % 6) * 30, source == target))
        if not forward and source != target:
            back += 1
    for state, spec in workflow.get("states", {}).items():
        x, y = pos[state]
        fill, stroke = KIND_COLOURS.get(spec.get("kind", "working"), KIND_COLOURS["working"])
        thick = 3 if state == highlight or state == workflow["initial"] else 1.5
        parts.append(f'<g><title>{escape(state)}</title><rect x="{x:.0f}" y="{y:.0f}" rx="8" width="{box_w}" '
                     f'height="{box_h}" fill="{fill}" stroke="{stroke}" stroke-width="{thick}"/>')
        lines = _wrap(_label(spec.get("staff_label") or spec.get("label") or state), 28)
        start = y + box_h / 2 - (len(lines) - 1) * 6.5 + 4 - (5 if spec.get("sla") else 0)
        for index, line in enumerate(lines):
            parts.append(f'<text x="{x + box_w / 2:.0f}" y="{start + index * 13:.0f}" text-anchor="middle" '
                         f'fill="{stroke}" font-weight="bold">{escape(line)}</text>')
        if spec.get("sla"):
            unit, value = next(iter(spec["sla"].items()))
            parts.append(f'<text x="{x + box_w / 2:.0f}" y="{y + box_h - 5:.0f}" text-anchor="middle" font-size="9" '
                         f'fill="{stroke}">SLA {value} {translate(SLA_UNITS.get(unit, unit))}</text>')
        parts.append("</g>")
    parts.append("</svg>")
    return "".join(parts)


SLA_UNITS = {"working_days": N_("hari kerja"), "days": N_("hari"), "hours": N_("jam"), "minutes": N_("menit")}
BUILTIN_ROLES = {"customer": N_("Pemohon"), "assignee": N_("Petugas ditunjuk"), "system": N_("Sistem")}


def _role_label(role: str, roles: Mapping) -> str:
    if role in BUILTIN_ROLES:
        return translate(BUILTIN_ROLES[role])
    return _label((roles.get(role) or {}).get("label")) or role


def _edge(a, b, box_w, box_h, label, who, slot, forward, lane_x, loop) -> str:
    (ax, ay), (bx, by) = a, b
    if loop:  # the action keeps the state
        x, y = ax + box_w, ay + box_h / 2
        path = f"M{x},{y - 8} C{x + 40},{y - 30} {x + 40},{y + 30} {x},{y + 8}"
        tx, ty, anchor = x + 36, y + 4, "start"
    elif forward:
        x1, y1 = ax + box_w * slot, ay + box_h
        x2, y2 = bx + box_w / 2, by
        path = f"M{x1:.0f},{y1:.0f} C{x1:.0f},{y1 + 40:.0f} {x2:.0f},{y2 - 40:.0f} {x2:.0f},{y2:.0f}"
        tx, ty, anchor = (x1 + x2) / 2 + 4, (y1 + y2) / 2 + 4, "start"
    else:  # back to an earlier (or the same) row: around the right-hand side
        x1, y1 = ax + box_w, ay + box_h * (0.3 + 0.4 * slot)
        x2, y2 = bx + box_w, by + box_h / 2
        path = f"M{x1:.0f},{y1:.0f} C{lane_x:.0f},{y1:.0f} {lane_x:.0f},{y2:.0f} {x2:.0f},{y2:.0f}"
        tx, ty, anchor = lane_x - 6, (y1 + y2) / 2, "start"
    text = escape(label if len(label) <= 30 else label[:29] + "…")
    return (f'<g><title>{escape(label)} — {escape(who)}</title>'
            f'<path d="{path}" fill="none" stroke="#888" stroke-width="1.2" marker-end="url(#arrow)"/>'
            f'<text x="{tx:.0f}" y="{ty:.0f}" text-anchor="{anchor}" fill="#333" font-size="10" '
            f'paint-order="stroke" stroke="#fff" stroke-width="3">{text}</text></g>')


def workflow_graph(workflow: Mapping, roles: Mapping | None = None) -> dict:
    """The workflow as data for the browser's layout engine (static/backoffice/workflow-diagram.js,
    vendored elkjs): every state with its full label (wrapped, never cut), every transition edge with
    its action label and who performs it. ``workflow_diagram`` stays the fallback without JavaScript."""
    roles = roles or {}
    states = workflow.get("states", {})
    nodes = []
    for state, spec in states.items():
        sla = None
        if spec.get("sla"):
            unit, value = next(iter(spec["sla"].items()))
            sla = f"SLA {value} {translate(SLA_UNITS.get(unit, unit))}"
        nodes.append({"id": state, "lines": _wrap_all(_label(spec.get("staff_label") or spec.get("label") or state), 26),
                      "kind": spec.get("kind", "working"), "initial": state == workflow.get("initial"), "sla": sla,
                      "colours": KIND_COLOURS.get(spec.get("kind", "working"), KIND_COLOURS["working"])})
    edges = []
    for transition in workflow.get("transitions", []):
        who = ", ".join(_role_label(r, roles) for r in transition.get("by", []))
        for source in transition["from"]:
            if source in states and transition["to"] in states:
                edges.append({"id": f"e{len(edges)}", "source": source, "target": transition["to"],
                              "lines": _wrap_all(_label(transition.get("label")) or transition["action"], 24),
                              "who": who})
    return {"nodes": nodes, "edges": edges}


def _wrap_all(text: str, width: int) -> list[str]:
    """Like ``_wrap`` but keeps every line: a box grows instead of cutting its text."""
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    if line:
        lines.append(line)
    return lines or [""]
