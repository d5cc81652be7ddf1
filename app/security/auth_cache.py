"""One small query of authentication per request, and Flask-AppBuilder's permission answers cached.

Flask-AppBuilder asks the database, on every request, for the user, their roles, their groups,
the public role's permissions and an ``EXISTS`` per permission checked (6+ statements before the
view runs). Here:

* the request's user row, their session stamp (app/security/sessions.py) and the ``permissions`` stamp
  (``auth_stamp``) are read in **one** statement, the first time any of them is needed;
* permission answers (``EXISTS`` on roles, menu access, public permissions) are cached in the
  process per role set, and dropped as soon as the ``permissions`` stamp read with the request differs
  from the one they were computed under. The stamp is bumped in the same transaction as any change
  to roles, permissions, permission-views, a role's permissions or a user's groups (a flush hook,
  so Flask-AppBuilder's screens, APIs and CLI are all covered), so every worker sees it on its next
  request;
* a user's role set is cached per (user, session stamp, permissions stamp): a change of the user's
  roles bumps their session stamp (app/security/sessions.py), which also ends their sessions and tokens.

Nothing is trusted from the unverified token: its ``sub`` only chooses which row to prefetch; the
token is verified as before and the stamps compared with what it carries.
"""
from __future__ import annotations

import functools

import secrets
import threading

from flask import g, has_request_context, request, session
from sqlalchemy import event, insert, inspect, select, update
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from app.extensions import db
from app.security.access import remember_staff_profile
from models.base import utcnow
from models.security import AuthStamp, UserSessionStamp

PERMISSIONS = "permissions"
_G_KEY = "_satupintu_auth"
_lock = threading.Lock()
_answers: dict = {}            # (kind, ...) -> answer, valid for _answers_stamp
_answers_stamp: list = [None]
_roles: dict = {}              # (user_id, user stamp, permissions stamp) -> ((role id, name), ...)


# ---------------------------------------------------------------- the one query per request


def _candidate_user_id() -> int | None:
    """Whose row to prefetch: the session's user, else the bearer token's (unverified) subject."""
    raw = session.get("_user_id")
    if raw is None:
        header = request.headers.get("Authorization", "")
        if header[:7].lower() == "bearer ":
            try:
                import jwt

                raw = jwt.decode(header[7:].strip(), options={"verify_signature": False}).get("sub")
            except Exception:
                raw = None
    try:
        return int(raw) if raw is not None else None
    except (TypeError, ValueError):
        return None


def _permissions_stamp_column():
    return select(AuthStamp.stamp).where(AuthStamp.name == PERMISSIONS).scalar_subquery()


@functools.cache
def _auth_statement():
    """The user (bound parameter ``user_id``) with their session stamp, the permissions stamp and
    their staff profile with its agency and services: every staff page scopes by the profile. Built
    once per process (making it cost more than running it)."""
    from flask_appbuilder.security.sqla.models import User
    from sqlalchemy import bindparam
    from sqlalchemy.orm import joinedload

    from models import StaffProfile

    user_stamp = (select(UserSessionStamp.stamp).where(UserSessionStamp.user_id == User.id)
                  .scalar_subquery())
    return (select(User, user_stamp, _permissions_stamp_column(), StaffProfile)
            .outerjoin(StaffProfile, StaffProfile.user_id == User.id)
            .options(joinedload(StaffProfile.services), joinedload(StaffProfile.agency))
            .where(User.id == bindparam("user_id")))


def request_auth() -> dict:
    """{"user_id", "user", "user_stamp", "permissions"} of this request, read once (one statement,
    which also primes app.security.access.staff_profile for that user)."""
    state = g.get(_G_KEY)
    current = request._get_current_object()
    # g belongs to the app context, which a CLI or worker may keep across several request contexts
    if state is not None and state["request"] is current:
        return state
    user_id = _candidate_user_id()
    state = {"user_id": user_id, "user": None, "user_stamp": "", "permissions": "", "request": current}
    row = None
    if user_id is not None:
        row = db.session.execute(_auth_statement(), {"user_id": user_id}).unique().first()
    if row is not None:
        state.update(user=row[0], user_stamp=row[1] or "", permissions=row[2] or "")
        remember_staff_profile(user_id, row[3])
    else:
        state["user_id"] = None
        state["permissions"] = db.session.scalar(select(_permissions_stamp_column())) or ""
    setattr(g, _G_KEY, state)
    _check_permissions_stamp(state["permissions"])
    return state


