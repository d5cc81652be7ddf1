"""Applying from the portal: the wizard generated from the rules, drafts, "File Saya" (the
customer's document library) and the customer's instruments (assets) with their transfers.

Everything is stored by the platform's commands (``CreateApplicationCommand``, then the rules'
submission action through ``ApplicationTransitionCommand``); this module only turns the HTML form
into their arguments and their field errors back into messages under the fields.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import (Blueprint, abort, current_app, flash, redirect, render_template, request,
                   send_file, session, url_for)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select

from app.commands.application.create import COMPANY_FIELDS, LOCATION_FIELDS, CreateApplicationCommand
from app.commands.application.transition import ApplicationTransitionCommand, run_auto_steps
from app.core.errors import N_, SatuPintuError, ValidationError
from app.extensions import db
from app.storage.downloads import protect, send_stored_file
from app.storage.files import TYPE_LABELS, FileStore, IncomingFile, check_file, normalise_types, store_file
from app.portal.auth import login_required_customer
from app.rules.labels import rules_label
from app.rules.model import Rules, plain_data
from app.commands.rules.state import rules_state
from app.workflow.fields import (DEFAULT_GROUP_MAX_ITEMS, FieldValueError, clean_npwp, missing_documents,
                                 required_documents, row_is_blank)
from models import (Application, ApplicationDraft, Asset, AssetTransfer, CatalogueItem,
                    CustomerProfile, ServiceType, StoredFile, User)
from models.base import utcnow

portal_apply = Blueprint("portal_apply", __name__, url_prefix="/portal")

LIBRARY_TYPES = ("pdf", "jpg", "png", "gif", "doc", "docx", "xls", "xlsx", "dwg")
LIBRARY_MAX_MB = 50
PHOTO_TYPES = ("jpg", "png")
PHOTO_MAX_MB = 10


@portal_apply.before_request
def _csrf():
    from app.portal.blueprint import protect_portal_posts
    return protect_portal_posts()


# ------------------------------------------------------------------------------- rules helpers

def service_and_spec(service_key: str) -> tuple[ServiceType, dict, Rules]:
    """The active service, its spec and the rules version it belongs to (404 when unknown)."""
    service = db.session.scalar(select(ServiceType).where(ServiceType.key == service_key,
                                                          ServiceType.active.is_(True)))
    if service is None:
        abort(404)
    rules = rules_state().rules_for(service.rules_version_id)
    if not rules.has_service(service.key):
        abort(404)
    return service, rules.service(service.key), rules



def text_of(label) -> str:
    """A rules label in the language being shown."""
    return rules_label(label)


def types_text(types) -> str:
    return ", ".join(TYPE_LABELS.get(t, t.upper()) for t in sorted(normalise_types(types))) or "PDF"


def accept_attr(types) -> str:
    exts = []
    for kind in sorted(normalise_types(types)):
        exts.append("." + kind)
        if kind == "jpg":
            exts.append(".jpeg")
    return ",".join(exts)


def submission_action(rules: Rules, service_key: str) -> str | None:
    """The customer's action that sends a just-created application on (BMKG: "kirim" from
    "Lengkapi Data"): from the initial state to another, non-final state, with no required form."""
    initial = rules.initial_state_for(service_key)
    states = rules.states_for(service_key)
    if states[initial].get("kind") != "waiting_customer":
        return None
    for transition in rules.transitions_for(service_key):
        if initial not in transition["from"] or "customer" not in (transition.get("by") or []):
            continue
        target = states.get(transition["to"]) or {}
        if transition["to"] == initial or str(target.get("kind") or "").startswith("final"):
            continue
        if any(f.get("required") for f in transition.get("form") or []):
            continue
        return transition["action"]
    return None


def my_library(kinds=None) -> list[StoredFile]:
    stmt = select(StoredFile).where(StoredFile.owner_id == current_user.id,
                                    StoredFile.in_library.is_(True)).order_by(StoredFile.id.desc())
    files = list(db.session.scalars(stmt))
    if kinds:
        allowed = normalise_types(kinds)
        files = [f for f in files if f.kind in allowed]
    return files


def library_file(file_id) -> StoredFile | None:
    try:
        file_id = int(file_id)
    except (TypeError, ValueError):
        return None
    stored = db.session.get(StoredFile, file_id)
    if stored is None or stored.owner_id != current_user.id or not stored.in_library:
        return None
    return stored


def incoming_from_library(stored: StoredFile) -> IncomingFile:
    data = FileStore.current().path_of(stored.storage_path).read_bytes()
    return IncomingFile(filename=stored.original_name, data=data, kind=stored.kind, sha256=stored.sha256)


def collect_uploads(doc_specs: list[dict], errors: dict,
                    kept: dict[str, StoredFile] | None = None) -> dict[str, IncomingFile]:
    """The files for each document slot: a fresh upload (``doc.<key>``), one from File Saya
    (``lib.<key>``) or the one kept with the draft (``keep.<key>``, looked up in the customer's
    own draft, never by an id from the form). Problems go to ``errors`` under the document's key."""
    files = {}
    for doc in doc_specs:
        key = doc["key"]
        storage = request.files.get(f"doc.{key}")
        if storage is not None and storage.filename:
            incoming = IncomingFile.from_storage(storage)
            problem = check_file(incoming, doc.get("types"), doc.get("max_mb"))
            if problem:
                errors[key] = problem
            else:
                files[key] = incoming
            continue
        chosen = request.form.get(f"lib.{key}")
        if chosen:
            stored = library_file(chosen)
            if stored is None:
                errors[key] = _("Berkas dari File Saya tidak ditemukan.")
            else:
                files[key] = incoming_from_library(stored)
            continue
        if request.form.get(f"keep.{key}") and key in (kept or {}):
            files[key] = incoming_from_library(kept[key])
    return files


