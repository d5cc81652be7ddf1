"""First-run setup, safe to repeat: permissions, roles, active rules, the administrator."""
from __future__ import annotations

from flask import current_app
from flask_appbuilder.security.manager import BaseSecurityManager

from app.commands.rules.activate import ActivateRulesCommand
from app.extensions import appbuilder, db
from app.commands.rules.state import rules_state


def initialise() -> None:
    sm = appbuilder.sm
    cfg = current_app.config
    # The administrator before FAB's create_db, which otherwise warns "No user yet created, use
    # flask fab command" on the very run that creates it. Admin and Public roles come first
    # (Alembic made the tables, so FAB's own create_db is off); every permission registered
    # afterwards is granted to Admin.
    admin_role = sm.find_role(sm.auth_role_admin) or sm.add_role(sm.auth_role_admin)
    if sm.find_user(username=cfg["ADMIN_USERNAME"]) is None:
        sm.add_user(cfg["ADMIN_USERNAME"], "Administrator", "SatuPintu", cfg["ADMIN_EMAIL"],
                    admin_role, cfg["ADMIN_PASSWORD"])
    BaseSecurityManager.create_db(sm)
    appbuilder.add_permissions(update_perms=True)
    ActivateRulesCommand(rules_state().file_rules).run()
    db.session.commit()
