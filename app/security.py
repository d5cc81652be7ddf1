"""Security: the security manager, and which permissions each kind of role gets."""
from __future__ import annotations

from flask import current_app
from flask_appbuilder.security.sqla.manager import SecurityManager

from views.api_contract import with_contract

CUSTOMER_ROLE = "customer"
# (permission, view) pairs; views are the class_permission_name of our views and APIs
CUSTOMER_PERMISSIONS = [
    ("can_get", "Application"), ("can_info", "Application"), ("can_post", "Application"),
    ("can_actions", "Application"), ("can_transition", "Application"), ("can_timeline", "Application"),
    ("can_survey", "Application"),
    ("can_get", "Complaint"), ("can_info", "Complaint"), ("can_get", "Message"), ("can_info", "Message"),
]
STAFF_PERMISSIONS = CUSTOMER_PERMISSIONS + [
    ("can_list", "ApplicationView"), ("can_show", "ApplicationView"),
    ("menu_access", "Applications"), ("menu_access", "Permohonan"),
    ("can_list", "AuditEventView"), ("can_show", "AuditEventView"), ("menu_access", "Audit"),
    ("can_get", "AuditEvent"), ("can_info", "AuditEvent"),
    ("can_get", "ServiceType"), ("can_info", "ServiceType"),
    ("can_get", "Agency"), ("can_info", "Agency"),
    ("can_get", "CatalogueItem"), ("can_info", "CatalogueItem"),
    ("can_get", "BankAccount"), ("can_info", "BankAccount"), ("can_get", "AgencyDayOff"),
    ("can_info", "AgencyDayOff"), ("can_get", "Signatory"), ("can_info", "Signatory"),
    ("can_userinfo", "UserDBModelView"), ("can_this_form_get", "ResetMyPasswordView"),
    ("can_this_form_post", "ResetMyPasswordView"), ("resetmypassword", "UserDBModelView"),
    # staff back office (views/backoffice): queue, application page, complaints, reports, rules (read-only)
    ("can_list", "WorkQueue"), ("menu_access", "Work Queue"),
    ("can_show", "ApplicationDesk"), ("can_act", "ApplicationDesk"), ("can_message", "ApplicationDesk"),
    ("can_list", "ComplaintDesk"), ("can_show", "ComplaintDesk"), ("menu_access", "Complaints"),
    ("can_show", "Dashboard"), ("menu_access", "Dashboard"),
    ("can_list", "Recap"), ("can_export", "Recap"), ("menu_access", "Recap"),
    ("can_show", "IkmReport"), ("menu_access", "IKM Report"), ("menu_access", "Laporan"),
    ("can_show", "RulesScreen"), ("menu_access", "Rules"), ("menu_access", "Konfigurasi"),
    # participant groups (views/participants.py): deciding also needs a role named by the rules
    ("can_list", "OwnerRegistration"), ("can_decide", "OwnerRegistration"), ("menu_access", "Owner Registrations"),
    ("can_list", "InstrumentRegister"), ("can_show", "InstrumentRegister"), ("menu_access", "Instrument Register"),
    ("can_list", "ParticipantRegister"), ("can_show", "ParticipantRegister"),
    ("menu_access", "Participant Register"), ("menu_access", "Peserta"),
]

# agency administrators (views/agency_admin.py): staff who configure their own agency
AGENCY_ADMIN_ROLE = "admin_instansi"
AGENCY_ADMIN_LABEL = "Administrator Instansi"
AGENCY_ADMIN_PERMISSIONS = STAFF_PERMISSIONS + [
    (permission, view) for view, permissions in (
        ("AgencyAdminAgency", ("can_list", "can_show", "can_edit")),
        ("AgencyAdminCatalogue", ("can_list", "can_show", "can_add", "can_edit")),
        ("AgencyAdminBankAccount", ("can_list", "can_show", "can_add", "can_edit")),
        ("AgencyAdminDayOff", ("can_list", "can_show", "can_add", "can_delete")),
        ("AgencyAdminSignatory", ("can_list", "can_show", "can_add", "can_edit")),
        ("AgencyAdminUser", ("can_list", "can_show", "can_add", "can_edit")),
        ("AgencyAdminStaffProfile", ("can_list", "can_show", "can_edit")),
        ("AgencyCustomerActivation", ("can_list", "can_activate")),
        ("AgencyDocumentAccess", ("can_list",)),
    ) for permission in permissions
] + [("menu_access", name) for name in (
    "My Agency", "My Agency Catalogue", "My Agency Bank Accounts", "My Agency Days Off", "My Agency Signatories",
    "My Agency Users", "My Agency Staff", "My Agency Customer Activation", "My Agency Document Access")]