def fresh_keys(files: dict[str, IncomingFile]) -> list[str]:
    """The slots whose file was uploaded in this request (not File Saya, not a kept draft file)."""
    return [key for key in files if (request.files.get(f"doc.{key}") is not None
                                     and request.files[f"doc.{key}"].filename)]


# ------------------------------------------------------------------- files kept with a draft

def draft_files(draft: ApplicationDraft | None) -> dict[str, StoredFile]:
    """The files kept with a draft, by document key: rows of the draft's own user only, never
    in File Saya (a draft file is a row + bytes, removed with the draft or on submission)."""
    if draft is None:
        return {}
    ids = {key: value for key, value in ((draft.data or {}).get("files") or {}).items()
           if isinstance(value, int)}
    if not ids:
        return {}
    rows = {row.id: row for row in db.session.scalars(select(StoredFile).where(
        StoredFile.id.in_(list(ids.values())), StoredFile.owner_id == draft.user_id,
        StoredFile.in_library.is_(False)))}
    return {key: rows[file_id] for key, file_id in ids.items() if file_id in rows}


def save_draft(service_key: str, form: "WizardForm", files: dict[str, IncomingFile],
               keys: list[str]) -> ApplicationDraft:
    """Store the form and the freshly uploaded files ``keys`` as the customer's draft, in one
    transaction: the new rows and bytes, the draft, and the removal of the files they replace.
    If anything fails, the bytes written are removed and nothing is stored."""
    draft = _draft(service_key) or ApplicationDraft(user_id=current_user.id, service_key=service_key)
    kept = draft_files(draft) if draft.id else {}
    mapping = {key: row.id for key, row in kept.items()}
    replaced: list[StoredFile] = []
    store = FileStore.current()
    try:
        for key in keys:
            row = store_file(store, files[key], owner_id=current_user.id, label=files[key].filename)
            db.session.add(row)
            db.session.flush()
            if key in kept:
                replaced.append(kept[key])
            mapping[key] = row.id
        draft.data = {**form.to_draft(), "files": mapping}
        draft.updated_at = utcnow()
        db.session.add(draft)
        old_paths = _delete_rows(replaced)
        db.session.commit()
    except Exception:
        db.session.rollback()
        store.discard_created()
        raise
    _unlink(old_paths)
    return draft


def discard_draft(draft: ApplicationDraft) -> None:
    """Delete a draft with its kept files (rows first, then bytes after the commit; bytes left by
    a crash in between are removed by the orphan sweep, ``flask files sweep``)."""
    paths = _delete_rows(list(draft_files(draft).values()))
    db.session.delete(draft)
    db.session.commit()
    _unlink(paths)


def _delete_rows(rows: list[StoredFile]) -> list[str]:
    paths = [row.storage_path for row in rows]
    for row in rows:
        db.session.delete(row)
    return paths


def _unlink(paths: list[str]) -> None:
    store = FileStore.current()
    for path in paths:
        try:
            store.path_of(path).unlink()
        except FileNotFoundError:
            pass


def profile_of(user) -> CustomerProfile | None:
    return db.session.scalar(select(CustomerProfile).where(CustomerProfile.user_id == user.id))


# ------------------------------------------------------------------------------- the wizard

