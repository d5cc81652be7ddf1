"""Agency administrators (role ``admin_instansi``): scoped copies of the configuration screens.

An agency administrator is a staff account (``StaffProfile.agency_id``) holding the built-in role
``admin_instansi``. On these screens every list is filtered to their agency (base filters), every
add forces their agency, and a row of another agency is a 404 (Flask-AppBuilder looks rows up
through the same base filters). The platform administrator (role ``Admin``) sees every row here
too, but keeps using the unscoped screens of views/admin.py and views/backoffice/config.py; the
menu entries of this module are shown only to staff bound to an agency.

Users created here are staff of the administrator's agency, with roles limited to the agency's own roles and
the shared ones of the active rules, plus ``admin_instansi`` (never ``Admin``).
"""
from __future__ import annotations

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, ModelView, expose, has_access
from flask_appbuilder.fields import QuerySelectMultipleField
from flask_appbuilder.fieldwidgets import BS3PasswordFieldWidget, Select2ManyWidget
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.sqla.models import Role, User
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select
from werkzeug.security import generate_password_hash
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, validators

from app.security.access import ADMIN_ROLE, BUILTIN_ROLES, is_admin, role_names, staff_profile
from app.extensions import db
from app.security.roles import AGENCY_ADMIN_ROLE
from models import (Agency, AgencyDayOff, BankAccount, CatalogueItem, RulesVersion, ServiceType, Signatory,
                    StaffProfile)
from views.admin import ACTIVE_FIELD, AgencyView, BankAccountView, CatalogueItemView
from views.backoffice.config import AgencyDayOffView, SignatoryView, StaffProfileView
from views.customer_admin import CustomerActivationView, _waiting_rows

NO_AGENCY = -1  # matches no row
# Flask-AppBuilder makes a non-nullable Boolean column "required", so an unticked "Aktif" could
# never be saved: an optional checkbox lets administrators deactivate a row.


# --- who, and which agency -------------------------------------------------------------------
def current_agency_id() -> int | None:
    with db.session.no_autoflush:   # called from pre_add, while the new row is not in the session yet
        profile = staff_profile(getattr(g, "user", None))
    return profile.agency_id if profile else None


def required_agency_id() -> int:
    """The signed-in user's agency; adding a row without one is refused (shown as a form error)."""
    agency_id = current_agency_id()
    if agency_id is None:
        raise ValueError(_("Akun ini tidak terikat pada instansi. Administrator platform memakai layar "
                           "Konfigurasi dan Keamanan."))
    return agency_id


def _active_rules():
    from app.commands.rules.state import rules_state

    active = db.session.scalar(select(RulesVersion).where(RulesVersion.active.is_(True)))
    return rules_state().rules_for(active.id) if active is not None else rules_state().file_rules


def _current_agency_key() -> str | None:
    agency_id = current_agency_id()
    return db.session.scalar(select(Agency.key).where(Agency.id == agency_id)) if agency_id is not None else None


def declared_roles() -> set[str]:
    """The roles an agency administrator may grant: their agency's own roles and the shared ones of
    the active rules, plus ``admin_instansi`` (the platform administrator: every declared role)."""
    rules = _active_rules()
    user = getattr(g, "user", None)
    if user is not None and is_admin(user):
        roles = rules.role_keys()
    else:
        agency_key = _current_agency_key()
        roles = rules.role_keys_of_agency(agency_key) if agency_key else set()
    return (set(roles) - BUILTIN_ROLES - {ADMIN_ROLE}) | {AGENCY_ADMIN_ROLE}


def _role_label(name: str, rules=None, agency_key: str | None = None) -> str:
    """One role as the agency's staff read it (the agency's label, else the key)."""
    from app.security.roles import AGENCY_ADMIN_LABEL
    from app.workflow.fields import label_text

    if name == AGENCY_ADMIN_ROLE:
        return AGENCY_ADMIN_LABEL
    rules = rules or _active_rules()
    return label_text(rules.role_label(name, agency_key if agency_key is not None else _current_agency_key()))


