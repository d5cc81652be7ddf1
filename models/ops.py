"""Operations: the outbox workers' heartbeats, read by /readyz, /metrics and `flask doctor`."""
from __future__ import annotations

from datetime import datetime

from flask_appbuilder import Model
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import UTCDateTime, utcnow


class WorkerHeartbeat(Model):
    """One row per running worker process (``host:pid``), its ``beat_at`` refreshed while it loops.

    In the database rather than in Redis so that every web process answers the same, with or
    without Redis configured; rows of workers gone for a day are pruned by the next beat."""

    __tablename__ = "worker_heartbeat"
    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), nullable=False, default="outbox")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    beat_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False, index=True)