@dataclass
class WizardForm:
    """What the wizard's form holds, from a POST, a draft, or the profile."""

    request_kind: str = ""
    asset_id: str = ""
    fields: dict = None
    company: dict = None
    location: dict = None
    declaration: bool = False
    library: dict = None
    group_grown: str | None = None   # the group a "Tambah baris" just grew (no extra blank row then)
    slot_id: str = ""                # the slot chosen on the step "Pilih Jadwal" (services with booking)

    @classmethod
    def from_request(cls, spec: dict) -> "WizardForm":
        form = request.form
        location = {f["key"]: form.get(f"location.{f['key']}", "") for f in LOCATION_FIELDS
                    if f["key"] != "coordinates"}
        lat, lng = form.get("location.lat", "").strip(), form.get("location.lng", "").strip()
        location["lat"], location["lng"] = lat, lng
        fields = {}
        for f in spec.get("fields", []):
            if f.get("type") == "group":
                fields[f["key"]] = group_rows_from_request(form, f)
            elif f.get("type") == "checkbox":
                fields[f["key"]] = bool(form.get(f"f.{f['key']}"))
            else:
                fields[f["key"]] = form.get(f"f.{f['key']}", "")
        return cls(request_kind=form.get("request_kind", ""), asset_id=form.get("asset_id", ""),
                   slot_id=form.get("slot_id", "").strip(), fields=fields,
                   company={f["key"]: form.get(f"company.{f['key']}", "") for f in COMPANY_FIELDS},
                   location=location, declaration=bool(form.get("declaration")),
                   library={d["key"]: form.get(f"lib.{d['key']}", "") for d in spec.get("documents", [])})

    @classmethod
    def from_draft(cls, data: dict) -> "WizardForm":
        return cls(request_kind=data.get("request_kind", ""), asset_id=str(data.get("asset_id") or ""),
                   slot_id=str(data.get("slot_id") or ""), fields=dict(data.get("fields") or {}), company=dict(data.get("company") or {}),
                   location=dict(data.get("location") or {}), declaration=bool(data.get("declaration")),
                   library=dict(data.get("library") or {}))

    def to_draft(self) -> dict:
        return {"request_kind": self.request_kind, "asset_id": self.asset_id, "slot_id": self.slot_id,
                "fields": self.fields,
                "company": self.company, "location": self.location, "declaration": self.declaration,
                "library": self.library}

    def slot_for_command(self) -> int | None:
        """The chosen slot's id; None when none was chosen. Raises ValueError on anything but an id."""
        if not self.slot_id:
            return None
        if not self.slot_id.isdigit() or len(self.slot_id) > 18:
            raise ValueError(self.slot_id)
        return int(self.slot_id)

    def location_for_command(self) -> dict:
        location = {k: v for k, v in (self.location or {}).items() if k not in ("lat", "lng")}
        lat, lng = (self.location or {}).get("lat", ""), (self.location or {}).get("lng", "")
        location["coordinates"] = f"{lat},{lng}" if (lat or lng) else ""
        return location


# ------------------------------------------------------------------------------- repeatable groups (issue 13)

def group_rows_from_request(form, spec: dict) -> list[dict]:
    """A group field's rows as posted: inputs named ``f.<group>.<n>.<sub-field>``, ``n`` from 1, in
    order (blank rows kept, so that the messages keyed by a row's position stay with it)."""
    prefix = f"f.{spec['key']}."
    numbers = set()
    for name in form.keys():
        number = name[len(prefix):].split(".", 1)[0] if name.startswith(prefix) else ""
        if number.isdigit() and 0 < int(number) <= GROUP_ROWS_LIMIT:
            numbers.add(int(number))
    rows = []
    for number in range(1, max(numbers, default=0) + 1):
        row = {}
        for sub in spec.get("fields") or []:
            name = f"{prefix}{number}.{sub['key']}"
            row[sub["key"]] = bool(form.get(name)) if sub.get("type") == "checkbox" else form.get(name, "")
        rows.append(row)
    return rows


GROUP_ROWS_LIMIT = 200   # posted row numbers above this are ignored (the engine refuses too many rows)


def group_action(form: "WizardForm", spec: dict, action: str) -> bool:
    """``group_add:<key>`` adds a blank row, ``group_remove:<key>:<n>`` removes row ``n``: the
    wizard is shown again with the rows changed (works without JavaScript). False: not such an action."""
    name, _sep, rest = action.partition(":")
    if name not in ("group_add", "group_remove"):
        return False
    key, _sep, number = rest.partition(":")
    group = next((f for f in spec.get("fields") or [] if f.get("key") == key and f.get("type") == "group"), None)
    if group is None:
        return False
    rows = [row for row in form.fields.get(key) or [] if isinstance(row, dict)]
    if name == "group_add":
        if len(rows) < (group.get("max_items") or DEFAULT_GROUP_MAX_ITEMS):
            rows.append({})
    elif number.isdigit() and 1 <= int(number) <= len(rows):
        del rows[int(number) - 1]
    form.fields[key] = rows
    form.group_grown = key if name == "group_add" else None
    return True


def group_display_rows(spec: dict, rows, grown: bool = False) -> list[dict]:
    """The rows the wizard shows for a group: the ones posted (or saved), then one blank row to
    fill in (unless one was just added, or the group is full), at least ``min_items`` (and one)."""
    rows = [row if isinstance(row, dict) else {} for row in (rows or [])]
    subs = spec.get("fields") or []
    limit = spec.get("max_items") or DEFAULT_GROUP_MAX_ITEMS
    if not grown and len(rows) < limit and (not rows or not row_is_blank(subs, rows[-1])):
        rows.append({})
    while len(rows) < max(spec.get("min_items") or 0, 1):
        rows.append({})
    return rows


EXTENSION_KIND = "perpanjangan"


