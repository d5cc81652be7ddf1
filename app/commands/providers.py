"""Participant groups and the customers of equipment providers (rules: an agency's ``participant_groups``).

A participant of a group whose rules say ``manages_customers`` (an equipment provider) keeps a list
of the customers who use its instruments: it adds one by NPWP lookup, asks the agency to register
that customer as an owner (a staff member holding one of ``approved_by`` decides), hands an
instrument over, and releases the customer. Every step is appended to the row's ``history`` (who,
when, what) and each command commits once.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass

from flask import current_app, url_for
from sqlalchemy import or_, select

from app.core.errors import N_, ForbiddenError, NotFoundError, ValidationError, translate
from app.extensions import db
from app.commands.rules.state import rules_state
from app.workflow.fields import FieldValueError, clean_email, clean_nik, clean_npwp, clean_phone
from app.commands.base import Command
from models import Agency, Asset, AssetTransfer, CustomerProfile, OutboxMessage, StaffProfile, User
from models.base import utcnow
from models.participants import (CUSTOMER_ACTIVE, CUSTOMER_RELEASED, OWNER_APPROVED, OWNER_REFUSED,
                                 OWNER_REQUESTED, Participant, ProviderCustomer)


# ---------------------------------------------------------------- rules helpers


def participant_groups(agency_key: str) -> list[dict]:
    """The agency's participant groups from the active rules ([] when it declares none)."""
    agency = (rules_state().file_rules.data.get("agencies") or {}).get(agency_key) or {}
    return list(agency.get("participant_groups") or [])


def group_spec(agency_key: str, group_key: str) -> dict | None:
    return next((g for g in participant_groups(agency_key) if g["key"] == group_key), None)


def provider_agencies(user) -> list[tuple[Agency, dict]]:
    """The agencies where ``user`` belongs to a group that manages customers, with that group."""
    if user is None or not getattr(user, "id", None):
        return []
    result = []
    rows = db.session.execute(select(Participant, Agency).join(Agency, Agency.id == Participant.agency_id)
                              .where(Participant.user_id == user.id)).all()
    for participant, agency in rows:
        group = group_spec(agency.key, participant.group_key)
        if group and group.get("manages_customers"):
            result.append((agency, group))
    return result


def participant_group_of(user_id: int, agency_id: int) -> str | None:
    return db.session.scalar(select(Participant.group_key).where(Participant.user_id == user_id,
                                                                 Participant.agency_id == agency_id))


def set_participant_group(user_id: int, agency_id: int, group_key: str) -> None:
    """Put the user in ``group_key`` at the agency (no commit)."""
    row = db.session.scalar(select(Participant).where(Participant.user_id == user_id,
                                                      Participant.agency_id == agency_id))
    if row is None:
        db.session.add(Participant(user_id=user_id, agency_id=agency_id, group_key=group_key))
    else:
        row.group_key = group_key


def _history(row: ProviderCustomer, actor, action: str, note: str = "", **extra) -> None:
    entry = {"at": utcnow().isoformat(), "by": getattr(actor, "id", None), "action": action, "note": note}
    entry.update(extra)
    row.history = list(row.history or []) + [entry]


def _field_error(field: str, message: str) -> ValidationError:
    return ValidationError(details={"field_errors": {field: translate(message)}})


def _clean(errors: dict, values: dict, name: str, cleaner, raw) -> None:
    try:
        values[name] = cleaner(raw)
    except FieldValueError as error:
        errors[name] = str(error.message)


# ---------------------------------------------------------------- provider side


def require_provider(user, agency_id: int | None = None) -> tuple[Agency, dict]:
    """The (agency, group) in which ``user`` manages customers; 403 for anyone else."""
    found = provider_agencies(user)
    if agency_id is not None:
        found = [(a, g) for a, g in found if a.id == agency_id]
    if not found:
        raise ForbiddenError(N_("Halaman ini khusus untuk peserta kelompok penyedia alat."))
    return found[0]


def own_customer(user, customer_id: int) -> ProviderCustomer:
    """One of the provider's own customers; anybody else's is a 404 (never probed)."""
    row = db.session.get(ProviderCustomer, customer_id)
    if row is None or row.provider_id != getattr(user, "id", None):
        raise NotFoundError(N_("Pelanggan tidak ditemukan."))
    require_provider(user, row.agency_id)
    return row


