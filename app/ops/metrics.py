"""Prometheus metrics (prometheus-client): request latency per endpoint, and gauges read from the
database at scrape time — the outbox by channel and status, SLA overdue applications by agency,
the outbox workers' heartbeat.

Several gunicorn processes: the latency histogram lives in each process, so with
``PROMETHEUS_MULTIPROC_DIR`` set (an empty directory, before the processes start) prometheus-client
keeps it in files there and any process's scrape sums them all. The database gauges need nothing
of the sort: every process reads the same rows, so every scrape agrees.
"""
from __future__ import annotations

import hmac
import ipaddress
import os
import time

from flask import Flask, current_app, g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import and_, func, select

from app.extensions import db

REQUEST_LATENCY = Histogram(
    "satupintu_http_request_duration_seconds", "Time to answer an HTTP request, by endpoint.",
    ["endpoint", "method", "status"], registry=None)
UNMATCHED = "<unmatched>"           # 404s: one label value, not one per probed path
METRICS_ENDPOINT = "ops.metrics"
FINAL_KINDS = ("final_success", "final_rejected", "final_cancelled")
OUTBOX_STATUSES = ("pending", "failed", "dead")


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or os.environ.get("prometheus_multiproc_dir")


def install_request_timing(app: Flask) -> None:
    @app.before_request
    def _start_timer() -> None:
        g._ops_request_started = time.perf_counter()

    @app.after_request
    def _observe(response):
        started = g.pop("_ops_request_started", None)
        rule = request.url_rule
        endpoint = rule.endpoint if rule is not None else UNMATCHED
        if started is not None and endpoint != METRICS_ENDPOINT:
            REQUEST_LATENCY.labels(endpoint, request.method, str(response.status_code)).observe(
                time.perf_counter() - started)
        return response


class DatabaseCollector(Collector):
    """Gauges computed from the database when scraped (inside the scrape's app context)."""

    def collect(self):
        up = GaugeMetricFamily("satupintu_database_up", "1 when the database answered this scrape.")
        try:
            families = [self._outbox(), *self._sla(), *self._workers()]
        except Exception:
            db.session.rollback()
            current_app.logger.exception("metrics: the database did not answer")
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from families

    @staticmethod
    def _outbox():
        from models import OutboxMessage

        from app.outbox.channels import CHANNELS

        counts = {(channel, status): 0 for channel in CHANNELS for status in OUTBOX_STATUSES}
        rows = db.session.execute(select(OutboxMessage.channel, OutboxMessage.status, func.count())
                                  .where(OutboxMessage.status.in_(OUTBOX_STATUSES))
                                  .group_by(OutboxMessage.channel, OutboxMessage.status))
        for channel, status, count in rows:
            counts[(channel or "", status)] = int(count)
        family = GaugeMetricFamily("satupintu_outbox_messages",
                                   "Outbox rows not sent: pending and failed (backlog) and dead, by channel.",
                                   labels=["channel", "status"])
        for (channel, status), count in sorted(counts.items()):
            family.add_metric([channel, status], count)
        return family

    @staticmethod
    def _sla():
        from models import Agency, Application
        from models.base import utcnow

        now = utcnow()
        open_ = Application.state_kind.not_in(FINAL_KINDS)
        service_overdue = func.sum(_case(and_(open_, Application.sla_paused.is_(None), Application.due_at < now)))
        state_overdue = func.sum(_case(and_(open_, Application.state_due_at < now)))
        counts = {key: (0, 0) for key in db.session.scalars(select(Agency.key))}
        rows = db.session.execute(select(Agency.key, service_overdue, state_overdue)
                                  .join(Application, Application.agency_id == Agency.id)
                                  .where(open_, (Application.due_at < now) | (Application.state_due_at < now))
                                  .group_by(Agency.key))
        for key, service, state in rows:
            counts[key] = (int(service or 0), int(state or 0))
        family = GaugeMetricFamily(
            "satupintu_sla_overdue_applications",
            "Open applications past a deadline, by agency: deadline=service (the standard time) or state.",
            labels=["agency", "deadline"])
        for key, (service, state) in sorted(counts.items()):
            family.add_metric([key, "service"], service)
            family.add_metric([key, "state"], state)
        return [family]

    @staticmethod
    def _workers():
        from app.outbox.heartbeat import alive_count, last_beat
        from models.base import utcnow

        max_age = float(current_app.config.get("READY_WORKER_MAX_AGE_SECONDS", 180)) or 180
        alive = GaugeMetricFamily("satupintu_workers_alive",
                                  "Outbox workers whose heartbeat is younger than READY_WORKER_MAX_AGE_SECONDS.")
        alive.add_metric([], alive_count(max_age))
        families = [alive]
        beat_at = last_beat()
        if beat_at is not None:
            age = GaugeMetricFamily("satupintu_worker_heartbeat_age_seconds",
                                    "Seconds since the freshest outbox worker heartbeat.")
            age.add_metric([], max((utcnow() - beat_at).total_seconds(), 0.0))
            families.append(age)
        return families


def _case(condition):
    from sqlalchemy import case

    return case((condition, 1), else_=0)


def exposition() -> tuple[bytes, str]:
    """The metrics text of this scrape: the request histogram (all processes' in multiprocess
    mode) and the database gauges."""
    registry = CollectorRegistry(auto_describe=True)
    if multiprocess_dir():
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(REQUEST_LATENCY)
    registry.register(DatabaseCollector())
    return generate_latest(registry), CONTENT_TYPE_LATEST


# ------------------------------------------------------------------------------------ access


def parse_allowlist(value: str | list | tuple | None) -> list:
    """METRICS_ALLOW_IPS (comma-separated addresses or networks) → networks; ValueError names a bad entry."""
    items = value.split(",") if isinstance(value, str) else list(value or ())
    networks = []
    for item in (entry.strip() for entry in items):
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ValueError(f"METRICS_ALLOW_IPS: {item!r} is not an IP address or network") from None
    return networks


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def metrics_access() -> int:
    """200 when this request may read the metrics, else the status to answer: 404 when metrics
    are not enabled (neither METRICS_TOKEN nor METRICS_ALLOW_IPS), 401 or 403 otherwise."""
    cfg = current_app.config
    expected = cfg.get("METRICS_TOKEN") or ""
    networks = current_app.extensions.get("satupintu.metrics_allow", [])
    if not expected and not networks:
        return 404
    if expected:
        given = bearer_token()
        if given is not None and hmac.compare_digest(given.encode(), expected.encode()):
            return 200
    if networks and request.remote_addr:
        try:
            address = ipaddress.ip_address(request.remote_addr)
        except ValueError:
            address = None
        if address is not None and getattr(address, "ipv4_mapped", None):
            address = address.ipv4_mapped         # ::ffff:10.0.0.5 is 10.0.0.5
        if address is not None and any(address in network for network in networks):
            return 200
    return 401 if expected else 403
