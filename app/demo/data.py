"""Demo data for the five seed offices: one staff account per role, a few customers, and
applications in several states — all made through the same commands the screens use."""
from __future__ import annotations

from io import BytesIO

import click
from flask import current_app
from sqlalchemy import func, select

from app.demo.autofill import DEMO_PASSPHRASE, fill_form, happy_path, required_field_values, sample_file, sample_value
from app.commands.application.create import COMPANY_FIELDS, LOCATION_FIELDS, CreateApplicationCommand
from app.commands.application.transition import ApplicationTransitionCommand
from app.commands.survey import SubmitSurveyCommand
from app.extensions import appbuilder, db
from app.storage.files import IncomingFile
from app.rules.model import Rules
from app.commands.rules.state import rules_state
from app.security.roles import AGENCY_ADMIN_LABEL, AGENCY_ADMIN_ROLE
from app.documents.signing import enrol
from app.workflow.effects import effect_name_and_args
from app.workflow.fields import label_text
from app.workflow.guards import guard_name_and_args
from config import DEMO_PASSWORD
from models import (Agency, Application, Asset, CustomerProfile, OutboxMessage, ServiceType, Signatory,
                    StaffProfile, User)
from models.base import utcnow

CUSTOMERS = [
    # username, kind, full name, NIK, phone, organisation
    ("budi", "person", "Budi Santoso", "6472011505900001", "081234567801", ""),
    ("sari", "person", "Sari Wulandari, S.T.", "5171024107920002", "081234567802", ""),
    ("ptmaju", "company", "Andi Pratama", "6472031203850003", "081234567803", "PT Maju Bersama Energi"),
    ("unmul", "institution", "Dr. Rina Kusuma", "6472046409880004", "081234567804", "Universitas Mulawarman"),
]


def agency_roles(rules: Rules, agency_key: str) -> list[str]:
    """Every staff role that acts in the workflows of an agency's services, in order of appearance."""
    roles: list[str] = []
    for service_key, service in rules.services_of_agency(agency_key):
        transitions = rules.transitions_for(service_key)
        for transition in transitions:
            for role in transition["by"]:
                if role not in ("customer", "assignee", "system") and role not in roles:
                    roles.append(role)
        for field in (f for t in transitions for f in t.get("form") or []):
            if field.get("type") == "assignee" and field.get("role") and field["role"] not in roles:
                roles.append(field["role"])
        work_role = (service.get("work_items") or {}).get("assignee_role")
        if work_role and work_role not in roles:
            roles.append(work_role)
    return roles


def work_row_roles(rules: Rules, agency_key: str) -> list[str]:
    """The roles whose holders get work rows (``work_items.assignee_role``) in an agency's services."""
    roles = []
    for _key, service in rules.services_of_agency(agency_key):
        role = (service.get("work_items") or {}).get("assignee_role")
        if role and role not in roles:
            roles.append(role)
    return roles


def staff_username(agency_key: str, role: str) -> str:
    return f"{agency_key}_{role}"


def ensure_user(username: str, first: str, last: str, email: str, roles: list) -> User:
    sm = appbuilder.sm
    user = sm.find_user(username=username)
    if user is None:
        user = sm.add_user(username, first, last, email, roles, DEMO_PASSWORD)
        if not user:
            raise RuntimeError(f"could not create demo user {username}")
    return user


def role_label(rules: Rules, role: str, agency_key: str | None = None) -> str:
    """A role's label in Indonesian as the agency names it (the demo's account names), else its key."""
    return label_text(rules.role_label(role, agency_key) or role, "id")


