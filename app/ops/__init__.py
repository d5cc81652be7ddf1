"""Operations: `flask doctor`, /healthz, /readyz, /metrics and `flask backup` (issue 9).

``init_ops(app)`` registers the blueprint, the request timing and the commands.
"""
from __future__ import annotations

from flask import Blueprint, Flask, Response, jsonify

from app.extensions import db

ops = Blueprint("ops", __name__)


@ops.get("/healthz")
def healthz():
    """The process is alive and answers; nothing else is touched (no database)."""
    return _no_store(jsonify(status="ok"))


@ops.get("/readyz")
def readyz():
    """Ready to serve: database, Redis when configured, a recent worker heartbeat, a small outbox
    backlog. 200 or 503, with each check's result and no detail an outsider could use."""
    from app.ops.checks import READINESS, run_checks

    try:
        results = run_checks(READINESS)
    finally:
        db.session.remove()
    checks: dict[str, dict] = {}
    for result in results:
        name = result.name.split(" ", 1)[0]           # "redis (REDIS_URL)" → "redis"
        entry = checks.setdefault(name, {"ok": True})
        entry["ok"] = entry["ok"] and result.ok
        entry.update({key: value for key, value in result.public.items()})
    ready = all(entry["ok"] for entry in checks.values())
    response = jsonify(status="ready" if ready else "unready", checks=checks)
    response.status_code = 200 if ready else 503
    return _no_store(response)


@ops.get("/metrics")
def metrics():
    from app.ops.metrics import exposition, metrics_access

    status = metrics_access()
    if status != 200:
        response = Response(status=status)
        if status == 401:
            response.headers["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    try:
        body, content_type = exposition()
    finally:
        db.session.remove()
    return _no_store(Response(body, content_type=content_type))


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


def init_ops(app: Flask) -> None:
    from app.ops.cli import backup_cli, doctor_command
    from app.ops.metrics import install_request_timing, parse_allowlist

    try:
        app.extensions["satupintu.metrics_allow"] = parse_allowlist(app.config.get("METRICS_ALLOW_IPS"))
    except ValueError as error:
        raise RuntimeError(f"Refusing to start: {error}") from None
    app.register_blueprint(ops)
    install_request_timing(app)
    app.cli.add_command(doctor_command)
    app.cli.add_command(backup_cli)