def prefetched_stamp(user_id: int) -> str | None:
    """The user's session stamp if this request already read it (or can read it with the rest)."""
    if not has_request_context():
        return None
    state = request_auth()
    if state["user_id"] != user_id or state.get("stamp_changed"):
        return None
    return state["user_stamp"]


def forget_user_stamp(user_id: int) -> None:
    """The user's stamp was just rewritten (logout, password, roles): this request reads it again."""
    if not has_request_context():
        return
    state = g.get(_G_KEY)
    if state is not None and state["user_id"] == user_id:
        state["stamp_changed"] = True


def prefetched_user(pk: int):
    """The request's user row if it is ``pk`` and still in this request's session, roles filled in."""
    if not has_request_context():
        return None
    state = request_auth()
    user = state["user"]
    if user is None or state["user_id"] != pk or inspect(user).detached:
        return None
    _fill_roles(user, state)
    return user


def _fill_roles(user, state) -> None:
    from flask_appbuilder.security.sqla.models import Role

    loaded = inspect(user).unloaded
    if "roles" not in loaded:
        return
    key = (user.id, state["user_stamp"], state["permissions"])
    cached = _roles.get(key)
    if cached is None:
        if user.groups:            # roles through groups: no shortcut, Flask-AppBuilder's own loading
            return
        with _lock:
            _roles[key] = tuple((r.id, r.name) for r in user.roles)
        return
    roles = []
    for role_id, name in cached:
        role = Role()
        role.id, role.name = role_id, name
        make_transient_to_detached(role)
        roles.append(db.session.merge(role, load=False))
    set_committed_value(user, "roles", roles)
    if "groups" in inspect(user).unloaded:
        set_committed_value(user, "groups", [])


# ---------------------------------------------------------------- cached answers


def _check_permissions_stamp(stamp: str) -> None:
    if _answers_stamp[0] != stamp:
        with _lock:
            _answers.clear()
            _roles.clear()
            _answers_stamp[0] = stamp


def cached(key: tuple, compute):
    """``compute()``'s answer for ``key``, cached while the permissions stamp stays the same."""
    if not has_request_context():
        return compute()
    request_auth()     # the stamp of this request (read with the user, or alone for anonymous)
    try:
        return _answers[key]
    except KeyError:
        answer = compute()
        with _lock:
            _answers[key] = answer
        return answer


def clear_process_cache() -> None:
    with _lock:
        _answers.clear()
        _roles.clear()
        _answers_stamp[0] = None


# ---------------------------------------------------------------- invalidation


def _write_permissions_stamp(connection) -> None:
    table = AuthStamp.__table__
    values = {"stamp": secrets.token_hex(16), "changed_at": utcnow()}
    if connection.execute(update(table).where(table.c.name == PERMISSIONS).values(**values)).rowcount == 0:
        connection.execute(insert(table).values(name=PERMISSIONS, **values))


def _security_changes(orm_session, _flush_context) -> None:
    """after_flush: any change to roles, permissions or group membership bumps the stamp."""
    from flask_appbuilder.security.sqla.models import Group, Permission, PermissionView, Role, User, ViewMenu

    kinds = (Role, Permission, PermissionView, ViewMenu, Group)
    changed = any(isinstance(o, kinds) for o in (*orm_session.new, *orm_session.dirty, *orm_session.deleted))
    if not changed:
        for user in orm_session.dirty:
            if isinstance(user, User) and inspect(user).attrs.groups.history.has_changes():
                changed = True
                break
    if changed:
        _write_permissions_stamp(orm_session.connection())
        orm_session.info["satupintu_permissions_changed"] = True


def _after_commit(orm_session) -> None:
    if orm_session.info.pop("satupintu_permissions_changed", None):
        clear_process_cache()       # this process at once; the others on their next request


def _after_rollback(orm_session) -> None:
    orm_session.info.pop("satupintu_permissions_changed", None)


_INSTALLED: list = []


def init_auth_cache() -> None:
    if not _INSTALLED:
        event.listen(db.session, "after_flush", _security_changes)
        event.listen(db.session, "after_commit", _after_commit)
        event.listen(db.session, "after_rollback", _after_rollback)
        _INSTALLED.append(True)
