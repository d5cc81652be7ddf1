"""What the staff application page shows of its work rows (``work_items`` in the rules) and which
row steps the signed-in user may take. The desk's page and the row screens both use it, so
desk.py and work_items.py need not import each other."""
from __future__ import annotations

from flask import g
from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, TextAreaField

from app.commands.work_items import work_items_spec
from app.security.access import workflow_roles
from app.workflow.fields import label_text
from app.workflow.work_items import STATUS_LABELS, step_allowed
from models import Application
from views.backoffice.common import rules_of, text

STEP_BUTTONS = {"verify": _l("Verifikasi"), "validate": _l("Validasi")}


class RowStepForm(FlaskForm):
    """CSRF and the row's version for the one-click steps and the return form."""
    version = HiddenField()
    note = TextAreaField(_l("Yang perlu diperbaiki"))


def acting_roles(application: Application):
    return workflow_roles(application, g.user, rules_of(application).role_keys())


def user_display(user) -> str:
    return f"{user.first_name} {user.last_name}".strip() + f" ({user.username})" if user else "-"


def cell_text(spec: dict, value) -> str:
    """A row value as shown on screens and documents: select options by their label."""
    if value in (None, ""):
        return "-"
    if spec.get("type") == "select":
        for option in spec.get("options", []):
            if str(option.get("value")) == str(value):
                return label_text(option.get("label"))
    return str(value)


def rows_context(application: Application) -> dict | None:
    """What the application page shows of the rows, and which steps the signed-in user may take."""
    spec = work_items_spec(application)
    if spec is None:
        return None
    roles = acting_roles(application)
    columns = [c for c in spec.get("columns", []) if c.get("type") != "file"]
    file_columns = [c for c in spec.get("columns", []) if c.get("type") == "file"]
    files_by_id = {f.id: f for f in application.files}
    rows = []
    for row in application.work_items:
        mine = row.assignee_id == g.user.id

        def allowed(step, row=row, mine=mine):
            return step_allowed(spec, step, state=application.state, roles=roles, row_status=row.status,
                                is_row_assignee=mine)
        rows.append({
            "row": row, "assignee": user_display(row.assignee) if row.assignee_id else "-", "mine": mine,
            "status": _(STATUS_LABELS.get(row.status, row.status)),
            "cells": [cell_text(c, (row.values or {}).get(c["key"])) for c in columns],
            "files": [files_by_id[i] for c in file_columns for i in (row.files or {}).get(c["key"], [])
                      if i in files_by_id],
            "can_enter": allowed("enter"), "can_return": allowed("return"),
            "steps": [(step, STEP_BUTTONS[step]) for step in ("verify", "validate") if allowed(step)],
        })
    can_assign = any(step_allowed(spec, "assign", state=application.state, roles=roles, row_status=r.status,
                                  is_row_assignee=False) for r in application.work_items) or (
        not application.work_items and application.cart_lines
        and step_allowed(spec, "assign", state=application.state, roles=roles, row_status="new",
                         is_row_assignee=False))
    return {"label": text(spec.get("label")), "columns": [text(c.get("label")) for c in columns],
            "rows": rows, "can_assign": can_assign, "step_form": RowStepForm()}