def extension_form(service: ServiceType, spec: dict, app_id: str) -> "WizardForm | None":
    """The wizard prefilled from one of the customer's own applications of this service (the
    link in a licence's expiry reminder), as a request for extension (perpanjangan). Anything
    else — another customer's application, another service — gives no prefill."""
    if not str(app_id).isdigit():
        return None
    earlier = db.session.get(Application, int(app_id))
    if earlier is None or earlier.customer_id != current_user.id or earlier.service_type_id != service.id:
        return None
    kinds = spec.get("request_kinds") or ["baru"]
    location = {k: v for k, v in (earlier.location or {}).items() if k != "coordinates"}
    coordinates = (earlier.location or {}).get("coordinates")
    if isinstance(coordinates, dict):
        location["lat"], location["lng"] = str(coordinates.get("lat", "")), str(coordinates.get("lng", ""))
    keys = {f["key"] for f in spec.get("fields", [])}
    return WizardForm(request_kind=EXTENSION_KIND if EXTENSION_KIND in kinds else "",
                      asset_id=str(earlier.asset_id or ""),
                      fields={k: v for k, v in (earlier.data or {}).items() if k in keys},
                      company=dict(earlier.company or {}), location=location, library={})


def prefill_company(profile: CustomerProfile | None) -> dict:
    if profile is None or profile.kind == "person":
        return {}
    return {"name": profile.organisation_name, "npwp": profile.organisation_npwp or "",
            "address": profile.organisation_address, "phone": profile.organisation_phone}


def prefill_location(profile: CustomerProfile | None) -> dict:
    if profile is None:
        return {}
    return {"street": profile.address, "province": profile.province, "regency": profile.regency,
            "district": profile.district, "village": profile.village}


def cart_for(service: ServiceType, spec: dict) -> tuple[list[dict], list[dict]]:
    """The cart lines for this service from the session (5a's contract), with catalogue details."""
    if not spec.get("cart"):
        return [], []
    raw = (session.get("cart") or {}).get(service.key) or []
    items = {i.code: i for i in db.session.scalars(select(CatalogueItem).where(
        CatalogueItem.service_type_id == service.id, CatalogueItem.active.is_(True)))}
    lines, display = [], []
    for entry in raw:
        code = str(entry.get("code") or "")
        try:
            quantity = int(entry.get("quantity") or 1)
        except (TypeError, ValueError):
            quantity = 1
        lines.append({"code": code, "quantity": quantity})
        item = items.get(code)
        if item is not None:
            display.append({"code": code, "name": item.name, "unit": item.unit, "quantity": quantity,
                            "price": item.price, "amount": item.price * quantity,
                            "data_required": getattr(item, "data_required", "")})
    return lines, display


def my_assets(kind: str | None = None) -> list[Asset]:
    stmt = select(Asset).where(Asset.owner_id == current_user.id).order_by(Asset.id.desc())
    if kind:
        stmt = stmt.where(Asset.kind == kind)
    return list(db.session.scalars(stmt))


def _draft(service_key: str) -> ApplicationDraft | None:
    return db.session.scalar(select(ApplicationDraft).where(
        ApplicationDraft.user_id == current_user.id, ApplicationDraft.service_key == service_key))


def render_wizard(service, spec, rules: Rules, form: WizardForm, errors: dict | None = None, status: int = 200):
    profile = profile_of(current_user)
    cart_lines, cart_display = cart_for(service, spec)
    documents = []
    for doc in spec.get("documents") or []:
        documents.append({**plain_data(doc), "label": text_of(doc.get("label")), "types_text": types_text(doc.get("types")),
                          "accept": accept_attr(doc.get("types")), "max_mb": doc.get("max_mb") or 20,
                          "library": my_library(doc.get("types"))})
    kind_specs = dict(rules.request_kinds())
    request_kinds = [{"key": k, "label": text_of((kind_specs.get(k) or {}).get("label") or k)}
                     for k in (spec.get("request_kinds") or ["baru"])]
    asset_spec = spec.get("asset")
    errors = dict(errors or {})
    draft = _draft(service.key)
    kept = {key: row.original_name for key, row in draft_files(draft).items()}
    kinds = spec.get("customer_kinds") or ["person", "company", "institution"]
    if profile is not None and profile.kind not in kinds:
        errors.setdefault("_customer", _("Layanan ini hanya untuk akun %(kinds)s. Jenis akun Anda tidak dapat mengajukannya.",
                                         kinds=", ".join({"person": _("perorangan"), "company": _("perusahaan"),
                                                          "institution": _("instansi")}.get(k, k) for k in kinds)))
    body = render_template(
        "portal/apply/wizard.html", service=service, spec=spec, form=form, errors=errors,
        profile=profile, user=current_user, cart=cart_display, cart_raw=cart_lines,
        cart_total=sum((line["amount"] for line in cart_display), 0), documents=documents,
        request_kinds=request_kinds, company_fields=COMPANY_FIELDS, location_fields=LOCATION_FIELDS,
        assets=my_assets(asset_spec.get("kind")) if asset_spec else [], asset_spec=asset_spec,
        declaration=text_of(spec.get("declaration")) if spec.get("declaration") else "",
        text_of=text_of, tile_url=current_app.config.get("PORTAL_MAP_TILE_URL", ""),
        has_draft=draft is not None, kept=kept, booking=wizard_booking_step(service, rules, form),
        group_rows={f["key"]: group_display_rows(f, (form.fields or {}).get(f["key"]), form.group_grown == f["key"])
                    for f in spec.get("fields") or [] if f.get("type") == "group"})
    return body, status