class SatuPintuSecurityManager(SecurityManager):
    # Flask-AppBuilder's security APIs with the platform's error contract (a duplicate user or
    # role is a 409, a value the database cannot hold a 400): views/api_contract.py
    permission_api = with_contract(SecurityManager.permission_api)
    role_api = with_contract(SecurityManager.role_api)
    user_api = with_contract(SecurityManager.user_api)
    view_menu_api = with_contract(SecurityManager.view_menu_api)
    permission_view_menu_api = with_contract(SecurityManager.permission_view_menu_api)
    group_api = with_contract(SecurityManager.group_api)

    def register_views(self) -> None:
        super().register_views()
        # the HTML login and the JWT login: failed logins per account, attempts per address
        # (app/security/login_limits.py; Flask-AppBuilder's own AUTH_RATE_LIMITED counts per address only)
        if not current_app.config.get("RATELIMIT_ENABLED"):
            return
        from app.security.login_limits import login_limits

        for view in self.appbuilder.baseviews:
            if view is self.auth_view or isinstance(view, self.security_api):
                for limit in login_limits(current_app):
                    limit(view.blueprint)

    # --- revocable sessions and the security log (app/security/sessions.py, app/security/log.py)
    def create_jwt_manager(self, app):
        from app.security.sessions import install_jwt_revocation

        jwt_manager = super().create_jwt_manager(app)
        install_jwt_revocation(jwt_manager)
        return jwt_manager

    def auth_user_db(self, username, password):
        """The HTML /login/ and the JWT login: a failure is written to the security log."""
        from flask import has_request_context, request

        from app.security.login_limits import note_failed_login
        from app.security.log import LOGIN_FAILED, record_security_event

        user = super().auth_user_db(username, password)
        if user is None:
            note_failed_login()
            known = self.find_user(username=username) if username else None
            record_security_event(LOGIN_FAILED, user_id=known.id if known else None,
                                  username=(username or "")[:255],
                                  detail="api" if has_request_context() and request.path.startswith("/api/")
                                  else "backoffice")
        return user

    # --- one auth query per request, cached permission answers (app/security/auth_cache.py)
    def get_user_by_id(self, pk):
        from app.security.auth_cache import prefetched_user

        try:
            user = prefetched_user(int(pk))
        except (TypeError, ValueError):
            user = None
        return user if user is not None else super().get_user_by_id(pk)

    def exist_permission_on_roles(self, view_name, permission_name, role_ids) -> bool:
        from app.security.auth_cache import cached

        return cached(("exists", view_name, permission_name, frozenset(role_ids)),
                      lambda: super(SatuPintuSecurityManager, self).exist_permission_on_roles(
                          view_name, permission_name, role_ids))

    def is_item_public(self, permission_name, view_name) -> bool:
        from app.security.auth_cache import cached

        return cached(("public", view_name, permission_name),
                      lambda: super(SatuPintuSecurityManager, self).is_item_public(permission_name, view_name))

    def _get_user_permission_view_menus(self, user, permission_name, view_menus_name):
        from app.security.auth_cache import cached

        roles = ("public",) if user is None else frozenset(r.id for r in self.get_user_roles(user))
        return cached(("menus", roles, permission_name, tuple(view_menus_name or ())),
                      lambda: super(SatuPintuSecurityManager, self)._get_user_permission_view_menus(
                          user, permission_name, view_menus_name))

    def on_user_logout(self, user) -> None:
        """Back-office /logout/: every session and JWT of the user ends, not only this cookie."""
        from app.security.sessions import revoke_sessions

        revoke_sessions(user.id, reason="logout")


def sync_role_permissions(sm: SecurityManager, staff_roles: list[str]) -> None:
    """Create the customer role and every staff role of the rules, with their permissions."""
    wanted = {CUSTOMER_ROLE: CUSTOMER_PERMISSIONS}
    wanted.update({role: STAFF_PERMISSIONS for role in staff_roles})
    wanted[AGENCY_ADMIN_ROLE] = AGENCY_ADMIN_PERMISSIONS  # built-in: agency administrators
    for role_name, permissions in wanted.items():
        role = sm.find_role(role_name) or sm.add_role(role_name)
        for permission_name, view_name in permissions:
            pv = sm.find_permission_view_menu(permission_name, view_name)
            if pv is None:
                pv = sm.add_permission_view_menu(permission_name, view_name)
            if pv is not None and pv not in role.permissions:
                sm.add_permission_role(role, pv)
