"""The security manager: Flask-AppBuilder's, with the platform's error contract, login limits,
revocable sessions, the security log and one auth query per request (the roles' permissions:
``app.security.roles``)."""
from __future__ import annotations

from flask import current_app
from flask_appbuilder.security.sqla.manager import SecurityManager

from app.security.auth_cache import cached, prefetched_user
from app.security.log import LOGIN_FAILED, record_security_event
from app.security.login_limits import login_limits, note_failed_login
from app.security.sessions import install_jwt_revocation, revoke_sessions
from views.api_contract import with_contract
from views.signing_profile import ProfileUserDBModelView


class SatuPintuSecurityManager(SecurityManager):
    # the own-profile page also holds the signing section (views/signing_profile.py)
    userdbmodelview = ProfileUserDBModelView
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
        for view in self.appbuilder.baseviews:
            if view is self.auth_view or isinstance(view, self.security_api):
                for limit in login_limits(current_app):
                    limit(view.blueprint)

    # --- revocable sessions and the security log (app/security/sessions.py, app/security/log.py)
    def create_jwt_manager(self, app):
        jwt_manager = super().create_jwt_manager(app)
        install_jwt_revocation(jwt_manager)
        return jwt_manager

    def auth_user_db(self, username, password):
        """The HTML /login/ and the JWT login: a failure is written to the security log."""
        from flask import has_request_context, request

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
        try:
            user = prefetched_user(int(pk))
        except (TypeError, ValueError):
            user = None
        return user if user is not None else super().get_user_by_id(pk)

    def exist_permission_on_roles(self, view_name, permission_name, role_ids) -> bool:
        return cached(("exists", view_name, permission_name, frozenset(role_ids)),
                      lambda: super(SatuPintuSecurityManager, self).exist_permission_on_roles(
                          view_name, permission_name, role_ids))

    def is_item_public(self, permission_name, view_name) -> bool:
        return cached(("public", view_name, permission_name),
                      lambda: super(SatuPintuSecurityManager, self).is_item_public(permission_name, view_name))

    def _get_user_permission_view_menus(self, user, permission_name, view_menus_name):
        roles = ("public",) if user is None else frozenset(r.id for r in self.get_user_roles(user))
        return cached(("menus", roles, permission_name, tuple(view_menus_name or ())),
                      lambda: super(SatuPintuSecurityManager, self)._get_user_permission_view_menus(
                          user, permission_name, view_menus_name))

    def on_user_logout(self, user) -> None:
        """Back-office /logout/: every session and JWT of the user ends, not only this cookie."""
        revoke_sessions(user.id, reason="logout")