def wizard_booking_step(service: ServiceType, rules: Rules, form: WizardForm) -> dict | None:
    """The step "Pilih Jadwal" (services whose ``booking.wizard`` is required or optional): the
    resource, its open future slots in the agency's zone (full ones shown, not selectable) and the
    one chosen; None when the wizard has no such step."""
    from app.commands.booking import open_slots, resource_spec, wizard_booking

    mode = wizard_booking(rules, service.key)
    if mode == "none":
        return None
    spec = rules.service(service.key).booking
    resource = resource_spec(service.agency, spec.resource, rules)
    return {"mode": mode, "unit": spec.unit, "label": text_of(resource.label) if resource is not None else spec.resource,
            "slots": open_slots(service.agency_id, spec), "chosen": form.slot_id}


@portal_apply.route("/ajukan/<service_key>", methods=["GET", "POST"])
@login_required_customer
def wizard(service_key: str):
    service, spec, rules = service_and_spec(service_key)
    if request.method == "GET":
        draft = _draft(service.key)
        if draft is not None:
            form = WizardForm.from_draft(draft.data or {})
        else:
            profile = profile_of(current_user)
            form = WizardForm(fields={}, company=prefill_company(profile) if spec.get("company_data") == "required" else {},
                              location=prefill_location(profile) if spec.get("location") == "required" else {},
                              library={})
        if request.args.get("perpanjang"):
            form = extension_form(service, spec, request.args["perpanjang"]) or form
        if request.args.get("alat"):
            form.asset_id = request.args["alat"]
        return render_wizard(service, spec, rules, form)

    form = WizardForm.from_request(spec)
    if group_action(form, spec, request.form.get("action") or ""):
        return render_wizard(service, spec, rules, form)
    kept = draft_files(_draft(service.key))
    if request.form.get("action") == "draft":
        errors: dict[str, str] = {}
        files = collect_uploads(spec.get("documents", []), errors, kept)
        save_draft(service.key, form, files, fresh_keys(files))
        flash(_("Draf permohonan disimpan. Anda dapat melanjutkannya kapan saja dari halaman ini."), "success")
        if errors:
            flash(_("Berkas berikut tidak disimpan: %(problems)s", problems="; ".join(errors.values())), "warning")
        return redirect(url_for("portal_apply.wizard", service_key=service.key))

    errors: dict[str, str] = {}
    visible_docs = required_documents(spec, form.fields)
    files = collect_uploads(visible_docs, errors, kept)
    for doc in missing_documents(spec, form.fields, set(files) | set(errors)):
        errors[doc["key"]] = _("Dokumen wajib diunggah.")
    try:
        slot_id = form.slot_for_command()
    except ValueError:
        slot_id = None
        errors["slot_id"] = _("Jadwal yang dipilih tidak tersedia.")
    if errors:
        errors.update({k: v for k, v in precheck(spec, form).items() if k not in errors})
        errors.update({k: v for k, v in slot_precheck(service, rules, slot_id).items() if k not in errors})
    cart_lines, _display = cart_for(service, spec)
    try:
        asset_id = int(form.asset_id) if form.asset_id else None
    except ValueError:
        asset_id = None
    if errors:
        return render_wizard(service, spec, rules, form, _with_files_note(errors, _keep(service, form, files)), 422)
    try:
        application = CreateApplicationCommand(
            current_user, service.key, fields=form.fields, request_kind=form.request_kind or None,
            cart=cart_lines, company=form.company, location=form.location_for_command(),
            asset_id=asset_id, declaration=form.declaration, files=files, slot_id=slot_id).run()
    except ValidationError as error:
        field_errors = dict(error.details.get("field_errors") or {})
        if "location.coordinates" in field_errors:
            field_errors.setdefault("location.lat", field_errors["location.coordinates"])
        if not field_errors:
            field_errors["_form"] = error.text
        return render_wizard(service, spec, rules, form, _with_files_note(field_errors, _keep(service, form, files)), 422)
    except SatuPintuError as error:
        return render_wizard(service, spec, rules, form, {"_form": error.text}, error.status)
    run_auto_steps(application.id)   # the initial state's automatic steps (issue 13, item 4)

    # the draft (with its kept files: the application holds its own copies) and this service's
    # cart are done with
    draft = _draft(service.key)
    if draft is not None:
        discard_draft(draft)
    cart = dict(session.get("cart") or {})
    if cart.pop(service.key, None) is not None:
        session["cart"] = cart
    action = submission_action(rules, service.key)
    if action:
        try:
            ApplicationTransitionCommand(application.id, current_user, action).run()
        except SatuPintuError as error:
            flash(_("Permohonan tersimpan tetapi belum terkirim: %(reason)s", reason=_reason(error)), "warning")
    return redirect(url_for("portal_requests.submitted", app_id=application.id))


