"""The site's front door: citizens land on the portal, staff on their back office."""
from flask import g, redirect, url_for
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
