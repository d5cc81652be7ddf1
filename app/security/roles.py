"""The roles the platform knows besides the rules' staff roles, and which permissions each kind of
role gets: customers, staff, agency administrators. ``sync_role_permissions`` creates them."""
from __future__ import annotations

from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_login import current_user

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
    # bookings (views/backoffice/schedule.py): the resources a rules role manages, of the own agency
    ("can_list", "ResourceSchedule"), ("can_offer", "ResourceSchedule"), ("menu_access", "Resource Schedule"),
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
        ("RulesWorkspace", ("can_edit",)),  # the rules workspace, /ruang-aturan/ (views/backoffice/rules_workspace.py)
    ) for permission in permissions
] + [("menu_access", name) for name in (
    "My Agency", "My Agency Catalogue", "My Agency Bank Accounts", "My Agency Days Off", "My Agency Signatories",
    "My Agency Users", "My Agency Staff", "My Agency Customer Activation", "My Agency Document Access",
    "Rules Workspace")]


def is_customer(user=None) -> bool:
    """True for a signed-in user holding the customer role (``user``, else the current user)."""
    user = user or current_user
    return bool(getattr(user, "is_authenticated", False)) and any(
        role.name == CUSTOMER_ROLE for role in (user.roles or []))


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