def provider_customers(user) -> list[ProviderCustomer]:
    ids = [a.id for a, _g in provider_agencies(user)]
    if not ids:
        return []
    return list(db.session.scalars(select(ProviderCustomer).where(
        ProviderCustomer.provider_id == user.id, ProviderCustomer.agency_id.in_(ids),
        ProviderCustomer.status != CUSTOMER_RELEASED).order_by(ProviderCustomer.name, ProviderCustomer.id)))


def registered_by_npwp(npwp: str) -> CustomerProfile | None:
    """The registered customer whose personal or organisation NPWP is ``npwp`` (16-digit form)."""
    return db.session.scalar(select(CustomerProfile).where(or_(
        CustomerProfile.npwp == npwp, CustomerProfile.organisation_npwp == npwp))
        .order_by(CustomerProfile.id).limit(1))


@dataclass
class NpwpLookup:
    npwp: str
    profile: CustomerProfile | None

    @property
    def prefill(self) -> dict:
        p = self.profile
        if p is None:
            return {"npwp": self.npwp}
        # only what identifies the holder: their phone and email stay theirs (UU PDP)
        return {"npwp": self.npwp, "name": p.organisation_name or p.full_name,
                "address": p.organisation_address or p.full_address, "phone": "", "email": ""}


def lookup_npwp(raw: str) -> NpwpLookup:
    """"Cek": the canonical NPWP and, when that NPWP is registered, its holder's data."""
    if not (raw or "").strip():
        raise _field_error("npwp", N_("NPWP wajib diisi."))
    try:
        npwp = clean_npwp(raw)
    except FieldValueError as error:
        raise ValidationError(details={"field_errors": {"npwp": str(error.message)}}) from None
    return NpwpLookup(npwp=npwp, profile=registered_by_npwp(npwp))


class AddProviderCustomerCommand(Command):
    """Add a customer to the provider's list: the NPWP decides who it is; a registered holder of
    that NPWP is linked (their own data is kept), anyone else is described by the form."""

    def __init__(self, provider, values: dict):
        self.provider, self.values = provider, values

    def _run(self) -> ProviderCustomer:
        agency, _group = require_provider(self.provider)
        lookup = lookup_npwp(self.values.get("npwp", ""))
        errors: dict = {}
        duplicate = db.session.scalar(select(ProviderCustomer.id).where(
            ProviderCustomer.provider_id == self.provider.id, ProviderCustomer.agency_id == agency.id,
            ProviderCustomer.npwp == lookup.npwp, ProviderCustomer.status != CUSTOMER_RELEASED))
        if duplicate is not None:
            errors["npwp"] = translate(N_("Pelanggan dengan NPWP ini sudah ada dalam daftar Anda."))
        if lookup.profile is not None and lookup.profile.user_id == self.provider.id:
            errors["npwp"] = translate(N_("Ini NPWP Anda sendiri."))
        values = dict(lookup.prefill) if lookup.profile is not None else {"npwp": lookup.npwp}
        if lookup.profile is None:
            name = (self.values.get("name") or "").strip()
            if not name:
                errors["name"] = translate(N_("Wajib diisi."))
            elif len(name) > 255:
                errors["name"] = translate(N_("Isian terlalu panjang."))
            values["name"] = name
            values["address"] = (self.values.get("address") or "").strip()[:2000]
            if (self.values.get("phone") or "").strip():
                _clean(errors, values, "phone", clean_phone, self.values["phone"])
            if (self.values.get("email") or "").strip():
                _clean(errors, values, "email", clean_email, self.values["email"])
        if errors:
            raise ValidationError(details={"field_errors": errors})
        row = ProviderCustomer(
            provider_id=self.provider.id, agency_id=agency.id, npwp=lookup.npwp, name=values["name"][:255],
            address=values.get("address") or "", phone=(values.get("phone") or "")[:20],
            email=(values.get("email") or "")[:255], status=CUSTOMER_ACTIVE, history=[],
            customer_user_id=lookup.profile.user_id if lookup.profile else None)
        _history(row, self.provider, "tambah")
        db.session.add(row)
        return row