def precheck(spec: dict, form: WizardForm) -> dict[str, str]:
    """The command's own field checks, run when the documents already failed, so that every
    problem is shown at once (the command stores nothing when anything is wrong)."""
    from app.core.errors import translate
    from app.workflow.fields import validate_fields

    errors: dict[str, str] = {}
    from app.workflow.fields import FieldContext, local_today
    rules = rules_state().file_rules
    agency = rules.agency(spec["agency"]) if rules.has_agency(spec.get("agency")) else {}
    _cleaned, field_errors = validate_fields(spec.get("fields", []), form.fields, {},
                                             context=FieldContext(today=local_today(agency.get("timezone"))))
    errors.update({k: str(translate(getattr(v, "template", str(v)), **(getattr(v, "params", None) or {})))
                   for k, v in field_errors.items()})
    for prefix, mode, specs, values, required in (
            ("company", spec.get("company_data", "none"), COMPANY_FIELDS, form.company, ("name",)),
            ("location", spec.get("location", "none"), LOCATION_FIELDS, form.location_for_command(), ())):
        if mode == "none" or (mode == "optional" and not any(str(v or "").strip("-0 ,") for v in values.values())):
            continue
        specs = [dict(f, required=f.get("required", False) or f["key"] in required) for f in specs]
        _cleaned, section = validate_fields(specs, values, {})
        errors.update({f"{prefix}.{k}": str(translate(getattr(v, "template", str(v)), **(getattr(v, "params", None) or {})))
                       for k, v in section.items()})
    if spec.get("declaration") and not form.declaration:
        errors["declaration"] = _("Pernyataan wajib disetujui.")
    return errors


def slot_precheck(service: ServiceType, rules: Rules, slot_id: int | None) -> dict[str, str]:
    """The command's check of the slot chosen on "Pilih Jadwal", run with precheck."""
    from app.commands.booking import slot_problem, wizard_booking
    from app.core.errors import translate
    from models import ResourceSlot

    mode = wizard_booking(rules, service.key)
    if mode == "none":
        return {}
    if slot_id is None:
        return {"slot_id": _("Pilih salah satu jadwal.")} if mode == "required" else {}
    problem = slot_problem(db.session.get(ResourceSlot, slot_id), service.agency_id,
                           rules.service(service.key).booking, utcnow())
    return {"slot_id": str(translate(problem))} if problem else {}


def _reason(error: SatuPintuError) -> str:
    reasons = error.details.get("reasons") or list((error.details.get("field_errors") or {}).values())
    return "; ".join(reasons) or error.text


def _keep(service, form: WizardForm, files: dict[str, IncomingFile]) -> bool:
    """After a server-side error, keep the files uploaded in this request with the draft so they
    need not be chosen again. True when some were kept."""
    keys = fresh_keys(files)
    if keys:
        save_draft(service.key, form, files, keys)
    return bool(keys)


def _with_files_note(errors: dict, kept_files: bool = False) -> dict:
    if kept_files:
        errors.setdefault("_files", _("Berkas yang sudah dipilih disimpan bersama draf Anda: tidak perlu "
                                      "dipilih ulang. Berkas yang ditolak perlu dipilih lagi."))
    errors.setdefault("_form", _("Permohonan belum terkirim. Periksa isian yang ditandai merah."))
    return errors


@portal_apply.route("/ajukan/<service_key>/draf/hapus", methods=["GET", "POST"])
@login_required_customer
def delete_draft(service_key: str):
    """Discarding a draft asks first, without JavaScript: GET (or a POST without ``konfirmasi``)
    shows what would be lost; only the confirmation page's POST (``konfirmasi=1``, CSRF-checked
    like every portal POST) deletes the draft and its kept files."""
    draft = _draft(service_key)
    if draft is None:
        flash(_("Tidak ada draf untuk layanan ini."), "info")
        return redirect(url_for("portal_apply.drafts"))
    if request.method == "POST" and request.form.get("konfirmasi") == "1":
        discard_draft(draft)
        flash(_("Draf dihapus."), "info")
        return redirect(url_for("portal_apply.wizard", service_key=service_key))
    service = db.session.scalar(select(ServiceType).where(ServiceType.key == service_key))
    return render_template("portal/apply/draft_delete.html", draft=draft, service=service,
                           service_key=service_key, files=sorted(f.original_name for f in draft_files(draft).values()))


@portal_apply.route("/ajukan/<service_key>/templat/<doc_key>")
@login_required_customer
def document_template(service_key: str, doc_key: str):
    """The blank template of a required document (e.g. a statement letter to fill in and sign)."""
    service, spec, rules = service_and_spec(service_key)
    doc = next((d for d in spec.get("documents", []) if d["key"] == doc_key and d.get("template")), None)
    if doc is None:
        abort(404)
    base = rules_state().file_rules.base_dir
    from pathlib import Path
    path = (Path(base) / doc["template"]).resolve()
    if not str(path).startswith(str(Path(base).resolve())) or not path.is_file():
        abort(404)
    return protect(send_file(path, as_attachment=True, download_name=path.name))