def _role_labels(roles) -> str:
    """Roles as the agency's staff read them (labels of the agency, else the key)."""
    rules, agency_key = _active_rules(), _current_agency_key()
    return ", ".join(_role_label(name, rules, agency_key) for name in sorted(role.name for role in (roles or [])))


def _grantable_roles() -> list[Role]:
    """The roles this administrator may grant, in the order of their labels."""
    roles = db.session.scalars(select(Role).where(Role.name.in_(sorted(declared_roles())))).all()
    return sorted(roles, key=lambda role: _role_label(role.name).casefold())


def _roles_field() -> QuerySelectMultipleField:
    """The roles picker shows the labels staff read in the rules ("Verifikator Riset"), not the keys."""
    return QuerySelectMultipleField(_l("Peran"), query_func=_grantable_roles, get_pk_func=lambda role: role.id,
                                    get_label=lambda role: _role_label(role.name), widget=Select2ManyWidget(),
                                    validators=[validators.DataRequired()])


def show_agency_menu() -> bool:
    """Menu entries of this module: for staff bound to an agency (permissions decide the rest)."""
    user = getattr(g, "user", None)
    return bool(user is not None and getattr(user, "id", None) and not is_admin(user)
                and current_agency_id() is not None)


class OwnAgencyFilter(BaseFilter):
    """``value`` maps an agency id to a condition; the platform administrator sees every row."""

    name = "own agency"
    arg_name = "own_agency"

    def apply(self, query, value):
        if is_admin(g.user):
            return query
        agency_id = current_agency_id()
        return query.where(value(NO_AGENCY if agency_id is None else agency_id))


class DeclaredRoleFilter(BaseFilter):
    name = "declared roles"
    arg_name = "declared_roles"

    def apply(self, query, value):
        return query.where(Role.name.in_(sorted(declared_roles())))


def _services_of(agency_id: int):
    return select(ServiceType.id).where(ServiceType.agency_id == agency_id)


def _last_login(value) -> str:
    """Flask-AppBuilder stores it naive, on the server's clock: shown in the agency's zone, named."""
    from app.core.formatting import format_datetime
    from views.api_times import aware

    agency = db.session.get(Agency, current_agency_id()) if current_agency_id() else None
    return format_datetime(aware(value), agency) if value else "-"


def _staff_of(agency_id: int):
    return select(StaffProfile.user_id).where(StaffProfile.agency_id == agency_id)


def _force_agency(item) -> None:
    item.agency_id = required_agency_id()


# --- scoped copies of the configuration screens ----------------------------------------------
class MyAgencyView(AgencyView):
    """Their own agency's details (never its key or code, never another agency)."""

    datamodel = SQLAInterface(Agency)
    class_permission_name = "AgencyAdminAgency"
    route_base = "/instansi-saya/instansi"
    base_permissions = {"can_list", "can_show", "can_edit"}
    base_filters = [["id", OwnAgencyFilter, lambda agency_id: Agency.id == agency_id]]
    edit_columns = ["name", "short_name", "address", "phone", "email", "timezone"]
    search_columns = ["name"]


class MyCatalogueView(CatalogueItemView):
    datamodel = SQLAInterface(CatalogueItem)
    class_permission_name = "AgencyAdminCatalogue"
    route_base = "/instansi-saya/katalog"
    base_permissions = {"can_list", "can_show", "can_add", "can_edit"}
    base_filters = [["id", OwnAgencyFilter,
                     lambda agency_id: CatalogueItem.service_type_id.in_(_services_of(agency_id))]]
    add_form_query_rel_fields = {"service_type": [
        ["id", OwnAgencyFilter, lambda agency_id: ServiceType.agency_id == agency_id]]}
    search_columns = ["code", "name", "unit", "active"]
    edit_form_extra_fields = ACTIVE_FIELD
    description_columns = {"active": _l("Nonaktifkan agar produk tidak dapat dipesan lagi.")}

    def pre_add(self, item):
        agency_id = required_agency_id()
        if item.service_type is None or item.service_type.agency_id != agency_id:
            raise ValueError(_("Layanan bukan milik instansi Anda."))


