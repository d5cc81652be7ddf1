"""The issue's table, side by side in one run: SatuPintu, a bare Flask ping (L0) and a plain
Flask-AppBuilder app on the same table, each under gunicorn with the same worker count, driven by
wrk, each case measured right after an L0 run.

    .venv/bin/python bench/side_by_side.py [--rows 1000000] [--customers 20000] [--reuse]
        [--database-url postgresql://postgres@127.0.0.1:5432/satupintu_bench] [--workers 2]
        [--duration 10] [--connections 8] [--port 5107]

Prints req/s, p50, p99, the ratio to the L0 run before it and to plain Flask-AppBuilder, and the
peak resident memory of each server's workers. Needs PostgreSQL and wrk (`apt-get install -y wrk`).
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
VENV_BIN = Path(sys.executable).parent


def wait_up(url: str, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            requests.get(url, timeout=2)
            return
        except requests.RequestException:
            time.sleep(0.5)
    raise SystemExit(f"server did not start: {url}")


def gunicorn(target: str, port: int, workers: int, env: dict, log: Path) -> subprocess.Popen:
    return subprocess.Popen([str(VENV_BIN / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{port}",
                             "--max-requests", "0", "--access-logfile", "/dev/null", target],
                            cwd=ROOT, env={**os.environ, **env}, stdout=log.open("w"), stderr=subprocess.STDOUT)


def peak_memory_mb(server: subprocess.Popen) -> float:
    """Largest VmHWM (peak resident set) among the gunicorn master's worker processes."""
    peak = 0
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children")
    for pid in (children.read_text().split() if children.exists() else []):
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]))
        except OSError:
            continue
    return peak / 1024


def _ms(value: str) -> float:
    found = re.match(r"([\d.]+)(us|ms|s|m)$", value)
    if not found:          # wrk prints nan when no request finished
        return float("nan")
    number, unit = found.groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


