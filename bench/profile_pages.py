"""Where a page's time goes: SQL statements (each with its median time), CPU per request and a
profile of the pages the issue measures, through the Flask test client against a PostgreSQL
database with a province's data.

    .venv/bin/python bench/profile_pages.py --database-url postgresql://postgres@127.0.0.1:5432/DB \
        [--rows 100000] [--customers 20000] [--reuse] [--runs 30] [--top 25] [--only LABEL] [--sampler]

``--sampler`` profiles with pyinstrument (a sampling profiler: the call tree with each part's share,
without cProfile's per-call overhead, which inflates ORM-heavy code); the default is cProfile.

``--reuse`` skips building the database (it must have been built by this script or bench/side_by_side.py).
"""
from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def prepare(url: str, rows: int, customers: int, reuse: bool):
    """The app on ``url``; unless ``reuse``, the schema dropped, migrated, seeded and filled."""
    workdir = Path(tempfile.mkdtemp(prefix="satupintu-profile-"))
    os.environ.setdefault("SATUPINTU_INSTANCE", str(workdir))
    os.environ["RATELIMIT_ENABLED"] = "0"
    os.environ["DATABASE_URL"] = url
    from flask_migrate import upgrade
    from sqlalchemy import text

    from app import create_app
    from app.extensions import db

    class BenchConfig(__import__("config").Config):
        SQLALCHEMY_DATABASE_URI = url
        UPLOAD_FOLDER = str(workdir / "uploads")
        WTF_CSRF_ENABLED = False
        RATELIMIT_ENABLED = False

    app = create_app(BenchConfig)
    if not reuse:
        with app.app_context():
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
            upgrade()
            from app.demo.data import load_demo
            from app.ops.setup import initialise
            from bench.dataset import build

            initialise()
            load_demo()
            build(rows, customers)
    return app


def cases(app):
    """(label, client, path, headers) of the pages the issue's table measures."""
    from config import DEMO_PASSWORD
    from tests.conftest import sign_in  # the same stamped session a real login writes

    staff = app.test_client()
    staff.post("/login/", data={"username": "bmkg_bendahara", "password": DEMO_PASSWORD})
    token = staff.post("/api/v1/security/login", json={"username": "bmkg_bendahara", "password": DEMO_PASSWORD,
                                                       "provider": "db"}).get_json()["access_token"]
    api = {"Authorization": f"Bearer {token}"}
    with app.app_context():
        from sqlalchemy import func, select

        from app.extensions import db
        from models import Agency, Application

        bmkg = db.session.scalar(select(Agency.id).where(Agency.key == "bmkg"))
        one = db.session.scalar(select(func.max(Application.id)).where(Application.agency_id == bmkg))
        # the customer with the most applications
        busiest = db.session.execute(select(Application.customer_id, func.count()).group_by(
            Application.customer_id).order_by(func.count().desc()).limit(1)).first()[0]
        db.session.remove()
    customer = sign_in(app.test_client(), busiest)
    return [
        ("API show (staff JWT)", staff, f"/api/v1/application/{one}", api),
        ("API list page_size=25", staff, "/api/v1/application/?page_size=25", api),
        ("API list page_size=5", staff, "/api/v1/application/?page_size=5", api),
        ("Perlu Tindakan Saya (HTML)", staff, "/backoffice/antrean/", {}),
        ("Permohonan Saya (portal)", customer, "/portal/permohonan", {}),
        ("portal home (anonymous)", app.test_client(), "/portal/", {}),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--only", help="profile only cases whose label contains this")
    parser.add_argument("--sampler", action="store_true", help="pyinstrument instead of cProfile")
    args = parser.parse_args()

    from sqlalchemy import event

    app = prepare(args.database_url, args.rows, args.customers, args.reuse)
    from app.extensions import db

    with app.app_context():
        engine = db.engine
    statements: list[list] = []       # [statement, started, ms]

    def _started(_conn, _cursor, statement, *_args):
        statements.append([statement, time.perf_counter(), None])

    def _finished(_conn, _cursor, _statement, *_args):
        statements[-1][2] = (time.perf_counter() - statements[-1][1]) * 1000

    event.listen(engine, "before_cursor_execute", _started)
    event.listen(engine, "after_cursor_execute", _finished)
    for label, client, path, headers in cases(app):
        if args.only and args.only not in label:
            continue
        for _ in range(12):        # warm: caches, and psycopg's prepared plans (after 5 runs)
            client.get(path, headers=headers)
        statements.clear()
        response = client.get(path, headers=headers)
        shown = [statement for statement, *_ in statements]
        per_statement: list[list[float]] = [[] for _ in shown]
        cpu, wall = [], []
        for _ in range(args.runs):        # unprofiled: CPU of this process and wall time per request
            statements.clear()
            c0, t0 = time.process_time(), time.perf_counter()
            client.get(path, headers=headers)
            cpu.append((time.process_time() - c0) * 1000)
            wall.append((time.perf_counter() - t0) * 1000)
            for index, (_statement, _started_at, ms) in enumerate(statements[:len(shown)]):
                per_statement[index].append(ms or 0.0)

        def median(values):
            values = sorted(values)
            return values[len(values) // 2] if values else float("nan")

        print(f"\n## {label}: {path} -> {response.status_code}, {len(shown)} SQL statements, "
              f"median {median(wall):.1f} ms wall, {median(cpu):.1f} ms CPU")
        for statement, times in zip(shown, per_statement):
            print(f"   SQL {median(times):6.2f} ms:", " ".join(statement.split())[:140])
        if args.sampler:
            from pyinstrument import Profiler

            sampler = Profiler(interval=0.0002)
            sampler.start()
            for _ in range(args.runs):
                client.get(path, headers=headers)
            sampler.stop()
            print(sampler.output_text(unicode=False, color=False))
            continue
        profile = cProfile.Profile()
        for _ in range(args.runs):
            profile.enable()
            client.get(path, headers=headers)
            profile.disable()
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(args.top)
        print("\n".join(line for line in out.getvalue().splitlines()[6:] if line.strip()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