class MyBankAccountView(BankAccountView):
    datamodel = SQLAInterface(BankAccount)
    class_permission_name = "AgencyAdminBankAccount"
    route_base = "/instansi-saya/rekening"
    base_permissions = {"can_list", "can_show", "can_add", "can_edit"}
    base_filters = [["id", OwnAgencyFilter, lambda agency_id: BankAccount.agency_id == agency_id]]
    add_columns = ["key", "bank", "number", "holder"]
    search_columns = ["bank", "number", "holder", "active"]
    edit_form_extra_fields = ACTIVE_FIELD

    def pre_add(self, item):
        _force_agency(item)


class MyDaysOffView(AgencyDayOffView):
    datamodel = SQLAInterface(AgencyDayOff)
    class_permission_name = "AgencyAdminDayOff"
    route_base = "/instansi-saya/hari-libur"
    base_permissions = {"can_list", "can_show", "can_add", "can_delete"}
    base_filters = [["id", OwnAgencyFilter, lambda agency_id: AgencyDayOff.agency_id == agency_id]]
    add_columns = ["day", "note"]
    search_columns = ["day", "note"]

    def pre_add(self, item):
        _force_agency(item)


class MySignatoryView(SignatoryView):
    """Signatories of their agency; the key material is never a column here."""

    datamodel = SQLAInterface(Signatory)
    class_permission_name = "AgencyAdminSignatory"
    route_base = "/instansi-saya/penandatangan"
    list_title = _l("Penandatangan")
    show_title = _l("Detail Penandatangan")
    add_title = _l("Tambah Penandatangan")
    edit_title = _l("Ubah Penandatangan")
    base_permissions = {"can_list", "can_show", "can_add", "can_edit"}
    base_filters = [["id", OwnAgencyFilter, lambda agency_id: Signatory.agency_id == agency_id]]
    show_columns = ["agency", "key", "name", "nip", "title", "role"]
    add_columns = ["key", "name", "nip", "title", "role"]
    search_columns = ["name", "nip", "title"]
    show_template = "backoffice/signatory_show.html"
    formatters_columns = {"role": lambda name: _role_label(name)}   # "Kepala BRIDA", not kepala_brida
    method_permission_name = {"link": "edit", "revoke_key": "edit"}

    @staticmethod
    def _check_role(item) -> None:
        """The signing role is one of the agency's own roles or a shared one (never another agency's)."""
        with db.session.no_autoflush:
            allowed = declared_roles() - {AGENCY_ADMIN_ROLE}
        if (item.role or "") not in allowed:
            raise ValueError(_("Peran tidak diizinkan untuk administrator instansi."))

    def pre_add(self, item):
        _force_agency(item)
        self._check_role(item)

    def pre_update(self, item):
        self._check_role(item)

    # --- the signing key: who holds it, and revoking it (app/documents/signing.py) ----------------------
    def _row(self, pk: int) -> Signatory:
        item = self.datamodel.get(pk, self._base_filters)   # another agency's row: 404
        if item is None:
            abort(404)
        return item

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        return self._render_show(self._row(int(pk)) if str(pk).isdigit() else abort(404))

    def _render_show(self, item: Signatory, link_form=None, status: int = 200):
        from app.core.formatting import format_datetime
        from app.security.log import KIND_LABELS
        from app.documents.signing import signing_events
        from views.signing_profile import RevokeForm, signing_panel

        link_form = link_form or SignatoryLinkForm(holder=str(item.user_id or ""))
        link_form.holder.choices = _holder_choices(item.agency_id)
        events = [{"at": format_datetime(e.created_at, item.agency, seconds=True),
                   "kind": str(KIND_LABELS.get(e.kind, e.kind)), "who": e.username, "detail": e.detail}
                  for e in signing_events(item)]
        holder = db.session.get(User, item.user_id) if item.user_id else None
        return self.render_template(self.show_template, pk=item.id, title=self.show_title,
                                    widgets=self._show(item.id), related_views=self._related_views,
                                    signing=signing_panel(item), holder=holder, link_form=link_form,
                                    revoke_form=RevokeForm(), events=events), status

    @expose("/<int:pk>/tautkan", methods=["POST"])
    @has_access
    def link(self, pk: int):
        from app.documents.signing import link

        item = self._row(pk)
        form = SignatoryLinkForm()
        form.holder.choices = _holder_choices(item.agency_id)
        if not form.validate_on_submit():
            return self._render_show(item, form, 422)
        user = db.session.get(User, int(form.holder.data)) if form.holder.data else None
        link(item, user, actor=g.user)
        db.session.commit()
        flash(_("Akun pemegang penandatangan disimpan."), "success")
        return redirect(url_for(f"{self.endpoint}.show", pk=item.id))

    @expose("/<int:pk>/cabut", methods=["POST"])
    @has_access
    def revoke_key(self, pk: int):
        from app.documents.signing import SigningError, revoke
        from views.signing_profile import RevokeForm

        item = self._row(pk)
        if not RevokeForm().validate_on_submit():
            flash(_("Formulir kedaluwarsa atau tidak sah. Muat ulang halaman lalu coba lagi."), "danger")
            return self._render_show(item, status=400)
        try:
            revoke(item, actor=g.user)
        except SigningError as error:
            flash(error.message, "danger")
            return self._render_show(item, status=422)
        db.session.commit()
        flash(_("Kunci tanda tangan dicabut. Dokumen yang sudah ditandatangani tetap sah."), "success")
        return redirect(url_for(f"{self.endpoint}.show", pk=item.id))