def wrk(url: str, headers: dict, duration: int, connections: int) -> dict:
    args = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "10s"]
    for key, value in headers.items():
        args += ["-H", f"{key}: {value}"]
    out = subprocess.run(args + [url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    # the latency distribution's own lines ("     50%   18.95ms"), not a percentage elsewhere ("75.50%")
    p50, p99 = (_ms(m.group(1)) if (m := re.search(rf"^\s+{q}%\s+(\S+)", out, re.M)) else float("nan")
                for q in (50, 99))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": rps, "p50": p50, "p99": p99, "errors": int(non2xx.group(1)) if non2xx else 0}


def staff_cookie(base: str, username: str, password: str) -> str:
    """A back-office session cookie, through the real login form (CSRF token and all)."""
    session = requests.Session()
    page = session.get(f"{base}/login/").text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    data = {"username": username, "password": password}
    if token:
        data["csrf_token"] = token.group(1)
    session.post(f"{base}/login/", data=data, allow_redirects=False)
    return "; ".join(f"{c.name}={c.value}" for c in session.cookies)


def jwt(base: str, username: str, password: str) -> str:
    response = requests.post(f"{base}/api/v1/security/login", json={
        "username": username, "password": password, "provider": "db", "refresh": False})
    response.raise_for_status()
    return response.json()["access_token"]


def _reachable(url: str) -> bool:
    from sqlalchemy import create_engine, text

    engine = create_engine(url.rsplit("/", 1)[0] + "/postgres", connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except Exception:  # noqa: BLE001 - any failure means "not reachable"
        return False
    finally:
        engine.dispose()


def ensure_postgres(url: str) -> bool:
    """A local PostgreSQL the way .ci/run gets one: installed with apt-get when missing, its cluster
    started with pg_ctlcluster when not running. False (after one line saying what to do) if still not."""
    if _reachable(url):
        return True
    host = re.sub(r"^.*@|[:/].*$", "", url.split("://", 1)[-1])
    if host in ("127.0.0.1", "localhost") and os.geteuid() == 0:
        if shutil.which("pg_ctlcluster") is None:
            print("PostgreSQL not installed: installing it (apt-get install postgresql)")
            subprocess.run(["apt-get", "update", "-qq"], check=False)
            subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", "postgresql"],
                           check=False, env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
        clusters = sorted(os.listdir("/etc/postgresql")) if os.path.isdir("/etc/postgresql") else []
        if clusters and shutil.which("pg_ctlcluster"):
            print("PostgreSQL not running: starting it")
            subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", clusters[0], "main", "start"],
                           check=False)
            for _ in range(30):
                if _reachable(url):
                    return True
                time.sleep(1)
    print(f"PostgreSQL is not reachable at {url}: install and start it as root (apt-get install -y postgresql "
          "&& pg_ctlcluster <version> main start, user postgres with trust on 127.0.0.1) or set "
          "BENCH_DATABASE_URL=postgresql://user@host:port/db, then run make bench again.", file=sys.stderr)
    return False


def build(url: str, rows: int, customers: int) -> None:
    """``url``'s database created if missing, then rebuilt in a child process (each build imports
    the app with its own DATABASE_URL)."""
    from sqlalchemy import create_engine, text

    name = url.rsplit("/", 1)[1]
    admin = create_engine(url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        if not connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    print(f"building {name}: {rows} applications, {customers} customers", flush=True)
    subprocess.run([sys.executable, "-c", "import sys; sys.path.insert(0, sys.argv[1]); "
                    "from bench.profile_pages import prepare; prepare(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), reuse=False)",
                    str(ROOT), url, str(rows), str(customers)], check=True, cwd=ROOT,
                   stdout=subprocess.DEVNULL)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get(
        "BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/satupintu_bench"))
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--reuse", action="store_true", help="keep the database a previous run built")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--port", type=int, default=5107, help="three consecutive ports from here")
    parser.add_argument("--transitions", type=int, default=100, help="transitions timed (0: none)")
    parser.add_argument("--flat-rows", type=int, default=int(os.environ.get("BENCH_FLAT_ROWS", 100_000)),
                        help="also measure SatuPintu's pages on a database of this many applications "
                             "(<database>_flat) and print each figure's ratio big/small (0: skip)")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        subprocess.run(["apt-get", "update", "-qq"], check=False)   # a fresh machine has no package lists
        subprocess.run(["apt-get", "install", "-y", "wrk"], check=False)
    from config import DEMO_PASSWORD

    url = args.database_url
    if not ensure_postgres(url):
        return 2
    flat_url = f"{url}_flat" if args.flat_rows else None
    if not args.reuse:
        for target, rows in ((url, args.rows), (flat_url, args.flat_rows)):
            if target:
                build(target, rows, args.customers)
    workdir = Path(tempfile.mkdtemp(prefix="satupintu-bench-"))
    env = {"DATABASE_URL": url, "RATELIMIT_ENABLED": "0", "SATUPINTU_INSTANCE": str(workdir),
           "PYTHONPATH": str(ROOT)}
    ports = {"ping": args.port, "app": args.port + 1, "fab": args.port + 2, "flat": args.port + 3}
    servers = {
        "ping": gunicorn("bench.apps.ping:app", ports["ping"], args.workers, env, workdir / "ping.log"),
        "app": gunicorn("run:app", ports["app"], args.workers, env, workdir / "app.log"),
        "fab": gunicorn("bench.apps.plain_fab:app", ports["fab"], args.workers, env, workdir / "fab.log"),
    }
    if flat_url:
        (workdir / "flat").mkdir()
        servers["flat"] = gunicorn("run:app", ports["flat"], args.workers,
                                   {**env, "DATABASE_URL": flat_url, "SATUPINTU_INSTANCE": str(workdir / "flat")},
                                   workdir / "flat.log")
    try:
        base = {k: f"http://127.0.0.1:{p}" for k, p in ports.items()}
        wait_up(base["ping"] + "/ping")
        wait_up(base["app"] + "/healthz")
        wait_up(base["fab"] + "/api/v1/_openapi")
        if flat_url:
            wait_up(base["flat"] + "/healthz")
        from sqlalchemy import create_engine, text

        def newest_bmkg(database_url: str) -> tuple[int, int]:
            engine = create_engine(database_url)
            with engine.connect() as connection:
                newest = connection.scalar(text(
                    "SELECT max(a.id) FROM application a JOIN agency g ON g.id = a.agency_id WHERE g.key = 'bmkg'"))
                count = connection.scalar(text("SELECT count(*) FROM application"))
            engine.dispose()
            return newest, count

        one, rows = newest_bmkg(url)
        fab = {"Authorization": f"Bearer {jwt(base['fab'], 'admin', DEMO_PASSWORD)}"}

        def satupintu_cases(server: str, newest: int, suffix: str = "", key: str = "") -> list:
            staff = {"Authorization": f"Bearer {jwt(base[server], 'bmkg_bendahara', DEMO_PASSWORD)}"}
            cookie = {"Cookie": staff_cookie(base[server], "bmkg_bendahara", DEMO_PASSWORD)}
            return [
                ("GET /api/v1/application/<id> (staff JWT)" + suffix, base[server] + f"/api/v1/application/{newest}",
                 staff, "show" + key),
                ("GET /api/v1/application/?page_size=25" + suffix, base[server] + "/api/v1/application/?page_size=25",
                 staff, "list" + key),
                ("back office Perlu Tindakan Saya (HTML)" + suffix, base[server] + "/backoffice/antrean/", cookie,
                 "queue" + key),
                ("portal home (anonymous)" + suffix, base[server] + "/portal/", {}, "home" + key),
            ]

        show, listing, queue, home = satupintu_cases("app", one)
        cases = [
            show, ("plain FAB ModelRestApi show", base["fab"] + f"/api/v1/application/{one}", fab, "fab_show"),
            listing, ("plain FAB list, 25 rows", base["fab"] + "/api/v1/application/?q=(page_size:25)", fab, "fab_list"),
            queue, home,
        ]
        if flat_url:
            flat_one, flat_rows = newest_bmkg(flat_url)
            cases += satupintu_cases("flat", flat_one, f" — {flat_rows} applications", "@flat")
        for _label, target, headers, _key in cases:     # warm every worker, and check the answers
            for _ in range(4):
                status = requests.get(target, headers=headers, allow_redirects=False).status_code
            if status != 200:
                raise SystemExit(f"{target} answered {status}")
        results = {}
        for label, target, headers, key in cases:
            l0 = wrk(base["ping"] + "/ping", {}, args.duration, args.connections)
            result = wrk(target, headers, args.duration, args.connections)
            result["l0"] = l0["rps"]
            results[key] = (label, result)
        print(f"\n{rows} applications, gunicorn -w {args.workers}, wrk -t2 -c{args.connections} "
              f"-d{args.duration}s, load average {os.getloadavg()[0]:.1f} at the end\n")
        print("| page | req/s | p50 ms | p99 ms | × L0 (L0 req/s) | × plain FAB | non-2xx |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        anchors = {"show": "fab_show", "list": "fab_list", "queue": "fab_list", "home": "fab_show"}
        for key, (label, r) in results.items():
            if key.endswith("@flat"):
                continue
            anchor = results.get(anchors.get(key, ""), (None, None))[1]
            versus = f"{(r['rps'] / r['l0']) / (anchor['rps'] / anchor['l0']):.1f}×" if anchor else "—"
            print(f"| {label} | {r['rps']:.0f} | {r['p50']:.1f} | {r['p99']:.1f} | "
                  f"{r['rps'] / r['l0']:.3f}× ({r['l0']:.0f}) | {versus} | {r['errors']} |")
        if flat_url:
            print(f"\nFlat as data grows: each page's ratio to L0 with {rows} applications divided by the same "
                  f"with {flat_rows} (goal ≥ 0.8)\n")
            print("| page | × L0, big | × L0, small | big / small |")
            print("|---|---:|---:|---:|")
            for key in ("show", "list", "queue", "home"):
                label, big = results[key]
                small = results[key + "@flat"][1]
                big_ratio, small_ratio = big["rps"] / big["l0"], small["rps"] / small["l0"]
                print(f"| {label} | {big_ratio:.3f}× | {small_ratio:.3f}× | {big_ratio / small_ratio:.2f} |")
        print("\npeak worker memory (VmHWM): " + ", ".join(
            f"{name} {peak_memory_mb(server):.0f} MB" for name, server in servers.items()))
        if args.transitions:
            from bench.transitions import report, run

            report(run(url, args.transitions))
    finally:
        for server in servers.values():
            server.send_signal(signal.SIGTERM)
        for server in servers.values():
            server.wait(timeout=30)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
