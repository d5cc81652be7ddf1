"""Database details that differ between the embedded (SQLite) and the scale-out (PostgreSQL) setup."""
from __future__ import annotations

import functools

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


WROTE = "satupintu_wrote"    # key in a DBAPI connection's info: a statement other than SELECT ran in this transaction


def install_read_only_commit(app: Flask, db) -> None:
    """End a request whose transaction only read with COMMIT instead of ROLLBACK (PostgreSQL).

    psycopg forgets every prepared statement of a connection on ROLLBACK (an object it prepared
    against may have been dropped), and the session's teardown rolls back every request. So each
    request planned its statements afresh: the detail page's select (a dozen outer joins) cost
    5-10 ms of planning per request instead of < 1 ms with the plan psycopg keeps once a statement
    ran five times on a connection. A transaction in which only SELECTs ran commits to the same
    effect as it rolls back; one in which anything else ran (an INSERT, UPDATE, DELETE, a flush,
    a WITH that may write, SET ...) still rolls back, as does any request that raised.
    """
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        return
    _note_writes_once()

    @app.teardown_appcontext
    def _commit_reads(error: BaseException | None) -> None:
        # runs before Flask-SQLAlchemy's own teardown (registered earlier), which closes the session
        if not db.session.registry.has():
            return
        session = db.session()
        if error is not None or not session.is_active or session.new or session.dirty or session.deleted:
            return
        transaction = session.get_transaction()
        if transaction is None:
            return
        connections = [c for c, *_ in getattr(transaction, "_connections", {}).values()]
        if connections and not any(c.info.get(WROTE) for c in connections):
            # the session is closed next, which keeps loaded attributes on the detached objects; a
            # commit would expire them, so it must not (code may read an object after its context)
            expire, session.expire_on_commit = session.expire_on_commit, False
            try:
                session.commit()
            finally:
                session.expire_on_commit = expire


@functools.cache
def _note_writes_once() -> None:
    """Mark a connection that ran anything but a SELECT in its current transaction (every engine,
    once per process: the apps of a test run share these listeners)."""
    @event.listens_for(Engine, "before_cursor_execute")
    def _note_writes(connection, _cursor, statement: str, *_args) -> None:
        if statement.lstrip()[:6].upper() != "SELECT":
            connection.info[WROTE] = True

    @event.listens_for(Engine, "commit")
    @event.listens_for(Engine, "rollback")
    def _forget_writes(connection) -> None:
        connection.info.pop(WROTE, None)


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


def collections_in_one_statement(parent, collections: dict):
    """Join ``parent`` to several of its one-to-many collections so that ONE ``select`` returns them all.

    ``collections`` maps a relationship name of ``parent`` to the to-one relationship names of its
    rows to load with them (e.g. ``{"cart_lines": ("item",), "slots": ()}``). The parent row is crossed
    with a list of kinds 1..N (a UNION ALL of literals, valid on SQLite and PostgreSQL) and each child
    table is outer-joined only on the row of its own kind: the result has one row per child, the SUM of
    the collections' sizes and never their product, and the ORM fills each collection from its rows.

    Returns ``(from_clause, loader_options, order_by, kind_column)``: select the parent
    ``.select_from(from_clause)``, pass the options, order by ``order_by`` (each collection keeps its
    relationship's order), and outer-join further tables of your own on ``kind_column == N + i``
    (``extra_kinds`` below gives their numbers).
    """
    from sqlalchemy import and_, literal, select, true, union_all
    from sqlalchemy.orm import aliased, contains_eager, join

    count = len(collections) + 2         # two spare kinds for the caller's own outer joins
    kinds = union_all(*(select(literal(number).label("k")) for number in range(1, count + 1))).subquery("kinds")
    joined = join(parent, kinds, true())
    loaders, order = [], [kinds.c.k]
    for number, (name, nested_names) in enumerate(collections.items(), start=1):
        relation = getattr(parent, name)
        child = relation.property.mapper.class_
        joined = joined.outerjoin(child, and_(relation.expression, kinds.c.k == number))
        for nested_name in nested_names:
            nested = getattr(child, nested_name)
            target = aliased(nested.property.mapper.class_)
            joined = joined.outerjoin(target, nested.of_type(target))
            loaders.append(contains_eager(relation).contains_eager(nested.of_type(target)))
        if not nested_names:
            loaders.append(contains_eager(relation))
        order += list(relation.property.order_by or [child.id])
    return joined, loaders, order, kinds.c.k


def extra_kinds(collections: dict) -> tuple[int, int]:
    """The two kind numbers collections_in_one_statement leaves to its caller."""
    return len(collections) + 1, len(collections) + 2
