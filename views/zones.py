"""Which zone a row's times are shown in: its agency's, its application's agency's, else the
platform's default zone (``DEFAULT_TIMEZONE``) — for screens and APIs alike."""
from __future__ import annotations

from app.extensions import db
from app.core.formatting import zone_key
from models import Application


def application_of(item) -> Application | None:
    if isinstance(item, Application):
        return item
    application = getattr(item, "__dict__", {}).get("application")  # already loaded: no query
    if isinstance(application, Application):
        return application
    application_id = getattr(item, "application_id", None)
    return db.session.get(Application, application_id) if application_id else None


def record_zone(item) -> str:
    """The IANA zone of ``item``: an application's agency, the agency of the application it
    belongs to, its own agency, else the platform's default zone."""
    application = application_of(item)
    if application is not None:
        return zone_key(application.agency)
    return zone_key(getattr(item, "agency", None))