class RequestOwnerRegistrationCommand(Command):
    """Ask the agency to register the customer as an owner, with the PIC who will use the portal."""

    def __init__(self, provider, customer_id: int, values: dict):
        self.provider, self.customer_id, self.values = provider, customer_id, values

    def _run(self) -> ProviderCustomer:
        row = own_customer(self.provider, self.customer_id)
        if row.status not in (CUSTOMER_ACTIVE, OWNER_REFUSED):
            raise ValidationError(N_("Pelanggan ini sudah didaftarkan sebagai pemilik."))
        errors, values = {}, {}
        name = (self.values.get("pic_name") or "").strip()
        if not name:
            errors["pic_name"] = translate(N_("Wajib diisi."))
        values["pic_name"] = name[:255]
        _clean(errors, values, "pic_nik", clean_nik, self.values.get("pic_nik") or "")
        _clean(errors, values, "pic_email", clean_email, self.values.get("pic_email") or "")
        _clean(errors, values, "pic_phone", clean_phone, self.values.get("pic_phone") or "")
        if errors:
            raise ValidationError(details={"field_errors": errors})
        for key, value in values.items():
            setattr(row, key, value)
        row.status, row.requested_at, row.decision_note = OWNER_REQUESTED, utcnow(), ""
        _history(row, self.provider, "daftarkan_pemilik")
        return row


class TransferInstrumentCommand(Command):
    """Hand one of the provider's instruments to a customer of its list who has a portal account
    (the same AssetTransfer record as a customer-to-customer transfer)."""

    def __init__(self, provider, customer_id: int, asset_id: int):
        self.provider, self.customer_id, self.asset_id = provider, customer_id, asset_id

    def _run(self) -> Asset:
        row = own_customer(self.provider, self.customer_id)
        asset = db.session.get(Asset, self.asset_id)
        if asset is None or asset.owner_id != self.provider.id:
            raise _field_error("asset_id", N_("Pilih alat milik Anda yang akan dialihkan."))
        if row.customer_user_id is None or row.status == CUSTOMER_RELEASED:
            raise _field_error("asset_id", N_(
                "Pelanggan ini belum memiliki akun. Daftarkan sebagai pemilik dan tunggu persetujuan admin."))
        transfer_asset(asset, self.provider, row.customer_user_id)
        _history(row, self.provider, "alihkan_alat", asset_id=asset.id, asset=str(asset))
        return asset


def transfer_asset(asset: Asset, from_user, to_user_id: int) -> None:
    """Record the hand-over and change the owner (no commit): the one way an instrument changes hands."""
    db.session.add(AssetTransfer(asset_id=asset.id, from_user_id=from_user.id, to_user_id=to_user_id))
    asset.owner_id = to_user_id


class ReleaseProviderCustomerCommand(Command):
    """Remove the customer from the provider's list (their own account and instruments stay)."""

    def __init__(self, provider, customer_id: int):
        self.provider, self.customer_id = provider, customer_id

    def _run(self) -> ProviderCustomer:
        row = own_customer(self.provider, self.customer_id)
        if row.status == OWNER_REQUESTED:
            raise ValidationError(N_("Pendaftaran pemilik pelanggan ini masih menunggu keputusan admin."))
        row.status, row.released_at = CUSTOMER_RELEASED, utcnow()
        _history(row, self.provider, "lepas")
        return row


# ---------------------------------------------------------------- agency side


def approver_roles(agency_key: str, group_key: str | None = None) -> set[str]:
    """Staff roles that decide owner registrations at the agency (``manages_customers.approved_by``)."""
    roles: set[str] = set()
    for group in participant_groups(agency_key):
        manages = group.get("manages_customers") or {}
        if manages and (group_key is None or group["key"] == group_key):
            roles |= set(manages.get("approved_by") or [])
    return roles


def decider_agency_ids(user) -> list[int] | None:
    """Agencies whose owner registrations ``user`` may decide; None means every agency (administrator)."""
    from app.security.access import is_admin, role_names, staff_profile

    if is_admin(user):
        return None
    profile = staff_profile(user)
    if profile is None or not (role_names(user) & approver_roles(profile.agency.key)):
        return []
    return [profile.agency_id]


