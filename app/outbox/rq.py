"""Scale-out: the worker's jobs on RQ (``REDIS_URL``). A dispatcher (``flask worker`` with
``REDIS_URL`` set) claims due rows and enqueues one job per claim; any number of RQ workers
(``flask worker --rq``) perform them. A job whose claim was taken back meanwhile does nothing."""
from __future__ import annotations

from datetime import datetime

from flask import current_app, has_app_context

QUEUE_NAME = "satupintu-outbox"


def connection(url: str | None = None):
    from redis import Redis

    return Redis.from_url(url or current_app.config["REDIS_URL"])


def queue(conn=None, name: str | None = None):
    from rq import Queue

    return Queue(name or current_app.config.get("RQ_QUEUE", QUEUE_NAME), connection=conn or connection())


def enqueue_claims(claims, q=None) -> int:
    q = q or queue()
    for claim in claims:
        q.enqueue(perform_job, claim.row_id, claim.token.isoformat(),
                  job_id=f"outbox-{claim.row_id}-{int(claim.token.timestamp() * 1e6)}",
                  result_ttl=3600, failure_ttl=86400)
    return len(claims)


def perform_job(row_id: int, token: str) -> str:
    """The RQ job: perform a claimed row (inside the app; makes one if run by a bare ``rq worker``)."""
    from app.outbox.worker import perform

    if has_app_context():
        return perform(row_id, datetime.fromisoformat(token))
    import os

    from app import create_app

    app = create_app(os.environ.get("SATUPINTU_CONFIG", "config.Config"))
    with app.app_context():
        return perform(row_id, datetime.fromisoformat(token))


def run_rq_worker(*, burst: bool = False, conn=None, name: str | None = None) -> None:
    """An RQ worker in this process (no fork: the app context and its database pool stay valid)."""
    from rq import SimpleWorker

    q = queue(conn, name)
    SimpleWorker([q], connection=q.connection).work(burst=burst, with_scheduler=False)
