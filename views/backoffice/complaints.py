"""Complaints (pengaduan) and application messages, staff side: read, reply, set status."""
from __future__ import annotations

from flask import flash, g, redirect, request, url_for
from flask_babel import gettext
from flask_appbuilder import BaseView, expose, has_access
from sqlalchemy import func, select

from app.security.access import scope_applications
from app.commands.complaint import (COMPLAINT_STATUSES, ReplyComplaintCommand, complaint_visible,
                                    scope_complaints)
from app.core.errors import SatuPintuError
from app.extensions import db
from models import Application, Complaint, Message
from views.backoffice.common import platform_errors, customer_names, local_time, user_zone
from views.backoffice.forms import ComplaintReplyForm

PAGE_SIZE = 25
CAP = 1000


def _capped(stmt, column) -> int:
    inner = stmt.with_only_columns(column).order_by(None).limit(CAP + 1).subquery()
    return db.session.scalar(select(func.count()).select_from(inner))


class ComplaintDeskView(BaseView):
    route_base = "/backoffice/pengaduan"
    class_permission_name = "ComplaintDesk"
    method_permission_name = {"index": "list", "show": "show", "messages": "list"}
    default_view = "index"

    @expose("/")
    @has_access
    @platform_errors
    def index(self):
        status = request.args.get("status", "")
        page = max(0, request.args.get("page", 0, type=int))
        stmt = scope_complaints(select(Complaint), g.user)
        if status in COMPLAINT_STATUSES:
            stmt = stmt.where(Complaint.status == status)
        count = _capped(stmt, Complaint.id)
        rows = db.session.scalars(stmt.order_by(Complaint.id.desc()).offset(page * PAGE_SIZE).limit(PAGE_SIZE)).all()
        names = customer_names(c.user_id for c in rows)
        apps = {a.id: a for a in db.session.scalars(select(Application).where(
            Application.id.in_([c.application_id for c in rows if c.application_id])))}
        return self.render_template("backoffice/complaints.html", rows=rows, names=names, apps=apps,
                                    statuses=COMPLAINT_STATUSES, status=status, page=page, count=count,
                                    capped=count > CAP, has_next=count > (page + 1) * PAGE_SIZE,
                                    page_size=PAGE_SIZE, local_time=lambda v: local_time(v, user_zone(g.user)))

    @expose("/<int:pk>", methods=["GET", "POST"])
    @has_access
    @platform_errors
    def show(self, pk: int):
        complaint = complaint_visible(db.session.get(Complaint, pk), g.user)
        form = ComplaintReplyForm(obj=None)
        errors = {}
        if request.method == "POST":
            if form.validate_on_submit():
                try:
                    ReplyComplaintCommand(pk, g.user, reply=form.reply.data, status=form.status.data).run()
                except SatuPintuError as error:
                    errors = error.details.get("field_errors", {})
                    flash(error.text, "danger")
                else:
                    flash(gettext("Tanggapan disimpan; pelapor diberi tahu."), "success")
                    return redirect(url_for(".show", pk=pk))
            else:
                flash(gettext("Formulir kedaluwarsa atau tidak sah. Muat ulang halaman lalu coba lagi."), "danger")
        else:
            form.status.data = complaint.status
            form.reply.data = complaint.reply
        names = customer_names([complaint.user_id, complaint.replied_by_id])
        application = db.session.get(Application, complaint.application_id) if complaint.application_id else None
        return self.render_template("backoffice/complaint.html", complaint=complaint, form=form, errors=errors,
                                    names=names, application=application, statuses=COMPLAINT_STATUSES,
                                    local_time=lambda v: local_time(v, user_zone(g.user)))

    @expose("/pesan")
    @has_access
    @platform_errors
    def messages(self):
        """The latest messages of the applications the user may see, newest first."""
        page = max(0, request.args.get("page", 0, type=int))
        visible = scope_applications(select(Application.id), g.user)
        stmt = select(Message).where(Message.application_id.in_(visible))
        count = _capped(stmt, Message.id)
        rows = db.session.scalars(stmt.order_by(Message.id.desc()).offset(page * PAGE_SIZE).limit(PAGE_SIZE)).all()
        apps = {a.id: a for a in db.session.scalars(select(Application).where(
            Application.id.in_({m.application_id for m in rows})))}
        names = customer_names(m.sender_id for m in rows)
        return self.render_template("backoffice/messages.html", rows=rows, apps=apps, names=names, page=page,
                                    count=count, capped=count > CAP, has_next=count > (page + 1) * PAGE_SIZE,
                                    page_size=PAGE_SIZE, local_time=lambda v: local_time(v, user_zone(g.user)))