class DecideOwnerRegistrationCommand(Command):
    """Approve or refuse a provider's request. Approval links the customer's account (the NPWP's
    registered holder or the PIC's NIK) or creates one for the PIC, puts it in the owner group and
    emails the PIC how to set a password; refusal needs a note. Staff of another agency: 404."""

    def __init__(self, actor, customer_id: int, approve: bool, note: str = ""):
        self.actor, self.customer_id, self.approve, self.note = actor, customer_id, approve, (note or "").strip()

    def _run(self) -> ProviderCustomer:
        row = db.session.get(ProviderCustomer, self.customer_id)
        allowed = decider_agency_ids(self.actor)
        if row is None or (allowed is not None and row.agency_id not in allowed):
            raise NotFoundError(N_("Pengajuan tidak ditemukan."))
        if row.status != OWNER_REQUESTED:
            raise ValidationError(N_("Pengajuan ini sudah diputuskan."))
        if not self.approve:
            if not self.note:
                raise _field_error("note", N_("Tuliskan alasan penolakan."))
            row.status, row.decided_at, row.decided_by_id, row.decision_note = (
                OWNER_REFUSED, utcnow(), self.actor.id, self.note[:2000])
            _history(row, self.actor, "tolak_pemilik", self.note)
            return row
        owner_group = next((g.get("manages_customers", {}).get("register_as")
                            for g in participant_groups(row.agency.key)
                            if g.get("manages_customers")), None) or "pemilik"
        user_id = row.customer_user_id or self._account_for_pic(row)
        row.customer_user_id = user_id
        set_participant_group(user_id, row.agency_id, owner_group)
        row.status, row.decided_at, row.decided_by_id, row.decision_note = (
            OWNER_APPROVED, utcnow(), self.actor.id, self.note[:2000])
        _history(row, self.actor, "setujui_pemilik", self.note)
        self._tell_pic(row, user_id)
        return row

    def _account_for_pic(self, row: ProviderCustomer) -> int:
        from app.extensions import appbuilder
        from app.security.roles import CUSTOMER_ROLE

        existing = db.session.scalar(select(CustomerProfile).where(CustomerProfile.nik == row.pic_nik))
        if existing is not None:
            return existing.user_id
        sm = appbuilder.sm
        if db.session.scalar(select(User.id).where(or_(User.username == row.pic_nik, User.email == row.pic_email))):
            raise ValidationError(N_("NIK atau email PIC sudah dipakai akun lain. Minta penyedia memperbaiki data PIC."))
        first, _sep, last = row.pic_name.partition(" ")
        user = sm.add_user(row.pic_nik, first[:64], (last or "-")[:64], row.pic_email, sm.find_role(CUSTOMER_ROLE),
                           secrets.token_urlsafe(24) + "aA1!", commit=False)
        if not user:
            raise ValidationError(N_("Akun pemilik tidak dapat dibuat."))
        user.active = True
        db.session.add(CustomerProfile(
            user_id=user.id, kind="company", full_name=row.pic_name, nik=row.pic_nik, phone=row.pic_phone,
            organisation_name=row.name, organisation_npwp=row.npwp, organisation_address=row.address,
            organisation_email=row.email, organisation_phone=row.phone, email_verified_at=utcnow()))
        db.session.flush()
        return user.id

    def _tell_pic(self, row: ProviderCustomer, user_id: int) -> None:
        user = db.session.get(User, user_id)
        if user is None or not user.email:
            return
        base = current_app.config.get("PORTAL_BASE_URL", "").rstrip("/")
        body = translate(N_(
            "Yth. %(name)s,\n\n%(owner)s telah didaftarkan sebagai pemilik alat di %(agency)s atas permintaan "
            "penyedia alat %(provider)s. Masuk ke portal dengan NIK Anda di %(login)s; bila belum memiliki kata "
            "sandi, gunakan Lupa Kata Sandi di %(forgot)s."),
            name=row.pic_name or user.first_name, owner=row.name, agency=row.agency.short_name or row.agency.name,
            provider=_display_name(row.provider_id), login=base + url_for("portal.login"),
            forgot=base + url_for("portal.forgot_password"))
        db.session.add(OutboxMessage(kind="notification", channel="email", recipient_id=user.id,
                                     recipient_address=user.email, template="owner_registered",
                                     payload={"subject": translate(N_("Terdaftar sebagai pemilik alat")),
                                              "body": body}))


def _display_name(user_id: int) -> str:
    profile = db.session.scalar(select(CustomerProfile).where(CustomerProfile.user_id == user_id))
    if profile is None:
        user = db.session.get(User, user_id)
        return f"{user.first_name} {user.last_name}".strip() if user else "-"
    return profile.organisation_name or profile.full_name


def pending_registrations(user) -> list[ProviderCustomer]:
    allowed = decider_agency_ids(user)
    stmt = select(ProviderCustomer).where(ProviderCustomer.status == OWNER_REQUESTED)
    if allowed is not None:
        if not allowed:
            return []
        stmt = stmt.where(ProviderCustomer.agency_id.in_(allowed))
    return list(db.session.scalars(stmt.order_by(ProviderCustomer.requested_at, ProviderCustomer.id).limit(500)))


def staff_agency_id(user) -> int | None:
    profile = db.session.scalar(select(StaffProfile).where(StaffProfile.user_id == user.id))
    return profile.agency_id if profile else None
