"""Portal: an equipment provider's customers (Daftar Pelanggan) — add by NPWP, register as owner,
hand over an instrument, release. Only participants of a group with ``manages_customers``."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.commands.providers import (AddProviderCustomerCommand, ReleaseProviderCustomerCommand,
                                    RequestOwnerRegistrationCommand, TransferInstrumentCommand, lookup_npwp,
                                    own_customer, provider_agencies, provider_customers)
from app.core.errors import N_, ForbiddenError, NotFoundError, ValidationError
from app.extensions import db
from app.portal.auth import login_required_customer
from models import Asset, AssetTransfer
from models.participants import CUSTOMER_ACTIVE, OWNER_APPROVED, OWNER_REFUSED, OWNER_REQUESTED

portal_providers = Blueprint("portal_providers", __name__, url_prefix="/portal")

STATUS_LABELS = {
    CUSTOMER_ACTIVE: (N_("Pelanggan"), "info"),
    OWNER_REQUESTED: (N_("Menunggu persetujuan admin"), "warn"),
    OWNER_APPROVED: (N_("Terdaftar sebagai pemilik"), "ok"),
    OWNER_REFUSED: (N_("Pendaftaran pemilik ditolak"), "danger"),
}
CUSTOMER_FIELDS = (("name", N_("Nama pelanggan / perusahaan")), ("address", N_("Alamat")), ("phone", N_("Telepon")),
                   ("email", N_("Email")))
PIC_FIELDS = (("pic_name", N_("Nama PIC")), ("pic_nik", N_("NIK PIC")), ("pic_email", N_("Email PIC")),
              ("pic_phone", N_("Telepon/WhatsApp PIC")))


@portal_providers.before_request
def _csrf():
    from app.portal.blueprint import protect_portal_posts
    return protect_portal_posts()


def _provider_or_403():
    try:
        return provider_agencies(current_user)
    except ForbiddenError:  # pragma: no cover - provider_agencies never raises
        abort(403)


def _forbidden():
    return render_template("portal/providers/forbidden.html"), 403


def _errors_of(error: ValidationError) -> dict:
    errors = dict(error.details.get("field_errors") or {})
    if not errors:
        errors["_form"] = error.text
    return errors


@portal_providers.route("/pelanggan", methods=["GET"])
@login_required_customer
def customers():
    agencies = _provider_or_403()
    if not agencies:
        return _forbidden()
    rows = provider_customers(current_user)
    counts = {}
    user_ids = [r.customer_user_id for r in rows if r.customer_user_id]
    if user_ids:
        for owner_id in db.session.scalars(select(Asset.owner_id).where(Asset.owner_id.in_(user_ids))):
            counts[owner_id] = counts.get(owner_id, 0) + 1
    return render_template("portal/providers/customers.html", rows=rows, counts=counts, labels=STATUS_LABELS,
                           agencies=agencies)


@portal_providers.route("/pelanggan/tambah", methods=["GET", "POST"])
@login_required_customer
def add_customer():
    if not _provider_or_403():
        return _forbidden()
    values = {k: (request.values.get(k) or "").strip() for k in ("npwp", "name", "address", "phone", "email")}
    errors, found, checked = {}, None, False
    status = 200
    if request.method == "POST" and request.form.get("langkah") != "cek":
        try:
            row = AddProviderCustomerCommand(current_user, values).run()
        except ValidationError as error:
            errors, status = _errors_of(error), 422
        else:
            flash(_("Pelanggan %(name)s ditambahkan.", name=row.name), "success")
            return redirect(url_for("portal_providers.customer", customer_id=row.id))
    if values["npwp"] and "npwp" not in errors:
        try:
            lookup = lookup_npwp(values["npwp"])
        except ValidationError as error:
            errors.update(_errors_of(error))
            status = 422
        else:
            checked = True
            values["npwp"] = lookup.npwp
            if lookup.profile is not None:
                found = lookup.prefill
                values.update({k: v or "" for k, v in found.items()})
    return render_template("portal/providers/add.html", values=values, errors=errors, found=found,
                           checked=checked, fields=CUSTOMER_FIELDS), status


@portal_providers.route("/pelanggan/<int:customer_id>", methods=["GET"])
@login_required_customer
def customer(customer_id: int, errors: dict | None = None, values: dict | None = None, status: int = 200):
    if not _provider_or_403():
        return _forbidden()
    try:
        row = own_customer(current_user, customer_id)
    except (NotFoundError, ForbiddenError):
        abort(404)
    my_assets = list(db.session.scalars(select(Asset).where(Asset.owner_id == current_user.id).order_by(Asset.name)))
    their_assets = list(db.session.scalars(select(Asset).where(Asset.owner_id == row.customer_user_id)
                                           .order_by(Asset.name))) if row.customer_user_id else []
    handed = list(db.session.scalars(select(AssetTransfer).where(
        AssetTransfer.from_user_id == current_user.id, AssetTransfer.to_user_id == row.customer_user_id)
        .order_by(AssetTransfer.id))) if row.customer_user_id else []
    pic = values or {k: getattr(row, k) or "" for k, _l in PIC_FIELDS}
    return render_template("portal/providers/customer.html", row=row, labels=STATUS_LABELS, errors=errors or {},
                           pic=pic, pic_fields=PIC_FIELDS, my_assets=my_assets, their_assets=their_assets,
                           handed=handed), status


@portal_providers.route("/pelanggan/<int:customer_id>/daftarkan", methods=["POST"])
@login_required_customer
def register_owner(customer_id: int):
    if not _provider_or_403():
        return _forbidden()
    values = {k: (request.form.get(k) or "").strip() for k, _l in PIC_FIELDS}
    try:
        RequestOwnerRegistrationCommand(current_user, customer_id, values).run()
    except (NotFoundError, ForbiddenError):
        abort(404)
    except ValidationError as error:
        db.session.rollback()
        return customer(customer_id, errors=_errors_of(error), values=values, status=422)
    flash(_("Pendaftaran pemilik dikirim. Admin akan memeriksa dan mengaktifkan akun PIC."), "success")
    return redirect(url_for("portal_providers.customer", customer_id=customer_id))


@portal_providers.route("/pelanggan/<int:customer_id>/alihkan", methods=["POST"])
@login_required_customer
def transfer(customer_id: int):
    if not _provider_or_403():
        return _forbidden()
    try:
        asset_id = int(request.form.get("asset_id") or 0)
    except ValueError:
        asset_id = 0
    if not request.form.get("konfirmasi"):
        return customer(customer_id, errors={"konfirmasi": _("Centang konfirmasi pengalihan kepemilikan.")},
                        status=422)
    try:
        asset = TransferInstrumentCommand(current_user, customer_id, asset_id).run()
    except (NotFoundError, ForbiddenError):
        abort(404)
    except ValidationError as error:
        db.session.rollback()
        return customer(customer_id, errors=_errors_of(error), status=422)
    flash(_("Kepemilikan alat %(name)s dialihkan.", name=asset.name), "success")
    return redirect(url_for("portal_providers.customer", customer_id=customer_id))


@portal_providers.route("/pelanggan/<int:customer_id>/lepas", methods=["POST"])
@login_required_customer
def release(customer_id: int):
    if not _provider_or_403():
        return _forbidden()
    try:
        row = ReleaseProviderCustomerCommand(current_user, customer_id).run()
    except (NotFoundError, ForbiddenError):
        abort(404)
    except ValidationError as error:
        db.session.rollback()
        return customer(customer_id, errors=_errors_of(error), status=422)
    flash(_("Pelanggan %(name)s dilepaskan dari daftar Anda.", name=row.name), "info")
    return redirect(url_for("portal_providers.customers"))