@portal_apply.route("/draf")
@login_required_customer
def drafts():
    rows = list(db.session.scalars(select(ApplicationDraft).where(
        ApplicationDraft.user_id == current_user.id).order_by(ApplicationDraft.id.desc())))
    services = {s.key: s for s in db.session.scalars(select(ServiceType).where(
        ServiceType.key.in_([r.service_key for r in rows] or [""])))}
    return render_template("portal/apply/drafts.html", drafts=rows, services=services)


# ------------------------------------------------------------------------------- File Saya

@portal_apply.route("/file-saya", methods=["GET", "POST"])
@login_required_customer
def library():
    errors = {}
    if request.method == "POST":
        storage = request.files.get("berkas")
        label = (request.form.get("label") or "").strip()[:255]
        if storage is None or not storage.filename:
            errors["berkas"] = _("Pilih berkas yang akan diunggah.")
        else:
            incoming = IncomingFile.from_storage(storage)
            problem = check_file(incoming, LIBRARY_TYPES, LIBRARY_MAX_MB)
            if problem:
                errors["berkas"] = problem
            else:
                store = FileStore.current()
                try:
                    db.session.add(store_file(store, incoming, owner_id=current_user.id,
                                              label=label or incoming.filename, in_library=True))
                    db.session.commit()
                except BaseException:
                    db.session.rollback()
                    store.discard_created()
                    raise
                flash(_("Berkas disimpan di File Saya."), "success")
                return redirect(url_for("portal_apply.library"))
    return render_template("portal/apply/library.html", files=my_library(), errors=errors,
                           types_text=types_text(LIBRARY_TYPES), max_mb=LIBRARY_MAX_MB,
                           accept=accept_attr(LIBRARY_TYPES)), 422 if errors else 200


@portal_apply.route("/file-saya/<int:file_id>")
@login_required_customer
def library_download(file_id: int):
    stored = library_file(file_id)
    if stored is None:
        abort(404)
    return _send_stored(stored)


@portal_apply.route("/file-saya/<int:file_id>/hapus", methods=["POST"])
@login_required_customer
def library_remove(file_id: int):
    stored = library_file(file_id)
    if stored is None:
        abort(404)
    stored.in_library = False     # still attached to applications; only leaves the library
    db.session.commit()
    flash(_("Berkas dihapus dari File Saya."), "info")
    return redirect(url_for("portal_apply.library"))


def _send_stored(stored: StoredFile):
    """Library files, message attachments and instrument photos: always an attachment (an <img>
    still shows a photo); inline previews come only from /pratinjau/berkas (views/documents.py)."""
    return send_stored_file(stored)


# ------------------------------------------------------------------------------- instruments (assets)

ASSET_FIELDS = [("name", N_("Nama alat")), ("brand", N_("Merek")), ("model", N_("Model/tipe")),
                ("serial_number", N_("Nomor seri")), ("capacity", N_("Kapasitas")), ("location", N_("Lokasi alat"))]


def asset_kinds() -> list[dict]:
    """The kinds of customer asset the active rules' services work on (e.g. UTTP)."""
    rules = rules_state().file_rules
    kinds, seen = [], set()
    for key, spec in rules.services():
        asset = spec.get("asset")
        if asset and asset["kind"] not in seen:
            seen.add(asset["kind"])
            kinds.append({"kind": asset["kind"], "label": text_of(asset.get("label") or asset["kind"]),
                          "service_keys": [k for k, s in rules.services()
                                       if (s.get("asset") or {}).get("kind") == asset["kind"]]})
    return kinds


def own_asset(asset_id: int) -> Asset:
    asset = db.session.get(Asset, asset_id)
    if asset is None or asset.owner_id != current_user.id:
        abort(404)
    return asset


@portal_apply.route("/alat")
@login_required_customer
def assets():
    from app.commands.providers import provider_agencies
    return render_template("portal/apply/assets.html", assets=my_assets(), kinds=asset_kinds(),
                           is_provider=bool(provider_agencies(current_user)))