def _holder_choices(agency_id: int) -> list[tuple[str, str]]:
    """The agency's active staff accounts (never a platform administrator, never a customer)."""
    users = db.session.scalars(select(User).where(
        User.id.in_(_staff_of(agency_id)), User.active.is_(True), ~User.roles.any(Role.name == ADMIN_ROLE))
        .order_by(User.username))
    return [("", _("— belum ditautkan —"))] + [
        (str(u.id), f"{u.username} — {u.first_name} {u.last_name}".strip()) for u in users]


class SignatoryLinkForm(FlaskForm):
    holder = SelectField(_l("Akun petugas pemegang"), choices=[], validate_choice=True,
                         description=_l("Hanya petugas instansi ini. Mengganti pemegang mencabut kunci yang ada."))


class MyStaffProfileView(StaffProfileView):
    """Which of their agency's services (and which position) a staff account has."""

    datamodel = SQLAInterface(StaffProfile)
    class_permission_name = "AgencyAdminStaffProfile"
    route_base = "/instansi-saya/petugas"
    base_permissions = {"can_list", "can_show", "can_edit"}
    base_filters = [["id", OwnAgencyFilter, lambda agency_id: StaffProfile.agency_id == agency_id]]
    edit_columns = ["services", "position", "nip"]
    edit_form_query_rel_fields = {"services": [
        ["id", OwnAgencyFilter, lambda agency_id: ServiceType.agency_id == agency_id]]}
    search_columns = ["position", "nip"]


