"""Database details that differ between the embedded (SQLite) and the scale-out (PostgreSQL) setup."""
from __future__ import annotations

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine


def install_sqlite_pragmas(app: Flask) -> None:
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return

    @event.listens_for(Engine, "connect")
    def _pragmas(dbapi_connection, _record):  # pragma: no cover - trivial
        if type(dbapi_connection).__module__.startswith("sqlite3"):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=5000")
            cursor.close()


def is_postgresql(session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def refresh_statistics(session) -> None:
    """Give the query planner current row statistics.

    SQLite has no autovacuum: without ``ANALYZE`` its planner guesses, and with a million
    applications it picks the agency index, reads every row and sorts them (0.4 s for a queue
    page instead of a few ms). PostgreSQL's autovacuum keeps statistics itself; an explicit
    ``ANALYZE`` after a bulk load does no harm there either.
    """
    from sqlalchemy import text

    session.execute(text("ANALYZE"))
    session.commit()
