"""Performs outbox rows after commit: claim, deliver, record — at most once per row.

A row is *claimed* (``claimed_at`` set, ``attempts`` + 1) and committed before anything is sent;
several workers never claim the same row (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, and a
conditional UPDATE everywhere). Success marks it ``sent`` in the same transaction as any database
work of the channel (inbox message, document file). A failure makes it ``failed`` with the error
and a backoff, or ``dead`` once retrying cannot help or the attempts are used up. A claim left
behind by a worker that died is taken back after the lease: rows of channels that are safe to
repeat are tried again, the others (email) become ``dead`` for an administrator to decide,
because the message may already have left.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from app.extensions import db
from app.storage.files import FileStore
from app.outbox.channels import Delivery, DeliveryError, get_channel
from models import GeneratedDocument, OutboxMessage
from models.base import utcnow

log = logging.getLogger(__name__)
DUE = ("pending", "failed")


@dataclass
class OutboxSettings:
    max_attempts: int = 8
    backoff_seconds: float = 30
    backoff_max_seconds: float = 3600
    lease_seconds: float = 600
    batch: int = 20

    @classmethod
    def from_config(cls) -> "OutboxSettings":
        cfg = current_app.config
        return cls(max_attempts=int(cfg.get("OUTBOX_MAX_ATTEMPTS", 8)),
                   backoff_seconds=float(cfg.get("OUTBOX_BACKOFF_SECONDS", 30)),
                   backoff_max_seconds=float(cfg.get("OUTBOX_BACKOFF_MAX_SECONDS", 3600)),
                   lease_seconds=float(cfg.get("OUTBOX_LEASE_SECONDS", 600)),
                   batch=int(cfg.get("OUTBOX_BATCH", 20)))

    def backoff(self, attempts: int) -> timedelta:
        return timedelta(seconds=min(self.backoff_seconds * 2 ** max(attempts - 1, 0), self.backoff_max_seconds))


@dataclass(frozen=True)
class Claim:
    row_id: int
    token: datetime     # the claimed_at written by this claim: a later claim makes this one void


def _is_postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def claim_due(limit: int | None = None, now: datetime | None = None, *,
              application_id: int | None = None) -> list[Claim]:
    """Claim up to ``limit`` due rows (of one application, if given) and commit the claim."""
    settings = OutboxSettings.from_config()
    now = now or utcnow()
    stmt = (select(OutboxMessage.id)
            .where(OutboxMessage.status.in_(DUE), OutboxMessage.next_attempt_at <= now,
                   OutboxMessage.claimed_at.is_(None))
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit or settings.batch))
    if application_id is not None:
        stmt = stmt.where(OutboxMessage.application_id == application_id)
    if _is_postgresql():
        stmt = stmt.with_for_update(skip_locked=True)
    try:
        ids = db.session.scalars(stmt).all()
        claims = []
        for row_id in ids:
            result = db.session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == row_id, OutboxMessage.claimed_at.is_(None),
                       OutboxMessage.status.in_(DUE))
                .values(claimed_at=now, attempts=OutboxMessage.attempts + 1)
                .execution_options(synchronize_session=False))
            if result.rowcount == 1:
                claims.append(Claim(row_id, now))
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return claims


def recover_stale(now: datetime | None = None) -> dict:
    """Take back claims older than the lease (their worker died or lost its job)."""
    settings = OutboxSettings.from_config()
    now = now or utcnow()
    limit = now - timedelta(seconds=settings.lease_seconds)
    stmt = select(OutboxMessage).where(OutboxMessage.status.in_(DUE), OutboxMessage.claimed_at.is_not(None),
                                       OutboxMessage.claimed_at < limit)
    if _is_postgresql():
        stmt = stmt.with_for_update(skip_locked=True)
    counts = {"retried": 0, "dead": 0}
    for row in db.session.scalars(stmt).all():
        channel = get_channel(row.channel)
        row.claimed_at = None
        if channel is not None and channel.safe_to_repeat:
            row.status = "failed"
            row.last_error = "Pekerja berhenti di tengah pengiriman; dicoba lagi."
            row.next_attempt_at = now
            counts["retried"] += 1
        else:
            row.status = "dead"
            row.last_error = ("Pengiriman terputus di tengah jalan; tidak dapat dipastikan sudah terkirim. "
                              "Periksa lalu kirim ulang bila perlu.")
            counts["dead"] += 1
    db.session.commit()
    return counts


def perform(row_id: int, token: datetime | None = None, now: datetime | None = None) -> str:
    """Deliver one claimed row. Returns ``sent``, ``failed``, ``dead`` or ``skipped`` (not ours)."""
    settings = OutboxSettings.from_config()
    session = db.session
    row = session.get(OutboxMessage, row_id, populate_existing=True)
    if row is None or row.status not in DUE or row.claimed_at is None \
            or (token is not None and row.claimed_at != token):
        session.rollback()
        return "skipped"
    channel = get_channel(row.channel)
    delivery = Delivery(store=FileStore.current())
    try:
        if channel is None:
            raise DeliveryError(f"kanal tidak dikenal: {row.channel!r}", permanent=True)
        channel.deliver(row, delivery)
        row.status = "sent"
        row.sent_at = now or utcnow()
        row.claimed_at = None
        row.last_error = ""
        session.commit()
        return "sent"
    except Exception as error:  # any failure is recorded on the row, never dropped
        session.rollback()
        delivery.store.discard_created()
        return _record_failure(row_id, error, settings, now or utcnow())


def _record_failure(row_id: int, error: Exception, settings: OutboxSettings, now: datetime) -> str:
    session = db.session
    row = session.get(OutboxMessage, row_id, populate_existing=True)
    permanent = isinstance(error, DeliveryError) and error.permanent
    text = str(error) if isinstance(error, DeliveryError) else f"{type(error).__name__}: {error}"
    row.status = "dead" if permanent or row.attempts >= settings.max_attempts else "failed"
    row.last_error = text[:2000]
    row.next_attempt_at = now + settings.backoff(row.attempts)
    row.claimed_at = None
    if row.kind == "document" and row.status == "dead":
        doc = session.get(GeneratedDocument, (row.payload or {}).get("document_id"))
        if doc is not None and doc.status != "ready":
            doc.status = "failed"
            doc.error = text[:2000]
    session.commit()
    log.log(logging.WARNING if row.status == "dead" else logging.INFO,
            "outbox %s (%s) %s: %s", row_id, row.channel, row.status, text)
    return row.status


def run_once(now: datetime | None = None, *, application_id: int | None = None) -> dict:
    """One pass: take back stale claims, claim a batch, perform it here."""
    counts = {"sent": 0, "failed": 0, "dead": 0, "skipped": 0}
    recovered = recover_stale(now)
    counts["dead"] += recovered["dead"]
    for claim in claim_due(now=now, application_id=application_id):
        counts[perform(claim.row_id, claim.token, now=now)] += 1
    return counts


def drain(max_passes: int = 50, *, application_id: int | None = None) -> dict:
    """Perform everything due now (``flask worker --once``; tests pass one application)."""
    total = {"sent": 0, "failed": 0, "dead": 0, "skipped": 0}
    for _ in range(max_passes):
        counts = run_once(application_id=application_id)
        for key, value in counts.items():
            total[key] += value
        if not any(counts.values()):
            break
    return total


def retry(ids: list[int] | None = None, *, statuses: tuple[str, ...] = ("failed", "dead")) -> int:
    """Put failed/dead rows back in the queue now (an administrator's decision). Returns how many."""
    stmt = select(OutboxMessage).where(OutboxMessage.status.in_(statuses))
    if ids is not None:
        stmt = stmt.where(OutboxMessage.id.in_(ids))
    count = 0
    for row in db.session.scalars(stmt).all():
        row.status = "pending"
        row.attempts = 0
        row.claimed_at = None
        row.next_attempt_at = utcnow()
        row.last_error = f"(dikirim ulang; galat sebelumnya: {row.last_error})"[:2000] if row.last_error else ""
        if row.kind == "document":
            doc = db.session.get(GeneratedDocument, (row.payload or {}).get("document_id"))
            if doc is not None and doc.status == "failed":
                doc.status = "pending"
        count += 1
    db.session.commit()
    return count


class Worker:
    """The embedded worker loop: the outbox every ``poll`` seconds, the SLA tick every
    ``sla_every`` seconds. With ``dispatch`` (a callable taking claims), claimed rows go to RQ
    instead of being performed here."""

    def __init__(self, *, poll: float | None = None, sla_every: float | None = None, dispatch=None):
        cfg = current_app.config
        self.poll = float(poll if poll is not None else cfg.get("WORKER_POLL_SECONDS", 2))
        self.sla_every = float(sla_every if sla_every is not None else cfg.get("WORKER_SLA_SECONDS", 60))
        self.dispatch = dispatch
        self.stop = threading.Event()
        self._last_sla: float | None = None   # None: due at the first tick
        self.analyze_every = float(cfg.get("WORKER_ANALYZE_SECONDS", 6 * 3600))
        self._last_analyze: float | None = None   # None: due at the first tick
        # the heartbeat /readyz and /metrics read (app.outbox.heartbeat)
        self.heartbeat_every = float(cfg.get("WORKER_HEARTBEAT_SECONDS", 10))
        self._last_beat: float | None = None
        # housekeeping: orphaned upload bytes, and documents past their retention period (UU PDP)
        self.sweep_every = float(cfg.get("WORKER_SWEEP_SECONDS", 900))
        self._last_sweep: float | None = None   # None: due at the first tick
        self.retention_every = float(cfg.get("WORKER_RETENTION_SECONDS", 86400))
        self._last_retention: float | None = None   # None: due at the first tick

    def tick(self) -> dict:
        if self.dispatch is None:
            counts = run_once()
        else:
            recover_stale()
            claims = claim_due()
            self.dispatch(claims)
            counts = {"dispatched": len(claims)}
        if self._due("_last_sla", self.sla_every):
            from app.commands.sla import SlaTickCommand

            counts["sla"] = SlaTickCommand().run()
        if self._due("_last_sweep", self.sweep_every):
            from app.storage.files import sweep_orphans

            removed = sweep_orphans()
            counts["swept"] = len(removed)
            for item in removed:
                log.info("files sweep: removed orphan %s (%s bytes, modified %s)",
                         item["path"], item["size"], item["modified"])
        if self._due("_last_retention", self.retention_every):
            from app.commands.retention import RetentionRunCommand

            counts["retention"] = len(RetentionRunCommand().run().destroyed)
        if db.engine.dialect.name == "sqlite" and self._due("_last_analyze", self.analyze_every):
            # SQLite keeps no planner statistics by itself (PostgreSQL's autovacuum does)
            from app.core.database import refresh_statistics

            refresh_statistics(db.session)
        self.beat()
        return counts

    def _due(self, last: str, every: float) -> bool:
        """True (and the time noted) when the periodic job whose last run is the attribute ``last``
        is due. The first tick runs every job: the monotonic clock starts at boot, so "never run" must
        not read as "ran at 0" (a worker started minutes after a reboot would wait for the interval)."""
        now = time.monotonic()
        previous = getattr(self, last)
        if previous is not None and now - previous < every:
            return False
        setattr(self, last, now)
        return True

    def beat(self) -> None:
        """Refresh this worker's heartbeat row, at most every ``heartbeat_every`` seconds."""
        if self._last_beat is not None and time.monotonic() - self._last_beat < self.heartbeat_every:
            return
        from app.outbox.heartbeat import beat

        beat()
        self._last_beat = time.monotonic()

    def run(self) -> None:
        log.info("outbox worker started (poll %ss, SLA every %ss)", self.poll, self.sla_every)
        while not self.stop.is_set():
            try:
                counts = self.tick()
                if any(v for k, v in counts.items() if k != "sla" and isinstance(v, int)):
                    log.info("outbox: %s", counts)
            except Exception:  # the loop must survive a database hiccup
                log.exception("outbox worker pass failed")
                db.session.rollback()
            finally:
                db.session.remove()
            self.stop.wait(self.poll)
        log.info("outbox worker stopped")