class MyUsersView(ModelView):
    """Staff accounts of their agency and their roles (declared roles + admin_instansi only)."""

    datamodel = SQLAInterface(User)
    class_permission_name = "AgencyAdminUser"
    route_base = "/instansi-saya/pengguna"
    base_permissions = {"can_list", "can_show", "can_add", "can_edit"}
    base_filters = [["id", OwnAgencyFilter,
                     lambda agency_id: User.id.in_(_staff_of(agency_id)) & ~User.roles.any(Role.name == ADMIN_ROLE)]]
    base_order = ("username", "asc")
    list_title = _l("Pengguna Instansi")
    show_title = _l("Detail Pengguna")
    add_title = _l("Tambah Pengguna")
    edit_title = _l("Ubah Pengguna")
    list_columns = ["username", "first_name", "last_name", "email", "active", "roles"]
    show_columns = ["username", "first_name", "last_name", "email", "active", "roles", "last_login"]
    # the roles with their agency's labels (two agencies may declare the same key with their own)
    formatters_columns = {"last_login": _last_login, "roles": _role_labels}
    add_columns = ["username", "first_name", "last_name", "email", "active", "roles", "password", "conf_password"]
    edit_columns = ["first_name", "last_name", "email", "active", "roles"]
    search_columns = ["username", "first_name", "last_name", "email", "active"]
    add_form_query_rel_fields = edit_form_query_rel_fields = {"roles": [["name", DeclaredRoleFilter, None]]}
    validators_columns = {"roles": [validators.DataRequired()]}
    edit_form_extra_fields = {**ACTIVE_FIELD, "roles": _roles_field()}
    add_form_extra_fields = {
        **ACTIVE_FIELD,
        "roles": _roles_field(),
        "password": PasswordField(_l("Kata Sandi"), validators=[validators.DataRequired(), validators.Length(min=8)],
                                  widget=BS3PasswordFieldWidget()),
        "conf_password": PasswordField(_l("Ulangi Kata Sandi"),
                                       validators=[validators.DataRequired(),
                                                   validators.EqualTo("password", message=_l("Kata sandi tidak sama."))],
                                       widget=BS3PasswordFieldWidget()),
    }
    label_columns = {"username": _l("Nama pengguna"), "first_name": _l("Nama depan"),
                     "last_name": _l("Nama belakang"), "email": _l("Email"), "active": _l("Aktif"),
                     "roles": _l("Peran"), "last_login": _l("Terakhir masuk"), "password": _l("Kata Sandi"),
                     "conf_password": _l("Ulangi Kata Sandi")}

    @staticmethod
    def _check_roles(item) -> None:
        allowed = declared_roles()
        if not item.roles or not role_names(item) <= allowed:
            raise ValueError(_("Peran tidak diizinkan untuk administrator instansi."))

    def pre_add(self, item):
        agency_id = required_agency_id()
        with db.session.no_autoflush:
            self._check_roles(item)
        item.password = generate_password_hash(item.password)
        item.created_by_fk = item.changed_by_fk = g.user.id
        # the profile is committed with the user (one transaction): the agency is always theirs
        db.session.add(StaffProfile(user=item, agency_id=agency_id, position=""))

    def pre_update(self, item):
        with db.session.no_autoflush:
            allowed = declared_roles()
        # roles this screen does not offer stay as they were
        kept = [r for r in sa_inspect(item).attrs.roles.history.deleted or () if r.name not in allowed]
        if any(r.name == ADMIN_ROLE for r in item.roles) or not {r.name for r in item.roles} <= allowed:
            raise ValueError(_("Peran tidak diizinkan untuk administrator instansi."))
        item.roles = list(item.roles) + [r for r in kept if r not in item.roles]
        if not item.roles:
            raise ValueError(_("Peran tidak diizinkan untuk administrator instansi."))
        item.changed_by_fk = g.user.id


class MyCustomerActivationView(CustomerActivationView):
    """Customer accounts waiting for an administrator of their agency (the portal stores
    ``await_activation:<agency key>``, cut to 32 characters, as an unused account token)."""

    route_base = "/instansi-saya/aktivasi-pelanggan"
    class_permission_name = "AgencyCustomerActivation"

    def _awaiting_ids(self) -> set[int] | None:
        """User ids waiting for their agency; None for the platform administrator (all)."""
        from app.portal import tokens
        from models.people import AccountToken

        if is_admin(g.user):
            return None
        agency_id = current_agency_id()
        agency = db.session.get(Agency, agency_id) if agency_id is not None else None
        if agency is None:
            return set()
        purpose = f"{tokens.AWAIT_ACTIVATION}:{agency.key}"[:32]
        return set(db.session.scalars(select(AccountToken.user_id).where(
            AccountToken.purpose == purpose, AccountToken.used_at.is_(None))))

    @expose("/")
    @has_access
    def list(self):
        ids = self._awaiting_ids()
        rows = [row for row in _waiting_rows() if ids is None or row["user"].id in ids]
        return self.render_template("portal/account/admin_activation.html", rows=rows, own_agency=True,
                                    activate_endpoint=f"{self.endpoint}.activate",
                                    title=_l("Aktivasi Akun Pelanggan"))

    @expose("/<int:user_id>/aktifkan", methods=["POST"])
    @has_access
    def activate(self, user_id: int):
        ids = self._awaiting_ids()
        if ids is not None and user_id not in ids:
            abort(404)
        super().activate(user_id)   # CSRF, checks, activation, email — then back to this list
        return redirect(url_for(f"{self.endpoint}.list"))