def load_staff(rules: Rules) -> dict[str, dict[str, User]]:
    sm = appbuilder.sm
    staff: dict[str, dict[str, User]] = {}
    for agency_key in rules.agency_keys():
        agency = db.session.scalar(select(Agency).where(Agency.key == agency_key))
        staff[agency_key] = {}
        for role in agency_roles(rules, agency_key):
            label = role_label(rules, role, agency_key)
            user = ensure_user(staff_username(agency_key, role), label[:64], agency.code[:64],
                               f"{staff_username(agency_key, role)}@demo.satupintu.local", [sm.find_role(role)])
            if db.session.scalar(select(StaffProfile).where(StaffProfile.user_id == user.id)) is None:
                db.session.add(StaffProfile(user_id=user.id, agency_id=agency.id, position=label))
            staff[agency_key][role] = user
        # a second holder of each work-row role, so rows can go to different people (work_items)
        for role in work_row_roles(rules, agency_key):
            label = f"{role_label(rules, role, agency_key)} 2"
            username = f"{staff_username(agency_key, role)}_2"
            user = ensure_user(username, label[:64], agency.code[:64], f"{username}@demo.satupintu.local",
                               [sm.find_role(role)])
            if db.session.scalar(select(StaffProfile).where(StaffProfile.user_id == user.id)) is None:
                db.session.add(StaffProfile(user_id=user.id, agency_id=agency.id, position=label))
            staff[agency_key][f"{role}_2"] = user
        # one agency administrator per agency (built-in role, not in the rules)
        for role in (AGENCY_ADMIN_ROLE,):
            user = ensure_user(staff_username(agency_key, role), AGENCY_ADMIN_LABEL[:64], agency.code[:64],
                               f"{staff_username(agency_key, role)}@demo.satupintu.local", [sm.find_role(role)])
            if db.session.scalar(select(StaffProfile).where(StaffProfile.user_id == user.id)) is None:
                db.session.add(StaffProfile(user_id=user.id, agency_id=agency.id, position=AGENCY_ADMIN_LABEL))
        for signatory in db.session.scalars(select(Signatory).where(Signatory.agency_id == agency.id)):
            holder = staff[agency_key].get(signatory.role)
            if holder is not None and signatory.user_id is None:
                signatory.user_id = holder.id
            if signatory.encrypted_key_pem is None and signatory.user_id is not None:
                enrol(signatory, DEMO_PASSPHRASE)   # as its holder would on their profile: CA-issued
    db.session.commit()
    return staff


def load_customers() -> list[User]:
    sm = appbuilder.sm
    users = []
    for username, kind, name, nik, phone, organisation in CUSTOMERS:
        first, _, last = name.partition(" ")
        user = ensure_user(username, first[:64], (last or first)[:64], f"{username}@demo.satupintu.local",
                           [sm.find_role("customer")])
        if db.session.scalar(select(CustomerProfile).where(CustomerProfile.user_id == user.id)) is None:
            db.session.add(CustomerProfile(
                user_id=user.id, kind=kind, full_name=name, nik=nik, phone=phone,
                address="Jl. Basuki Rahmat No. 56, Samarinda", province="Kalimantan Timur",
                regency="Kota Samarinda", organisation_name=organisation,
                organisation_type="Perguruan Tinggi" if kind == "institution" else ("PT" if organisation else ""),
                email_verified_at=func.now()))
        users.append(user)
    db.session.commit()
    return users


def application_input(rules: Rules, service_key: str, customer: User, path: list[dict]) -> dict:
    service = rules.service(service_key)
    overrides = required_field_values(rules.workflow_for(service_key), path)
    fields, _ = fill_form([f for f in service.get("fields") or [] if f.get("type") != "file"],
                          overrides=overrides)
    files = {}
    for doc in service.get("documents") or []:
        content, name = sample_file(doc.get("types"))
        files[doc["key"]] = IncomingFile.from_storage(_Named(content, name))
    body = {"fields": fields, "files": files, "declaration": True}
    if service.get("cart"):
        body["cart"] = [{"code": item["code"], "quantity": 1 + i} for i, item in enumerate(service["catalogue"][:2])]
    if (service.get("company_data") or "none") != "none":
        body["company"] = {f["key"]: sample_value(f) for f in COMPANY_FIELDS}
    if (service.get("location") or "none") != "none":
        body["location"] = {f["key"]: sample_value(f) for f in LOCATION_FIELDS}
        body["location"]["province"] = "Kalimantan Timur"
    if service.get("asset"):
        asset = db.session.scalar(select(Asset).where(Asset.owner_id == customer.id,
                                                      Asset.kind == service["asset"]["kind"]))
        if asset is None:
            asset = Asset(owner_id=customer.id, kind=service["asset"]["kind"], name="Timbangan Sentisimal",
                          brand="Nagata", model="TS-500", serial_number="NGT-2021-0457", capacity="500 kg",
                          location="Pasar Segiri, Samarinda")
            db.session.add(asset)
            db.session.commit()
        body["asset_id"] = asset.id
    return body


