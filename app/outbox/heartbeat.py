"""The outbox worker's heartbeat: a row per worker process, refreshed while its loop runs.

``/readyz``, ``/metrics`` and ``flask doctor`` read the freshest beat from the database, so every
web process gives the same answer whichever worker host wrote it.
"""
from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select

from app.extensions import db
from models.base import utcnow
from models.ops import WorkerHeartbeat

FORGET_AFTER = timedelta(days=1)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:128]


def beat(name: str | None = None, *, kind: str = "outbox", now: datetime | None = None) -> None:
    """Record that worker ``name`` is alive now (and forget workers silent for a day). Commits."""
    name = name or worker_name()
    now = now or utcnow()
    try:
        row = db.session.get(WorkerHeartbeat, name)
        if row is None:
            db.session.add(WorkerHeartbeat(name=name, kind=kind, started_at=now, beat_at=now))
        else:
            row.beat_at = now
        db.session.execute(delete(WorkerHeartbeat).where(WorkerHeartbeat.beat_at < now - FORGET_AFTER,
                                                         WorkerHeartbeat.name != name))
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


def last_beat(kind: str = "outbox") -> datetime | None:
    """When the freshest worker of ``kind`` last beat (naive UTC), or None if none ever did."""
    return db.session.scalar(select(func.max(WorkerHeartbeat.beat_at)).where(WorkerHeartbeat.kind == kind))


def alive_count(max_age_seconds: float, kind: str = "outbox", now: datetime | None = None) -> int:
    limit = (now or utcnow()) - timedelta(seconds=max_age_seconds)
    return db.session.scalar(select(func.count()).select_from(WorkerHeartbeat)
                             .where(WorkerHeartbeat.kind == kind, WorkerHeartbeat.beat_at >= limit)) or 0
