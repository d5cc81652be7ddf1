"""Plausible values for any form the rules define: used by the demo loader and the workflow tests
to drive every seed workflow without knowing it in advance."""
from __future__ import annotations

import secrets
from collections import deque
from datetime import date, datetime, timedelta
from typing import Iterable

from app.workflow.guards import guard_name_and_args

# Minimal but real files: the platform parses uploads (pikepdf, Pillow), so they must be valid
SAMPLE_PDF = (b"%PDF-1.3\n1 0 obj\n<< /Pages 2 0 R /Type /Catalog >>\nendobj\n2 0 obj\n"
              b"<< /Count 1 /Kids [ 3 0 R ] /Type /Pages >>\nendobj\n3 0 obj\n"
              b"<< /Contents 4 0 R /MediaBox [ 0 0 595 842 ] /Parent 2 0 R /Resources << >> /Type /Page >>\n"
              b"endobj\n4 0 obj\n<< /Length 0 >>\nstream\n\nendstream\nendobj\nxref\n0 5\n"
              b"0000000000 65535 f \n0000000009 00000 n \n0000000058 00000 n \n0000000117 00000 n \n"
              b"0000000223 00000 n \ntrailer << /Root 1 0 R /Size 5 >>\nstartxref\n272\n%%EOF\n")
SAMPLE_PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS"
              b"\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\r\xefF\xb8\x00\x00\x00\x00IEND"
              b"\xaeB`\x82")


def _sample_jpeg() -> bytes:
    from io import BytesIO

    from PIL import Image

    out = BytesIO()
    Image.new("RGB", (8, 8), (255, 255, 255)).save(out, "JPEG")
    return out.getvalue()


SAMPLE_JPG = _sample_jpeg()
SAMPLE_FILES = {"pdf": (SAMPLE_PDF, "dokumen.pdf"), "png": (SAMPLE_PNG, "foto.png"),
                "jpg": (SAMPLE_JPG, "foto.jpg"), "jpeg": (SAMPLE_JPG, "foto.jpg")}
DEMO_PASSPHRASE = "Demo12345"


def sample_file(types: Iterable[str] | None) -> tuple[bytes, str]:
    for kind in list(types or []) or ["pdf"]:
        if kind in SAMPLE_FILES:
            return SAMPLE_FILES[kind]
    return SAMPLE_FILES["pdf"]


def sample_nik(serial: int = 1) -> str:
    return f"6472011505900{serial % 1000:03d}"


def sample_value(spec: dict, *, candidates: dict[str, list[int]] | None = None,
                 offered_slots: list[int] | None = None, bank_accounts: list[str] | None = None,
                 today: date | None = None):
    today = today or date.today()
    kind = spec.get("type", "text")
    if kind in ("text", "textarea"):
        from app.workflow.fields import label_text
        label = label_text(spec.get("label")) or spec["key"]
        text = f"Contoh {label}" if kind == "text" else f"Keterangan contoh untuk {label}."
        return text[: int(spec.get("max_length") or 200)]
    if kind in ("number", "integer"):
        return spec.get("min", 1) or 1
    if kind == "money":
        return max(int(spec.get("min", 0) or 0), 150000)
    if kind == "date":
        return today.isoformat()
    if kind == "datetime":
        return datetime.combine(today, datetime.min.time()).replace(hour=9).isoformat()
    if kind == "select":
        options = spec.get("options") or []
        return options[0]["value"] if options else ""
    if kind == "checkbox":
        return True
    if kind == "email":
        return "contoh@example.test"
    if kind == "phone":
        return "081234567890"
    if kind == "nik":
        return sample_nik()
    if kind == "npwp":
        return "0012345678901000"
    if kind == "ntpn":
        return "".join(secrets.choice("0123456789ABCDEF") for _ in range(16))
    if kind == "billing_code":
        return "82" + "".join(secrets.choice("0123456789") for _ in range(13))
    if kind == "coordinates":
        return {"lat": -0.5022, "lng": 117.1536}
    if kind == "assignee":
        ids = (candidates or {}).get(spec.get("role"), [])
        return ids[0] if ids else None
    if kind == "slots":
        start = datetime.combine(today + timedelta(days=3), datetime.min.time()).replace(hour=9)
        return [{"start": start.isoformat(), "end": (start + timedelta(hours=2)).isoformat(),
                 "location": "Kantor UPTD"},
                {"start": (start + timedelta(days=1)).isoformat(),
                 "end": (start + timedelta(days=1, hours=2)).isoformat(), "location": "Kantor UPTD"}]
    if kind == "slot":
        return (offered_slots or [None])[0]
    if kind == "bank_account":
        return (bank_accounts or [None])[0]
    if kind == "passphrase":
        return DEMO_PASSPHRASE
    if kind == "group":   # a repeatable group (issue 13): as many sample rows as it needs, at least one
        return [{sub["key"]: sample_value(sub, today=today) for sub in spec.get("fields") or []}
                for _row in range(max(spec.get("min_items") or 0, 1))]
    return None


def fill_form(form: list[dict], *, overrides: dict | None = None, **context) -> tuple[dict, dict]:
    """(fields, files) for a form: every field filled, files as (bytes, filename)."""
    fields, files = {}, {}
    for spec in form:
        if overrides and spec["key"] in overrides:
            fields[spec["key"]] = overrides[spec["key"]]
        elif spec.get("type") == "file":
            files[spec["key"]] = sample_file(spec.get("types"))
        else:
            value = sample_value(spec, **context)
            if value is not None:
                fields[spec["key"]] = value
    return fields, files


def required_field_values(workflow: dict, path: list[dict]) -> dict:
    """Application field values that the guards along ``path`` expect (field_equals / field_in)."""
    values = {}
    for transition in path:
        for guard in transition.get("guards") or []:
            name, args = guard_name_and_args(guard)
            if name == "field_equals":
                values[args["field"]] = args["value"]
            elif name == "field_in":
                values[args["field"]] = args["values"][0]
    return values


def path_to(workflow: dict, target_state: str, *, avoid_final: bool = True) -> list[dict] | None:
    """The shortest list of transitions from ``initial`` to ``target_state`` (breadth first)."""
    initial = workflow["initial"]
    if target_state == initial:
        return []
    seen = {initial}
    queue = deque([(initial, [])])
    while queue:
        state, path = queue.popleft()
        for transition in workflow["transitions"]:
            if state not in transition["from"] or "system" == transition["by"]:
                continue
            nxt = transition["to"]
            if nxt in seen:
                continue
            new_path = path + [transition]
            if nxt == target_state:
                return new_path
            kind = workflow.get("states")[nxt].get("kind") or "working"
            if avoid_final and kind.startswith("final"):
                continue
            seen.add(nxt)
            queue.append((nxt, new_path))
    return None


def happy_path(workflow: dict) -> list[dict]:
    """The longest way to a final_success state that visits no state twice: the demo shows the
    most steps (BMKG's paid path rather than its zero-tariff shortcut)."""
    states = workflow.get("states")
    best: list[dict] = []

    def walk(state: str, path: list[dict], seen: set[str]) -> None:
        nonlocal best
        if states[state].get("kind") == "final_success":
            if len(path) > len(best):
                best = list(path)
            return
        for transition in workflow["transitions"]:
            nxt = transition["to"]
            if state in transition["from"] and transition["by"] != ["system"] and nxt not in seen:
                seen.add(nxt)
                path.append(transition)
                walk(nxt, path, seen)
                path.pop()
                seen.discard(nxt)

    walk(workflow["initial"], [], {workflow["initial"]})
    return best