class DocumentAccessLogView(BaseView):
    """UU PDP: who opened the personal documents of the agency's applications (newest first)."""

    route_base = "/instansi-saya/akses-dokumen"
    class_permission_name = "AgencyDocumentAccess"
    method_permission_name = {"index": "list"}
    default_view = "index"
    page_size = 50

    @expose("/")
    @has_access
    def index(self):
        from app.storage.pdp import access_log_stmt, document_label, user_label
        from models import Application, DocumentAccess
        from views.backoffice.common import local_time

        stmt = access_log_stmt().join(Application, Application.id == DocumentAccess.application_id)
        if not is_admin(g.user):
            agency_id = current_agency_id()
            stmt = stmt.where(Application.agency_id == (NO_AGENCY if agency_id is None else agency_id))
        number = (request.args.get("nomor") or "").strip()
        if number:
            stmt = stmt.where((Application.number == number) | (Application.receipt == number.upper()))
        page = max(0, request.args.get("page", 0, type=int))
        rows = db.session.scalars(stmt.offset(page * self.page_size).limit(self.page_size + 1)).unique().all()
        applications = {a.id: a for a in db.session.scalars(select(Application).where(
            Application.id.in_({r.application_id for r in rows} or {0})))}
        agency = db.session.get(Agency, current_agency_id()) if current_agency_id() else None
        tz = (agency.timezone if agency else None) or "Asia/Jakarta"
        entries = [{"at": local_time(r.created_at, tz), "who": user_label(r.user), "application": applications.get(r.application_id),
                    "document": document_label(applications.get(r.application_id), r.doc_key), "file_name": r.file_name, "mode": r.mode, "ip": r.ip}
                   for r in rows[:self.page_size]]
        return self.render_template("backoffice/document_access.html", entries=entries, page=page,
                                    has_next=len(rows) > self.page_size, nomor=number)


def register(appbuilder) -> None:
    for view, name, label, icon in (
        (MyAgencyView, "My Agency", _l("Instansi Saya"), "fa-building"),
        (MyCatalogueView, "My Agency Catalogue", _l("Katalog & Tarif"), "fa-tags"),
        (MyBankAccountView, "My Agency Bank Accounts", _l("Rekening Bank"), "fa-university"),
        (MyDaysOffView, "My Agency Days Off", _l("Hari Libur Tambahan"), "fa-calendar"),
        (MySignatoryView, "My Agency Signatories", _l("Penandatangan"), "fa-pencil"),
        (MyUsersView, "My Agency Users", _l("Pengguna Instansi"), "fa-users"),
        (MyStaffProfileView, "My Agency Staff", _l("Petugas & Layanan"), "fa-id-badge"),
        (MyCustomerActivationView, "My Agency Customer Activation", _l("Aktivasi Akun Pelanggan"),
         "fa-user-plus"),
    ):
        appbuilder.add_view(view, name, label=label, icon=icon, category="Konfigurasi",
                            category_label=_l("Konfigurasi"), menu_cond=show_agency_menu)
    appbuilder.add_view(DocumentAccessLogView, "My Agency Document Access", label=_l("Akses Dokumen Pribadi"),
                        icon="fa-eye", category="Konfigurasi", category_label=_l("Konfigurasi"),
                        menu_cond=show_agency_menu)