class _Named(BytesIO):
    """Bytes with a file name, read like an upload."""

    def __init__(self, content: bytes, filename: str):
        super().__init__(content)
        self.filename = filename


def drive(application_id: int, path: list[dict], rules: Rules, customer: User, staff: dict[str, User]) -> None:
    """Apply ``path``'s transitions in order, each by a user holding one of its roles."""
    for transition in path:
        application = db.session.get(Application, application_id)
        by = transition["by"]
        if "customer" in by:
            actor = customer
        elif "assignee" in by and application.assignee is not None:
            actor = application.assignee
        else:
            actor = next((staff[r] for r in by if r in staff), None)
        if actor is None:
            raise RuntimeError(f"no demo user for {by} on {transition['action']}")
        guards = [guard_name_and_args(g)[0] for g in transition.get("guards") or []]
        if "survey_done" in guards and "customer" in by:
            survey = rules.survey_for(application.service_type.key)
            SubmitSurveyCommand(application_id, customer,
                                {q["key"]: q["options"][-1]["score"] for q in survey["questions"]}).run()
        for guard in transition.get("guards") or []:
            name, args = guard_name_and_args(guard)
            if name == "work_items_done":
                complete_work_rows(application_id, args["step"], staff)
        application = db.session.get(Application, application_id)
        agency = rules.agency(application.agency.key)
        fields, files = fill_form(
            transition.get("form", []), overrides=_paid_in_full(transition, application),
            candidates={role: [user.id] for role, user in staff.items()},
            offered_slots=[s.id for s in application.slots if s.status == "offered"],
            bank_accounts=[a["key"] for a in agency.get("bank_accounts") or []])
        ApplicationTransitionCommand(
            application_id, actor, transition["action"], fields=fields,
            files={k: IncomingFile.from_storage(_Named(*v)) for k, v in files.items()}).run()


def complete_work_rows(application_id: int, step: str, staff: dict[str, User]) -> None:
    """Take every work row (``work_items``) of an application up to ``step`` through the row
    commands, as the users the rules name: rows go in turn to the holders of the rows' role
    (``staff`` by role; ``<role>_2`` too when present), and each enters sample values and files."""
    from app.commands.work_items import AssignWorkItemsCommand, WorkItemStepCommand, ensure_rows, work_items_spec

    order = ["assign", "enter", "verify", "validate"]
    application = db.session.get(Application, application_id)
    spec = work_items_spec(application)

    def actor(name: str) -> User:
        by = spec[name]["by"]
        by = [by] if isinstance(by, str) else list(by)
        if "assignee" in by and application.assignee is not None:
            return application.assignee
        return next(staff[r] for r in by if r in staff)

    for current in order[:order.index(step) + 1]:
        application = db.session.get(Application, application_id)
        if current == "assign":
            ensure_rows(application)
            db.session.commit()
            role = spec["assignee_role"]
            holders = [staff[role]] + ([staff[f"{role}_2"]] if f"{role}_2" in staff else [])
            rows = list(db.session.get(Application, application_id).work_items)
            if any(row.status == "new" for row in rows):
                AssignWorkItemsCommand(application_id, actor("assign"), {
                    row.id: holders[i % len(holders)].id for i, row in enumerate(rows)}).run()
            continue
        wanted = {"enter": ("assigned", "returned"), "verify": ("entered",), "validate": ("verified",)}[current]
        for row in list(application.work_items):
            if row.status not in wanted:
                continue
            if current == "enter":
                values, files = fill_form(spec["columns"])
                WorkItemStepCommand(row.id, row.assignee, "enter", values=values,
                                    files={k: IncomingFile.from_storage(_Named(*v)) for k, v in files.items()}).run()
            else:
                WorkItemStepCommand(row.id, actor(current), current).run()


def _paid_in_full(transition: dict, application: Application) -> dict:
    """The demo treasurer records the amount due as received (no shortfall on demo kuitansi)."""
    overrides = {}
    for effect in transition.get("effects") or []:
        name, args = effect_name_and_args(effect)
        amount_field = (args or {}).get("amount_field") if name == "set_payment_status" else None
        pending = [p for p in application.payments if p.status == "submitted" and p.superseded_at is None]
        if amount_field and pending:
            overrides[amount_field] = int(pending[-1].amount)
    return overrides


