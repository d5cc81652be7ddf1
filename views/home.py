"""The site's front door: citizens land on the portal, staff on their back office."""
from flask import Flask, current_app, g, redirect, send_from_directory, url_for
from flask_appbuilder import IndexView, expose

from app.security.access import role_names
from app.security.roles import CUSTOMER_ROLE


class HomeView(IndexView):
    index_template = "backoffice/index.html"

    @expose("/")
    def index(self):
        user = getattr(g, "user", None)
        if user is None or not user.is_authenticated or role_names(user) == {CUSTOMER_ROLE}:
            return redirect(url_for("portal.index"))
        return super().index()


FAVICON_MAX_AGE = 7 * 24 * 3600   # a week: browsers ask for /favicon.ico on every first visit


def favicon():
    """Our own icon (static/favicon.ico; static/favicon.svg for browsers that take SVG), at the
    address browsers ask for by themselves; cacheable (app/security/cache_control.py)."""
    return send_from_directory(current_app.static_folder, "favicon.ico", mimetype="image/vnd.microsoft.icon",
                               max_age=FAVICON_MAX_AGE)


def init_favicon(app: Flask) -> None:
    app.add_url_rule("/favicon.ico", "favicon", favicon)
