"""Who may see which application, and with which workflow roles they act on it.

A customer sees only their own applications; staff only their agency's (and, if restricted, only
some of its services); the administrator sees everything. Anything else is a 404, not a 403, so
that numbers cannot be probed.
"""
from __future__ import annotations

from flask import g, has_request_context, request
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from app.core.errors import NotFoundError
from app.extensions import db
from app.security.roles import CUSTOMER_ROLE
from models import Application, StaffProfile

ADMIN_ROLE = "Admin"
BUILTIN_ROLES = {"customer", "assignee", "system"}


def role_names(user) -> set[str]:
    return {role.name for role in getattr(user, "roles", []) or []}


def is_admin(user) -> bool:
    return ADMIN_ROLE in role_names(user)


def staff_profile(user) -> StaffProfile | None:
    if user is None or not getattr(user, "id", None):
        return None
    # once per request (scope, visibility, roles and the service filter all ask), services with it
    cache = _profiles()
    if user.id in cache:
        profile = cache[user.id]
        if profile is None or not sa_inspect(profile).detached:
            return profile
    profile = db.session.scalars(select(StaffProfile).where(StaffProfile.user_id == user.id)
                                 .options(joinedload(StaffProfile.services))).unique().first()
    cache[user.id] = profile
    return profile


def _profiles() -> dict:
    """This request's staff profiles by user id (nothing is kept outside a request)."""
    if not has_request_context():
        return {}
    current = request._get_current_object()
    owner, cache = g.get("_satupintu_staff_profiles", (None, None))
    if owner is not current:
        cache = {}
        g._satupintu_staff_profiles = (current, cache)
    return cache


def remember_staff_profile(user_id: int, profile) -> None:
    """The profile read along with the request's user (app/security/auth_cache.py)."""
    _profiles()[user_id] = profile


def scope_applications(stmt, user):
    """Restrict a select() over Application to what ``user`` may see."""
    if user is None or not getattr(user, "id", None):
        return stmt.where(Application.id.is_(None))
    if is_admin(user):
        return stmt
    profile = staff_profile(user)
    conditions = []
    # staff who are not also customers get the agency condition alone: an OR with customer_id
    # would steer the query planner to read every row of the agency
    if profile is None or CUSTOMER_ROLE in role_names(user):
        conditions.append(Application.customer_id == user.id)
    if profile is not None:
        service_ids = [s.id for s in profile.services]
        if service_ids:
            conditions.append((Application.agency_id == profile.agency_id)
                              & Application.service_type_id.in_(service_ids))
        else:
            conditions.append(Application.agency_id == profile.agency_id)
    return stmt.where(or_(*conditions))


def can_see(application: Application, user) -> bool:
    if user is None or not getattr(user, "id", None):
        return False
    if application.customer_id == user.id or is_admin(user):
        return True
    profile = staff_profile(user)
    if profile is None or profile.agency_id != application.agency_id:
        return False
    service_ids = {s.id for s in profile.services}
    return not service_ids or application.service_type_id in service_ids


def ensure_visible(application: Application | None, user) -> Application:
    if application is None or not can_see(application, user):
        raise NotFoundError()
    return application


def workflow_roles(application: Application, user, rule_roles: set[str]) -> frozenset[str]:
    """The roles ``user`` acts with on ``application``: ``customer`` for its owner, ``assignee``
    for the assigned user, and their staff roles declared in the rules (staff of the agency only)."""
    roles: set[str] = set()
    if user is None:
        return frozenset()
    if application.customer_id == user.id and CUSTOMER_ROLE in role_names(user):
        roles.add("customer")
    if application.assignee_id is not None and application.assignee_id == user.id:
        roles.add("assignee")
    profile = staff_profile(user)
    if profile is not None and profile.agency_id == application.agency_id and can_see(application, user):
        roles |= role_names(user) & rule_roles
    return frozenset(roles)


def users_with_role(role: str, agency_id: int, service_type_id: int | None = None) -> list:
    """Staff of an agency holding a role (and handling the service, when they are restricted)."""
    from flask_appbuilder.security.sqla.models import Role, User, assoc_user_role

    # the users with their profiles and services in one statement (not a profile read per user)
    stmt = (select(User, StaffProfile).join(assoc_user_role, assoc_user_role.c.user_id == User.id)
            .join(Role, Role.id == assoc_user_role.c.role_id)
            .join(StaffProfile, StaffProfile.user_id == User.id)
            .where(Role.name == role, StaffProfile.agency_id == agency_id, User.active.is_(True))
            .options(joinedload(StaffProfile.services)))
    pairs = list(dict.fromkeys((user, profile) for user, profile in db.session.execute(stmt).unique()))
    users = [user for user, _profile in pairs]
    if service_type_id is None:
        return users
    result = []
    for user, profile in pairs:
        ids = {s.id for s in profile.services}
        if not ids or service_type_id in ids:
            result.append(user)
    return result