def load_applications(rules: Rules, customers: list[User], staff: dict[str, dict[str, User]]) -> None:
    for index, (service_key, service) in enumerate(rules.services()):
        service_row = db.session.scalar(select(ServiceType).where(ServiceType.key == service_key))
        if db.session.scalar(select(func.count(Application.id)).where(
                Application.service_type_id == service_row.id)):
            continue
        path = happy_path(rules.workflow_for(service_key))
        kinds = service.get("customer_kinds") or ["person", "company", "institution"]
        eligible = [c for c in customers if _kind(c) in kinds] or customers
        customer = eligible[index % len(eligible)]
        # one at the start, one half-way, one finished
        for steps in (0, len(path) // 2, len(path)):
            body = application_input(rules, service_key, customer, path)
            application = CreateApplicationCommand(customer, service_key, **body).run()
            drive(application.id, path[:steps], rules, customer, staff[service["agency"]])


def _kind(user: User) -> str:
    profile = db.session.scalar(select(CustomerProfile).where(CustomerProfile.user_id == user.id))
    return profile.kind if profile else "person"


# What a demo history row says instead of being sent (Konfigurasi → Pengiriman, `flask outbox status`).
DEMO_HISTORY_NOTE = "riwayat demo: ditandai terkirim tanpa dikirim (flask demo load)"
QUIET_CHANNELS = ("email", "whatsapp")


def load_demo() -> int:
    """Load the demo; returns how many historic emails/WhatsApp messages were marked delivered
    without sending (inbox messages and documents are still produced by the worker)."""
    if not current_app.config.get("DEMO_DATA_ALLOWED"):
        raise click.ClickException("Demo data (every password Demo12345) is refused by this configuration.")
    rules = rules_state().file_rules
    staff = load_staff(rules)
    customers = load_customers()
    before = db.session.scalar(select(func.max(OutboxMessage.id))) or 0
    load_applications(rules, customers, staff)
    return quiet_demo_history(after_id=before)


def quiet_demo_history(*, after_id: int) -> int:
    """The demo's past does not flood the local mailbox: its email and WhatsApp rows are marked
    delivered with a note; only activity after the load is sent."""
    rows = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.id > after_id, OutboxMessage.kind == "notification",
        OutboxMessage.channel.in_(QUIET_CHANNELS), OutboxMessage.status == "pending")).all()
    now = utcnow()
    for row in rows:
        row.status, row.sent_at, row.last_error = "sent", now, DEMO_HISTORY_NOTE
    db.session.commit()
    return len(rows)


def signatory_lines() -> list[str]:
    """Who signs with the demo passphrase (each signatory's key is encrypted under it)."""
    lines = []
    for signatory, agency in db.session.execute(select(Signatory, Agency).join(
            Agency, Agency.id == Signatory.agency_id).order_by(Agency.id, Signatory.id)):
        holder = db.session.get(User, signatory.user_id) if signatory.user_id else None
        lines.append(f"  {holder.username if holder else '-':<28} {signatory.name} ({agency.code})")
    return lines


def print_accounts() -> None:
    rules = rules_state().file_rules
    base = current_app.config["PORTAL_BASE_URL"]
    click.echo("")
    click.echo(f"SatuPintu demo accounts — every password is {DEMO_PASSWORD}")
    click.echo(f"  back office: {base}/login/   API: {base}/api/v1/   Swagger UI: {base}/swagger/v1")
    click.echo(f"  {'admin':<28} Administrator (all agencies)")
    for agency_key, agency in rules.agencies():
        click.echo(f"  -- {agency.get('short_name') or agency['name']}")
        for role in agency_roles(rules, agency_key):
            click.echo(f"  {staff_username(agency_key, role):<28} {role_label(rules, role, agency_key)}")
        for role in work_row_roles(rules, agency_key):
            click.echo(f"  {staff_username(agency_key, role) + '_2':<28} {role_label(rules, role, agency_key)} 2")
        click.echo(f"  {staff_username(agency_key, AGENCY_ADMIN_ROLE):<28} {AGENCY_ADMIN_LABEL}")
    click.echo("  -- Pelanggan (customers)")
    for username, kind, name, *_ in CUSTOMERS:
        click.echo(f"  {username:<28} {name} ({kind})")
    signers = signatory_lines()
    if signers:
        click.echo(f"  -- Penandatangan (signatories): signing passphrase {DEMO_PASSPHRASE}")
        for line in signers:
            click.echo(line)
    click.echo("")