@portal_apply.route("/alat/baru", methods=["GET", "POST"])
@portal_apply.route("/alat/<int:asset_id>/ubah", methods=["GET", "POST"])
@login_required_customer
def asset_form(asset_id: int | None = None):
    asset = own_asset(asset_id) if asset_id else None
    kinds = asset_kinds()
    values = {k: getattr(asset, k) for k, _l in ASSET_FIELDS} if asset else {}
    values["kind"] = asset.kind if asset else (kinds[0]["kind"] if kinds else "")
    errors = {}
    if request.method == "POST":
        values = {k: (request.form.get(k) or "").strip() for k, _l in ASSET_FIELDS}
        values["kind"] = request.form.get("kind", "")
        if values["kind"] not in {k["kind"] for k in kinds}:
            errors["kind"] = _("Pilih jenis alat.")
        if not values["name"]:
            errors["name"] = _("Wajib diisi.")
        for key, _label in ASSET_FIELDS:
            if len(values[key]) > (2000 if key == "location" else 128 if key != "name" else 255):
                errors[key] = _("Isian terlalu panjang.")
        photo = request.files.get("foto")
        incoming = None
        if photo is not None and photo.filename:
            incoming = IncomingFile.from_storage(photo)
            problem = check_file(incoming, PHOTO_TYPES, PHOTO_MAX_MB)
            if problem:
                errors["foto"] = problem
        elif asset is None:
            errors["foto"] = _("Unggah foto alat (JPG/PNG, maksimal %(max)s MB).", max=PHOTO_MAX_MB)
        if not errors:
            store = FileStore.current()
            try:
                target = asset or Asset(owner_id=current_user.id)
                for key, _label in ASSET_FIELDS:
                    setattr(target, key, values[key])
                target.kind = values["kind"]
                if incoming is not None:
                    stored = store_file(store, incoming, owner_id=current_user.id,
                                        label=f"Foto {values['name']}")
                    db.session.add(stored)
                    db.session.flush()
                    target.photo_file_id = stored.id
                db.session.add(target)
                db.session.commit()
            except BaseException:
                db.session.rollback()
                store.discard_created()
                raise
            flash(_("Data alat disimpan."), "success")
            return redirect(url_for("portal_apply.asset_detail", asset_id=target.id))
    return render_template("portal/apply/asset_form.html", asset=asset, values=values, errors=errors,
                           kinds=kinds, fields=ASSET_FIELDS, photo_max=PHOTO_MAX_MB), 422 if errors else 200


@portal_apply.route("/alat/<int:asset_id>")
@login_required_customer
def asset_detail(asset_id: int):
    asset = own_asset(asset_id)
    history = list(db.session.scalars(select(Application).where(
        Application.asset_id == asset.id, Application.customer_id == current_user.id)
        .order_by(Application.id.desc())))
    kind = next((k for k in asset_kinds() if k["kind"] == asset.kind), None)
    services = list(db.session.scalars(select(ServiceType).where(
        ServiceType.key.in_(kind["service_keys"] if kind else [""]), ServiceType.active.is_(True))))
    transfers = list(db.session.scalars(select(AssetTransfer).where(AssetTransfer.asset_id == asset.id)
                                        .order_by(AssetTransfer.id)))
    return render_template("portal/apply/asset_detail.html", asset=asset, history=history,
                           services=services, transfers=transfers, errors={})


@portal_apply.route("/alat/<int:asset_id>/foto")
@login_required_customer
def asset_photo(asset_id: int):
    asset = own_asset(asset_id)
    stored = db.session.get(StoredFile, asset.photo_file_id) if asset.photo_file_id else None
    if stored is None:
        abort(404)
    return _send_stored(stored)


@portal_apply.route("/alat/<int:asset_id>/hapus", methods=["POST"])
@login_required_customer
def asset_delete(asset_id: int):
    asset = own_asset(asset_id)
    used = db.session.scalar(select(Application.id).where(Application.asset_id == asset.id).limit(1))
    if used is not None:
        flash(_("Alat yang sudah pernah diajukan tidak dapat dihapus."), "warning")
        return redirect(url_for("portal_apply.asset_detail", asset_id=asset.id))
    db.session.delete(asset)
    db.session.commit()
    flash(_("Alat dihapus."), "info")
    return redirect(url_for("portal_apply.assets"))


@portal_apply.route("/alat/<int:asset_id>/alihkan", methods=["POST"])
@login_required_customer
def asset_transfer(asset_id: int):
    """Hand the instrument to another customer, found by e-mail, NIK or NPWP."""
    asset = own_asset(asset_id)
    who = (request.form.get("penerima") or "").strip()
    recipient = None
    if who:
        try:
            npwp = clean_npwp(who)   # stored in the 16-digit form: "01.234.567.8-901.000" finds it too
        except FieldValueError:
            npwp = who
        recipient = db.session.scalar(select(User).outerjoin(CustomerProfile, CustomerProfile.user_id == User.id)
                                      .where(or_(User.email == who, CustomerProfile.nik == who,
                                                 CustomerProfile.npwp == npwp,
                                                 CustomerProfile.organisation_npwp == npwp)).limit(1))
    from app.portal.auth import is_customer
    error = None
    if not who:
        error = _("Isi email, NIK atau NPWP pemilik baru.")
    elif recipient is None or not is_customer(recipient) or not recipient.active:
        error = _("Pemilik baru tidak ditemukan. Pastikan ia sudah terdaftar sebagai pemohon.")
    elif recipient.id == current_user.id:
        error = _("Alat ini sudah milik Anda.")
    elif not request.form.get("konfirmasi"):
        error = _("Centang konfirmasi pengalihan kepemilikan.")
    if error:
        flash(error, "danger")
        return redirect(url_for("portal_apply.asset_detail", asset_id=asset.id) + "#alihkan")
    from app.commands.providers import transfer_asset
    transfer_asset(asset, current_user, recipient.id)
    db.session.commit()
    flash(_("Kepemilikan alat %(name)s dialihkan.", name=asset.name), "success")
    return redirect(url_for("portal_apply.assets"))
