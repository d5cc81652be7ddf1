"""The cart correction form on the back office (``cart_adjust`` in the rules): quantities and unit
prices of an application's lines before approval; the write is AdjustCartCommand's."""
from __future__ import annotations

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, TextAreaField

from app.commands.cart import AdjustCartCommand, cart_adjust_spec, may_adjust_cart
from app.core.errors import ConflictError, SatuPintuError
from views.backoffice.common import platform_errors


class CartAdjustForm(FlaskForm):
    version = HiddenField()
    note = TextAreaField(_l("Alasan penyesuaian"))


class CartAdjustView(BaseView):
    route_base = "/backoffice/permohonan"
    class_permission_name = "ApplicationDesk"
    method_permission_name = {"adjust": "act"}

    @expose("/<int:pk>/tarif", methods=["GET", "POST"])
    @has_access
    @platform_errors
    def adjust(self, pk: int):
        from views.backoffice.desk import load, page_context
        application = load(pk)
        if cart_adjust_spec(application) is None:
            abort(404)
        if not may_adjust_cart(application, g.user):
            if request.method == "POST":
                abort(403)
            flash(_("Tarif tidak dapat diubah oleh Anda pada status permohonan saat ini."), "danger")
            return redirect(url_for("ApplicationDeskView.show", pk=pk))
        form = CartAdjustForm()
        errors, status = {}, 200
        if request.method == "POST":
            if not form.validate_on_submit():
                flash(_("Formulir kedaluwarsa atau tidak sah. Muat ulang halaman lalu coba lagi."), "danger")
                status = 422
            else:
                lines = {line.id: {"quantity": request.form.get(f"line-{line.id}-quantity", ""),
                                   "unit_price": request.form.get(f"line-{line.id}-unit_price", "")}
                         for line in application.cart_lines}
                try:
                    if (form.version.data or "") != str(application.version):
                        raise ConflictError(code="stale")
                    AdjustCartCommand(pk, g.user, lines, form.note.data or "").run()
                except SatuPintuError as error:
                    errors = dict(error.details.get("field_errors") or {})
                    flash(error.text, "danger")
                    if error.status in (403, 404):
                        raise
                    status = error.status if error.status in (409, 422) else 422
                    application = load(pk)
                else:
                    flash(_("Tarif disesuaikan."), "success")
                    return redirect(url_for("ApplicationDeskView.show", pk=pk))
        form.version.data = str(application.version)
        return self.render_template("backoffice/cart_adjust.html", form=form, errors=errors,
                                    **page_context(application)), status
