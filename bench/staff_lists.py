"""How fast staff lists stay with many applications: "Perlu tindakan saya", the recap-style API list.

Builds its own database (SQLite file by default, or --database-url postgresql://...), loads the demo
data, bulk-inserts N applications across BMKG's services and states, then times the pages a BMKG
treasurer opens. Usage:
    .venv/bin/python bench/staff_lists.py [--rows 1000000] [--runs 15] [--database-url URL]
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--database-url")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="satupintu-bench-"))
    os.environ["SATUPINTU_INSTANCE"] = str(workdir)
    os.environ["RATELIMIT_ENABLED"] = "0"
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url

    from flask_migrate import upgrade
    from sqlalchemy import insert, select

    from app import create_app
    from app.demo.data import load_demo
    from app.extensions import db
    from app.ops.setup import initialise
    from config import DEMO_PASSWORD
    from models import Application, ServiceType, User

    class BenchConfig(__import__("config").Config):
        SQLALCHEMY_DATABASE_URI = args.database_url or f"sqlite:///{workdir / 'bench.db'}"
        UPLOAD_FOLDER = str(workdir / "uploads")
        WTF_CSRF_ENABLED = False
        RATELIMIT_ENABLED = False

    app = create_app(BenchConfig)
    with app.app_context():
        upgrade()
        initialise()
        load_demo()
        data = app.extensions["satupintu.rules"].file_rules.data
        services = db.session.scalars(select(ServiceType).where(ServiceType.key.like("bmkg_%"))).all()
        customers = [u.id for u in db.session.scalars(select(User).where(User.username.in_(
            ["budi", "sari", "ptmaju", "unmul"])))]
        states = {}
        for service in services:
            workflow = data["workflows"][data["services"][service.key]["workflow"]]
            states[service.id] = [(k, s["kind"]) for k, s in workflow["states"].items()]
        started = time.perf_counter()
        now = datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)  # stored times are aware UTC
        batch, inserted = [], 0
        rng = random.Random(7)
        for i in range(args.rows):
            service = services[i % len(services)]
            state, kind = rng.choice(states[service.id])
            created = now - timedelta(minutes=i)
            batch.append({
                "service_type_id": service.id, "agency_id": service.agency_id,
                "rules_version_id": service.rules_version_id, "customer_id": customers[i % len(customers)],
                "receipt": f"BENCH-{i:07d}", "request_kind": "baru", "state": state, "state_kind": kind,
                "data": {}, "company": {}, "location": {}, "numbers": {}, "deadlines": {},
                "declaration_accepted": True, "total_amount": 0, "state_entered_at": created,
                "state_due_at": created + timedelta(days=3), "state_overdue_handled": False,
                "submitted_at": created, "version": 1, "created_at": created, "updated_at": created,
            })
            if len(batch) == 20_000:
                db.session.execute(insert(Application), batch)
                db.session.commit()
                inserted += len(batch)
                batch = []
        if batch:
            db.session.execute(insert(Application), batch)
            db.session.commit()
            inserted += len(batch)
        print(f"inserted {inserted} applications in {time.perf_counter() - started:.1f} s "
              f"({db.engine.dialect.name})")
        # what the worker does every few hours on SQLite (PostgreSQL's autovacuum does it there)
        from app.core.database import refresh_statistics
        refresh_statistics(db.session)

    client = app.test_client()
    client.post("/login/", data={"username": "bmkg_bendahara", "password": DEMO_PASSWORD})
    token = client.post("/api/v1/security/login", json={"username": "bmkg_bendahara", "password": DEMO_PASSWORD,
                                                        "provider": "db"}).get_json()["access_token"]
    api = {"Authorization": f"Bearer {token}"}
    cases = [
        ("queue page 1 (HTML)", "/backoffice/antrean/", {}),
        ("queue page 40 (HTML)", "/backoffice/antrean/?page=39", {}),
        ("queue search by receipt (HTML)", "/backoffice/antrean/?q=BENCH-0500001", {}),
        ("API list, 25 rows", "/api/v1/application/?page_size=25", api),
        ("API list filtered by state", "/api/v1/application/?state=pembayaran_diverifikasi&page_size=25", api),
        ("API show one", "/api/v1/application/1", api),
    ]
    print(f"| page | median ms | p90 ms | status |")
    print(f"|---|---:|---:|---|")
    for label, path, headers in cases:
        timings, status = [], None
        for _ in range(args.runs):
            t0 = time.perf_counter()
            response = client.get(path, headers=headers)
            timings.append((time.perf_counter() - t0) * 1000)
            status = response.status_code
        timings.sort()
        p90 = timings[int(len(timings) * 0.9) - 1]
        print(f"| {label} | {statistics.median(timings):.1f} | {p90:.1f} | {status} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
