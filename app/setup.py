"""First-run setup, safe to repeat: permissions, roles, active rules, the administrator."""
from __future__ import annotations

from flask import current_app
from flask_appbuilder.security.manager import BaseSecurityManager

from app.commands.rules.activate import ActivateRulesCommand
from app.extensions import appbuilder, db
from app.rules_state import rules_state


def initialise() -> None:
    sm = appbuilder.sm
    # Admin and Public roles first (Alembic made the tables, so FAB's own create_db is off);
    # every permission registered afterwards is granted to Admin.
    BaseSecurityManager.create_db(sm)
    appbuilder.add_permissions(update_perms=True)
    ActivateRulesCommand(rules_state().file_rules).run()
    db.session.commit()
    cfg = current_app.config
    if sm.find_user(username=cfg["ADMIN_USERNAME"]) is None:
        sm.add_user(cfg["ADMIN_USERNAME"], "Administrator", "SatuPintu", cfg["ADMIN_EMAIL"],
                    sm.find_role(cfg["AUTH_ROLE_ADMIN"]), cfg["ADMIN_PASSWORD"])
    db.session.commit()
