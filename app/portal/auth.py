"""Who the portal's customer is: ``login_required_customer`` and ``current_customer``."""
from __future__ import annotations

from functools import wraps
from typing import Callable, Optional

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.security.roles import is_customer  # noqa: F401  (the portal's modules ask here)


def current_customer_profile():
    """The CustomerProfile of the logged-in customer, or None."""
    from app.extensions import db
    from models.people import CustomerProfile

    if not is_customer():
        return None
    return db.session.query(CustomerProfile).filter_by(user_id=current_user.id).one_or_none()


def safe_next(target: Optional[str]) -> Optional[str]:
    """Only same-site paths are followed after login (no open redirect): see app.security.redirects."""
    from app.security.redirects import safe_redirect_target

    return safe_redirect_target(target, "") or None


def login_required_customer(view: Callable) -> Callable:
    """Let only logged-in customers in; others go to the portal login with ``next``."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not is_customer():
            if getattr(current_user, "is_authenticated", False):
                flash(_("Halaman ini khusus untuk akun pemohon."), "warning")
            else:
                flash(_("Silakan masuk terlebih dahulu."), "info")
            return redirect(url_for("portal.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)
    return wrapped
