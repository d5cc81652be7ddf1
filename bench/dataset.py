"""A province-sized dataset: N applications over every seed office's services and realistic
states, spread over many customers (with profiles), bulk-loaded with COPY on PostgreSQL
(executemany elsewhere). Used by bench/side_by_side.py and bench/profile_pages.py.

Call ``build(app, rows, customers)`` inside an app context after migrate + initialise + demo load.
"""
from __future__ import annotations

import io
import json
import random
import time
from datetime import datetime, timedelta, timezone

# how often each kind of state occurs: most applications of a few years are finished
KIND_WEIGHTS = {"final_success": 70, "final_rejected": 6, "final_cancelled": 4, "working": 14,
                "waiting_customer": 6}


def _copy(connection, table: str, columns: list[str], rows) -> None:
    """COPY rows (tuples) into ``table`` on PostgreSQL (psycopg 3's ``cursor.copy``)."""
    raw = connection.connection.dbapi_connection
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join(r"\N" if v is None else str(v).replace("\\", "\\\\").replace("\t", " ")
                               for v in row))
        buffer.write("\n")
    buffer.seek(0)
    with raw.cursor() as cursor:
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            copy.write(buffer.getvalue())


def _bulk(session, table, columns: list[str], rows: list[tuple]) -> None:
    """Insert tuples of ``columns``; every other NOT NULL column gets its model default."""
    extra, values = [], []
    for column in table.columns:
        if column.name in columns or column.nullable or column.server_default is not None:
            continue
        default = column.default.arg if column.default is not None and not callable(column.default.arg) else ""
        if isinstance(default, (dict, list)):
            default = json.dumps(default)
        extra.append(column.name)
        values.append(default)
    if extra:
        columns = list(columns) + extra
        rows = [tuple(r) + tuple(values) for r in rows]
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        _copy(connection, table.name, columns, rows)
    else:
        connection.execute(table.insert(), [dict(zip(columns, r)) for r in rows])


def build(rows: int, customers: int, *, seed: int = 7, log=print) -> dict:
    """Insert ``customers`` customer accounts and ``rows`` applications; returns what it made."""
    from flask_appbuilder.security.sqla.models import Role, User, assoc_user_role
    from sqlalchemy import func, select, text

    from app.extensions import db
    from app.commands.rules.state import rules_state
    from app.security.roles import CUSTOMER_ROLE
    from models import Application, CustomerProfile, ServiceType

    session = db.session
    rng = random.Random(seed)
    started = time.perf_counter()
    data = rules_state().file_rules.data
    now = datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)
    stamp = now.strftime("%Y-%m-%d %H:%M:%S+00")
    dialect = session.connection().dialect.name

    # --- customers: ab_user + role + customer_profile (one password hash for all)
    role_id = session.scalar(select(Role.id).where(Role.name == CUSTOMER_ROLE))
    password = session.scalar(select(User.password).where(User.username == "budi"))
    first_user = (session.scalar(select(func.max(User.id))) or 0) + 1
    first_profile = (session.scalar(select(func.max(CustomerProfile.id))) or 0) + 1
    users, links, profiles = [], [], []
    for i in range(customers):
        uid = first_user + i
        name = f"bench{i:06d}"
        users.append((uid, "Pelanggan", f"Bench {i}", name, password, True, f"{name}@bench.test",
                      stamp, 0, stamp, stamp))
        links.append((uid, role_id))
        profiles.append((first_profile + i, uid, "person", f"Pelanggan Bench {i:06d}", f"99{i:014d}",
                         "081234567890", "Jl. Contoh No. 1", stamp, "", "", "", "", ""))
    user_columns = ["id", "first_name", "last_name", "username", "password", "active", "email",
                    "last_login", "login_count", "created_on", "changed_on"]
    _bulk(session, User.__table__, user_columns, users)
    first_link = (session.scalar(select(func.max(assoc_user_role.c.id))) or 0) + 1
    _bulk(session, assoc_user_role, ["id", "user_id", "role_id"],
          [(first_link + n, i, r) for n, (i, r) in enumerate(links)])
    _bulk(session, CustomerProfile.__table__,
          ["id", "user_id", "kind", "full_name", "nik", "phone", "address", "created_at",
           "gender", "education", "occupation", "province", "regency"], profiles)
    customer_ids = [u[0] for u in users] or [session.scalar(select(User.id).where(User.username == "budi"))]

    # --- applications over every service of every office, states weighted by kind
    services = session.scalars(select(ServiceType)).all()
    choices = []
    for service in services:
        spec = data["services"].get(service.key)
        if not spec:
            continue
        states = data["workflows"][spec["workflow"]]["states"]
        weighted = [(key, s.get("kind", "working")) for key, s in states.items()]
        weights = [KIND_WEIGHTS.get(kind, 5) / max(1, sum(1 for _, k in weighted if k == kind))
                   for _, kind in weighted]
        choices.append((service, weighted, weights))
    first_app = (session.scalar(select(func.max(Application.id))) or 0) + 1
    columns = ["id", "service_type_id", "agency_id", "rules_version_id", "customer_id", "receipt", "number",
               "request_kind", "state", "state_kind", "data", "company", "location", "numbers", "deadlines",
               "declaration_accepted", "total_amount", "state_entered_at", "state_due_at",
               "state_overdue_handled", "due_at", "submitted_at", "closed_at", "version", "created_at",
               "updated_at"]
    batch = []
    fmt = "%Y-%m-%d %H:%M:%S+00"
    for i in range(rows):
        service, weighted, weights = choices[i % len(choices)]
        state, kind = rng.choices(weighted, weights)[0]
        created = now - timedelta(minutes=2 * (rows - i))
        final = kind.startswith("final")
        batch.append((
            first_app + i, service.id, service.agency_id, service.rules_version_id,
            customer_ids[rng.randrange(len(customer_ids))], f"BENCH-{i:07d}",
            f"B/{service.id}/{i:07d}" if final else None, "baru", state, kind,
            json.dumps({}), json.dumps({}), json.dumps({}), json.dumps({}), json.dumps({}),
            True, 0, created.strftime(fmt), (created + timedelta(days=3)).strftime(fmt), False,
            (created + timedelta(days=14)).strftime(fmt), created.strftime(fmt),
            (created + timedelta(days=5)).strftime(fmt) if final else None, 1,
            created.strftime(fmt), created.strftime(fmt)))
        if len(batch) == 50_000:
            _bulk(session, Application.__table__, columns, batch)
            batch = []
            log(f"  {i + 1} applications")
    if batch:
        _bulk(session, Application.__table__, columns, batch)
    if dialect == "postgresql":
        # Flask-AppBuilder's tables use named sequences, ours serial columns: move both past the rows
        for table, sequence in (("ab_user", "'ab_user_id_seq'"), ("ab_user_role", "'ab_user_role_id_seq'"),
                                ("customer_profile", "pg_get_serial_sequence('customer_profile', 'id')"),
                                ("application", "pg_get_serial_sequence('application', 'id')")):
            session.execute(text(f"SELECT setval({sequence}, (SELECT max(id) FROM {table}))"))
    session.commit()
    if dialect == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
    else:
        from app.core.database import refresh_statistics
        refresh_statistics(session)
    elapsed = time.perf_counter() - started
    log(f"dataset: {rows} applications, {customers} customers in {elapsed:.0f} s ({dialect})")
    return {"first_application": first_app, "rows": rows, "customers": customers,
            "customer_ids": customer_ids[:10]}
