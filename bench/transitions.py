"""Transitions per second: the transition command (audit row, outbox rows, SLA, numbering, guards)
against a hand-written SQL transaction that makes the same writes (the same UPDATE of the
application, the same audit_event and outbox rows), on the bench database.

    .venv/bin/python bench/transitions.py --database-url postgresql://... [--count 150]

Uses BMKG "informasi" applications waiting in ``terkirim`` (made by bench/dataset.py) and the
officer's ``tidak_tersedia`` action; each transition is its own transaction, as in production.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def run(url: str, count: int) -> dict:
    os.environ.setdefault("SATUPINTU_INSTANCE", tempfile.mkdtemp(prefix="satupintu-transitions-"))
    os.environ["RATELIMIT_ENABLED"] = "0"
    from sqlalchemy import select, text

    from bench.profile_pages import prepare

    app = prepare(url, 0, 0, reuse=True)
    from app.commands.application.transition import ApplicationTransitionCommand
    from app.extensions import db
    from flask_appbuilder.security.sqla.models import User
    from models import Application, ServiceType

    with app.test_request_context():
        officer = db.session.scalar(select(User).where(User.username == "bmkg_petugas_layanan"))
        ids = list(db.session.scalars(
            select(Application.id).join(ServiceType).where(ServiceType.key == "bmkg_informasi",
                                                            Application.state == "terkirim")
            .order_by(Application.id).limit(2 * count + 1)))
        if len(ids) < 2 * count + 1:
            raise SystemExit(f"only {len(ids)} applications in terkirim: lower --count")
        officer_id = officer.id
        db.session.remove()
    command_ids, sql_ids, template_id = ids[:count], ids[count:2 * count], ids[-1]

    def command(app_id):
        with app.test_request_context():
            actor = db.session.get(User, officer_id)
            ApplicationTransitionCommand(app_id, actor, "tidak_tersedia", fields={"catatan": "bench"}).run()
            db.session.remove()

    command(template_id)     # warm, and the template of the hand-written writes
    with app.app_context():
        connection = db.session.connection()
        app_row = connection.execute(text("SELECT state, state_kind, state_due_at, closed_at FROM application "
                                          "WHERE id = :i"), {"i": template_id}).mappings().one()
        audit = dict(connection.execute(text("SELECT * FROM audit_event WHERE application_id = :i "
                                             "ORDER BY id DESC LIMIT 1"), {"i": template_id}).mappings().one())
        outbox = [dict(r) for r in connection.execute(text(
            "SELECT * FROM outbox WHERE application_id = :i AND audit_event_id = :e"),
            {"i": template_id, "e": audit["id"]}).mappings()]
        db.session.remove()
    audit.pop("id")
    for row in outbox:
        row.pop("id")

    def insert_sql(table: str, row: dict) -> str:
        return (f"INSERT INTO {table} ({', '.join(row)}) VALUES ({', '.join(':' + k for k in row)}) "
                "RETURNING id")

    import json

    def params(row: dict) -> dict:
        return {k: json.dumps(v) if isinstance(v, (dict, list)) else v for k, v in row.items()}

    def hand_written(app_id):
        with db.engine.begin() as connection:
            version = connection.scalar(text("SELECT version FROM application WHERE id = :i FOR UPDATE"),
                                        {"i": app_id})
            connection.execute(text(
                "UPDATE application SET state = :s, state_kind = :k, state_entered_at = now(), "
                "state_due_at = :d, closed_at = :c, version = :v + 1, updated_at = now() "
                "WHERE id = :i AND version = :v"),
                {"s": app_row["state"], "k": app_row["state_kind"], "d": app_row["state_due_at"],
                 "c": app_row["closed_at"], "v": version, "i": app_id})
            event_id = connection.scalar(text(insert_sql("audit_event", audit)),
                                         params({**audit, "application_id": app_id}))
            for row in outbox:
                connection.scalar(text(insert_sql("outbox", row)),
                                  params({**row, "application_id": app_id, "audit_event_id": event_id}))

    result = {"outbox_rows": len(outbox)}
    for name, fn, batch in (("command", command, command_ids), ("sql", hand_written, sql_ids)):
        started = time.perf_counter()
        with app.app_context():
            for app_id in batch:
                fn(app_id)
        result[name] = len(batch) / (time.perf_counter() - started)
    with app.app_context():
        db.engine.dispose()
    return result


def report(result: dict) -> None:
    print(f"\n| transition (tidak_tersedia: audit row + {result['outbox_rows']} outbox rows) | per second |")
    print("|---|---:|")
    print(f"| ApplicationTransitionCommand | {result['command']:.1f} |")
    print(f"| hand-written SQL transaction, same writes | {result['sql']:.1f} |")
    print(f"| ratio (goal ≥ 0.5) | {result['command'] / result['sql']:.2f} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--count", type=int, default=100)
    args = parser.parse_args()
    report(run(args.database_url, args.count))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
