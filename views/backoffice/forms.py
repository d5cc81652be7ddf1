"""WTForms generated from a transition's form spec in the rules (CSRF by Flask-WTF).

The form only renders and carries values; the rules engine (via the transition command) is the
one that validates them, and its field errors are put back on these fields.
"""
from __future__ import annotations

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (BooleanField, FileField, HiddenField, PasswordField, SelectField, StringField,
                     TextAreaField)
from wtforms.validators import Optional as OptionalValidator

from app.security.access import users_with_role
from app.storage.files import TYPE_LABELS, normalise_types
from app.core.formatting import format_datetime
from models import Application
from views.backoffice.common import text

SLOT_ROWS = 5


class TransitionFormBase(FlaskForm):
    version = HiddenField()
    idempotency_key = HiddenField()


class MessageForm(FlaskForm):
    body = TextAreaField("Pesan")


class ComplaintReplyForm(FlaskForm):
    reply = TextAreaField(_l("Jawaban"))
    status = SelectField(_l("Status"), choices=[("baru", _l("Baru")), ("diproses", _l("Diproses")),
                                                ("selesai", _l("Selesai"))])


class RulesUploadForm(FlaskForm):
    rules_file = FileField(_l("Berkas aturan (YAML)"))


def _help(spec: dict) -> str:
    parts = [text(spec.get("help"))] if spec.get("help") else []
    if spec.get("type") == "file":
        types = ", ".join(TYPE_LABELS.get(t, t.upper()) for t in sorted(normalise_types(spec.get("types") or ["pdf", "jpg", "png"])))
        parts.append(gettext("Jenis berkas: %(types)s; maks. %(mb)s MB.", types=types, mb=spec.get("max_mb", 20)))
    if spec.get("type") == "money":
        parts.append(gettext("Rupiah, tanpa titik atau koma."))
    if spec.get("type") == "passphrase":
        parts.append(gettext("Passphrase sertifikat elektronik Anda; tidak disimpan."))
    return " ".join(parts)


def build_transition_form(application: Application, form_spec: list[dict], formdata=None):
    """A form class for this transition's fields, instantiated on ``formdata`` (None: the request)."""

    class TransitionForm(TransitionFormBase):
        pass

    extras: dict[str, dict] = {}
    for spec in form_spec:
        key, kind = spec["key"], spec.get("type", "text")
        label = text(spec.get("label")) or key
        kw = {"label": label, "description": _help(spec), "validators": [OptionalValidator()]}
        if kind == "textarea":
            field = TextAreaField(**kw, render_kw={"rows": 3})
        elif kind in ("number", "integer", "money"):
            field = StringField(**kw, render_kw={"inputmode": "numeric"})
        elif kind == "billing_code":
            field = StringField(**kw, render_kw={"inputmode": "numeric", "maxlength": 24, "autocomplete": "off"})
        elif kind == "ntpn":
            field = StringField(**kw, render_kw={"maxlength": 24, "autocomplete": "off",
                                                 "style": "text-transform: uppercase"})
        elif kind == "date":
            field = StringField(**kw, render_kw={"type": "date"})
        elif kind == "datetime":
            field = StringField(**kw, render_kw={"type": "datetime-local"})
        elif kind == "select":
            field = SelectField(**kw, choices=[("", "— pilih —")] + [
                (str(o["value"]), text(o.get("label")) or str(o["value"])) for o in spec.get("options", [])])
        elif kind == "checkbox":
            field = BooleanField(**kw)
        elif kind == "file":
            accept = ",".join("." + t for t in sorted(normalise_types(spec.get("types") or ["pdf", "jpg", "png"])))
            field = FileField(**kw, render_kw={"accept": accept})
        elif kind == "assignee":
            users = users_with_role(spec.get("role", ""), application.agency_id, application.service_type_id)
            field = SelectField(**kw, choices=[("", "— pilih petugas —")] + [
                (str(u.id), f"{u.first_name} {u.last_name}".strip() + f" ({u.username})") for u in users])
        elif kind == "bank_account":
            accounts = [a for a in application.agency.bank_accounts if a.active]
            field = SelectField(**kw, choices=[("", "— pilih rekening —")] + [(a.key, repr(a)) for a in accounts])
        elif kind == "slot":
            field = SelectField(**kw, choices=[("", "— pilih jadwal —")] + [
                (str(s.id), format_datetime(s.starts_at, application.agency) + (f" — {s.location}" if s.location else ""))
                for s in application.slots if s.status == "offered"])
        elif kind == "passphrase":
            field = PasswordField(**kw, render_kw={"autocomplete": "off"})
        elif kind == "slots":
            field = HiddenField(**kw)  # rendered as a small table of rows: <key>-<n>-start / -end / -location
            extras[key] = {"rows": SLOT_ROWS}
        else:
            field = StringField(**kw)
        setattr(TransitionForm, key, field)
    form = TransitionForm(formdata=formdata) if formdata is not None else TransitionForm()
    form.spec = form_spec
    form.slot_rows = extras
    return form


def collect_values(form_spec: list[dict], form: dict, files) -> tuple[dict, dict]:
    """The transition command's ``fields`` and ``files`` from a submitted form."""
    from app.storage.files import IncomingFile

    fields, uploads = {}, {}
    for spec in form_spec:
        key, kind = spec["key"], spec.get("type", "text")
        if kind == "file":
            storage = files.get(key)
            if storage is not None and storage.filename:
                uploads[key] = IncomingFile.from_storage(storage)
        elif kind == "checkbox":
            fields[key] = form.get(key) in ("y", "on", "1", "true")
        elif kind == "slots":
            slots = []
            for n in range(SLOT_ROWS):
                start = form.get(f"{key}-{n}-start", "").strip()
                end = form.get(f"{key}-{n}-end", "").strip()
                location = form.get(f"{key}-{n}-location", "").strip()
                if start or end or location:
                    slots.append({"start": start, "end": end, "location": location})
            fields[key] = slots
        elif kind == "passphrase":
            if form.get(key):
                fields[key] = form.get(key)
        elif kind in ("number", "integer", "money"):
            value = form.get(key, "").strip()
            if value:
                fields[key] = value
        else:
            value = form.get(key, "")
            if value != "":
                fields[key] = value
    return fields, uploads
