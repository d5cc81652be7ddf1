"""Support from the portal: complaints (Pengaduan) with their status and reply, and the in-app
Inbox that notifications are delivered to."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from app.core.errors import N_
from app.extensions import db
from app.portal.auth import login_required_customer
from models import Agency, Application, Complaint, InboxMessage
from models.base import utcnow

portal_support = Blueprint("portal_support", __name__, url_prefix="/portal")
PAGE_SIZE = 20
CATEGORIES = [
    ("pelayanan", N_("Prosedur dan kualitas pelayanan")),
    ("persyaratan", N_("Persyaratan")),
    ("waktu", N_("Waktu penyelesaian")),
    ("biaya", N_("Biaya/tarif dan pembayaran")),
    ("petugas", N_("Perilaku petugas")),
    ("aplikasi", N_("Aplikasi/website")),
    ("pungli", N_("Dugaan pungutan liar/gratifikasi")),
    ("lainnya", N_("Lainnya")),
]
STATUS_LABELS = {"baru": N_("Baru — menunggu tanggapan"), "diproses": N_("Sedang ditindaklanjuti"),
                 "selesai": N_("Selesai")}


@portal_support.before_request
def _csrf():
    from app.portal.blueprint import protect_portal_posts
    return protect_portal_posts()


@portal_support.app_context_processor
def _unread_inbox() -> dict:
    """How many unread inbox messages the customer has (for a badge in the menu)."""
    def unread() -> int:
        if not getattr(current_user, "is_authenticated", False):
            return 0
        return db.session.scalar(select(func.count(InboxMessage.id)).where(
            InboxMessage.user_id == current_user.id, InboxMessage.read_at.is_(None))) or 0
    return {"portal_unread_inbox": unread}


def _my_applications() -> list[Application]:
    return list(db.session.scalars(select(Application).where(Application.customer_id == current_user.id)
                                   .order_by(Application.id.desc()).limit(200)))


@portal_support.route("/pengaduan", methods=["GET", "POST"])
@login_required_customer
def complaints():
    errors, values = {}, {"application_id": request.args.get("permohonan", ""), "category": "", "text": "",
                          "agency_id": ""}
    applications = _my_applications()
    agencies = list(db.session.scalars(select(Agency).where(Agency.active.is_(True)).order_by(Agency.name)))
    if request.method == "POST":
        values = {k: (request.form.get(k) or "").strip() for k in ("application_id", "category", "text", "agency_id")}
        application = None
        if values["application_id"] not in ("", "lainnya"):
            application = next((a for a in applications if str(a.id) == values["application_id"]), None)
            if application is None:
                errors["application_id"] = _("Permohonan tidak ditemukan.")
        elif not values["application_id"]:
            errors["application_id"] = _("Pilih permohonan yang diadukan, atau \"Lainnya\".")
        agency_id = application.agency_id if application else None
        if application is None and values["application_id"] == "lainnya":
            agency = next((a for a in agencies if str(a.id) == values["agency_id"]), None)
            if agency is None:
                errors["agency_id"] = _("Pilih instansi yang dituju.")
            else:
                agency_id = agency.id
        if values["category"] not in {key for key, _label in CATEGORIES}:
            errors["category"] = _("Pilih kategori pengaduan.")
        if len(values["text"]) < 10:
            errors["text"] = _("Tuliskan pengaduan Anda (minimal 10 karakter).")
        elif len(values["text"]) > 4000:
            errors["text"] = _("Maksimal 4.000 karakter.")
        if not errors:
            complaint = Complaint(user_id=current_user.id, agency_id=agency_id,
                                  application_id=application.id if application else None,
                                  category=values["category"], text=values["text"], status="baru")
            db.session.add(complaint)
            db.session.commit()
            flash(_("Pengaduan terkirim. Tanggapan petugas akan tampil di halaman ini."), "success")
            return redirect(url_for("portal_support.complaint", complaint_id=complaint.id))
    rows = list(db.session.scalars(select(Complaint).where(Complaint.user_id == current_user.id)
                                   .order_by(Complaint.id.desc()).limit(100)))
    return render_template("portal/support/complaints.html", rows=rows, errors=errors, values=values,
                           applications=applications, agencies=agencies, categories=CATEGORIES,
                           status_labels=STATUS_LABELS), 422 if errors else 200


@portal_support.route("/pengaduan/<int:complaint_id>")
@login_required_customer
def complaint(complaint_id: int):
    row = db.session.get(Complaint, complaint_id)
    if row is None or row.user_id != current_user.id:
        abort(404)
    application = db.session.get(Application, row.application_id) if row.application_id else None
    return render_template("portal/support/complaint.html", row=row, application=application,
                           categories=dict(CATEGORIES), status_labels=STATUS_LABELS)


@portal_support.route("/inbox")
@login_required_customer
def inbox():
    page = max(1, request.args.get("page", 1, type=int))
    stmt = select(InboxMessage).where(InboxMessage.user_id == current_user.id)
    total = db.session.scalar(select(func.count()).select_from(stmt.with_only_columns(InboxMessage.id).subquery()))
    rows = list(db.session.scalars(stmt.order_by(InboxMessage.id.desc())
                                   .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)))
    return render_template("portal/support/inbox.html", rows=rows, page=page,
                           pages=max(1, (total + PAGE_SIZE - 1) // PAGE_SIZE))


@portal_support.route("/inbox/<int:message_id>")
@login_required_customer
def inbox_message(message_id: int):
    row = db.session.get(InboxMessage, message_id)
    if row is None or row.user_id != current_user.id:
        abort(404)
    if row.read_at is None:
        row.read_at = utcnow()
        db.session.commit()
    application = db.session.get(Application, row.application_id) if row.application_id else None
    if application is not None and application.customer_id != current_user.id:
        application = None
    return render_template("portal/support/inbox_message.html", row=row, application=application)


@portal_support.route("/inbox/baca-semua", methods=["POST"])
@login_required_customer
def inbox_read_all():
    for row in db.session.scalars(select(InboxMessage).where(InboxMessage.user_id == current_user.id,
                                                             InboxMessage.read_at.is_(None))):
        row.read_at = utcnow()
    db.session.commit()
    return redirect(url_for("portal_support.inbox"))
