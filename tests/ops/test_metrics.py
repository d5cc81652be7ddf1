"""/metrics: who may read it, request latency per endpoint, the database gauges (outbox by channel,
SLA overdue by agency, worker heartbeat), and one answer across several gunicorn processes."""
from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from app.demo.autofill import happy_path
from tests.outbox.servers import free_port
from tests.ops.conftest import closed_port_url, make_app

TOKEN = "metrics-token-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
ROOT = Path(__file__).resolve().parents[2]


def samples(text: str) -> dict[tuple, float]:
    """{(sample name, sorted label items): value} of a metrics page."""
    result = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            result[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return result


def value(page: dict, name: str, **labels) -> float:
    return page.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.fixture
def metrics_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "METRICS_TOKEN", TOKEN)
    monkeypatch.setitem(app.extensions, "satupintu.metrics_allow", [])
    return app


def scrape(client) -> dict:
    response = client.get("/metrics", headers=AUTH)
    assert response.status_code == 200, response.status_code
    assert response.content_type.startswith("text/plain")
    return samples(response.get_data(as_text=True))


# ------------------------------------------------------------------------------------ access


@pytest.mark.parametrize("headers, remote, expected", [
    ({}, "127.0.0.1", 401),
    ({"Authorization": "Bearer wrong"}, "127.0.0.1", 401),
    ({"Authorization": "Bearer "}, "127.0.0.1", 401),
    ({"Authorization": f"Bearer {TOKEN}x"}, "127.0.0.1", 401),
    ({"Authorization": f"Bearer {TOKEN[:-1]}"}, "127.0.0.1", 401),
    ({"Authorization": TOKEN}, "127.0.0.1", 401),
    ({"Authorization": "Basic bWV0cmljczptZXRyaWNz"}, "127.0.0.1", 401),
    ({"Authorization": f"Token {TOKEN}"}, "127.0.0.1", 401),
    ({"X-Metrics-Token": TOKEN}, "127.0.0.1", 401),
    ({"X-Forwarded-For": "10.1.2.3"}, "192.0.2.1", 401),     # not trusted: no proxy said so
    ({}, "11.0.0.1", 401),
    ({}, "::ffff:11.0.0.1", 401),
    ({"Authorization": f"Bearer {TOKEN}"}, "192.0.2.1", 200),
    ({"Authorization": f"bearer {TOKEN}"}, "192.0.2.1", 200),
    ({}, "10.1.2.3", 200),
    ({}, "::ffff:10.1.2.3", 200),
])
def test_metrics_need_the_token_or_an_allowed_address(app, client, monkeypatch, headers, remote, expected):
    from app.ops.metrics import parse_allowlist

    monkeypatch.setitem(app.config, "METRICS_TOKEN", TOKEN)
    monkeypatch.setitem(app.extensions, "satupintu.metrics_allow", parse_allowlist("10.0.0.0/8, 2001:db8::/32"))
    response = client.get("/metrics", headers=headers, environ_base={"REMOTE_ADDR": remote})
    assert response.status_code == expected
    if expected == 401:
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert b"satupintu_" not in response.data


def test_a_token_in_the_query_string_is_not_accepted(metrics_on, client):
    assert client.get(f"/metrics?token={TOKEN}").status_code == 401
    assert client.get(f"/metrics?access_token={TOKEN}").status_code == 401


def test_metrics_are_off_until_a_token_or_an_allowlist_is_set(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "METRICS_TOKEN", "")
    monkeypatch.setitem(app.extensions, "satupintu.metrics_allow", [])
    assert client.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 404
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"}).status_code == 404


def test_an_allowlist_alone_answers_403_to_others(app, client, monkeypatch):
    from app.ops.metrics import parse_allowlist

    monkeypatch.setitem(app.config, "METRICS_TOKEN", "")
    monkeypatch.setitem(app.extensions, "satupintu.metrics_allow", parse_allowlist("127.0.0.1"))
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "192.0.2.7"}).status_code == 403
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"}).status_code == 200


@pytest.mark.parametrize("allow", ["10.0.0.0/33", "localhost", "10.0.0.1;10.0.0.2", "*"])
def test_a_bad_allowlist_stops_the_app_from_starting(tmp_path, allow):
    with pytest.raises(RuntimeError, match="METRICS_ALLOW_IPS"):
        make_app(tmp_path, f"sqlite:///{tmp_path / 'x.db'}", METRICS_ALLOW_IPS=allow)


# ------------------------------------------------------------------------------------ latency


def test_request_latency_is_recorded_by_endpoint_without_the_probed_paths(metrics_on, client):
    before = scrape(client)
    for _ in range(3):
        assert client.get("/healthz").status_code == 200
    assert client.get("/no/such/page-h6-probe").status_code == 404
    page = client.get("/metrics", headers=AUTH).get_data(as_text=True)
    after = samples(page)
    name = "satupintu_http_request_duration_seconds_count"
    assert value(after, name, endpoint="ops.healthz", method="GET", status="200") == \
        value(before, name, endpoint="ops.healthz", method="GET", status="200") + 3
    assert value(after, name, endpoint="<unmatched>", method="GET", status="404") >= 1
    assert "page-h6-probe" not in page
    assert value(after, name, endpoint="ops.metrics", method="GET", status="200") == 0   # scrapes are not counted


# ------------------------------------------------------------------------------------ database gauges


def _emails_waiting(page: dict) -> float:
    return sum(value(page, "satupintu_outbox_messages", channel="email", status=s) for s in ("pending", "failed"))


def _email_rows(app, app_id: int) -> int:
    from tests.outbox.conftest import rows

    return len(rows(app, app_id, channel="email"))


def _deliver(app, app_id: int) -> None:
    """The worker's pass, as if the backoff had elapsed."""
    from app.outbox.worker import run_once
    from models.base import utcnow

    with app.app_context():
        later = utcnow() + timedelta(hours=3)
        for _ in range(20):
            if not any(run_once(now=later, application_id=app_id).values()):
                break


def test_the_outbox_backlog_grows_while_smtp_is_down_and_shrinks_after(app, client, metrics_on, offices,
                                                                       delivery):
    from tests.outbox.conftest import drain

    smtp, _ = delivery
    office = offices["kaltim"]
    path = happy_path(office.data["workflows"]["kaltim_perizinan"])[:2]

    smtp.stop()
    start = _emails_waiting(scrape(client))
    first = office.create("kaltim_akdp", path)
    office.drive(first, path)
    grown = _emails_waiting(scrape(client))
    assert _email_rows(app, first) > 0
    assert grown == start + _email_rows(app, first)

    drain(app, first)                                            # SMTP down: every email fails
    page = scrape(client)
    assert _emails_waiting(page) == grown
    assert value(page, "satupintu_outbox_messages", channel="email", status="failed") >= _email_rows(app, first)

    second = office.create("kaltim_akdp", path)
    office.drive(second, path)
    higher = _emails_waiting(scrape(client))
    assert higher == grown + _email_rows(app, second)

    smtp.start()
    _deliver(app, first)
    _deliver(app, second)
    assert _emails_waiting(scrape(client)) == start
    assert len(smtp.received) > 0


def test_sla_overdue_applications_are_counted_by_agency(app, client, metrics_on, offices):
    from sqlalchemy import update

    from app.extensions import db
    from models import Application
    from models.base import utcnow

    office = offices["metrologi"]
    path = happy_path(office.data["workflows"]["metrologi_tera"])[:1]
    app_id = office.create("metrologi_tera", path)
    office.drive(app_id, path)
    before = scrape(client)
    with app.app_context():                                      # its deadlines pass
        db.session.execute(update(Application).where(Application.id == app_id)
                           .values(state_due_at=utcnow() - timedelta(days=1), due_at=utcnow() - timedelta(days=1),
                                   version=Application.version + 1))
        db.session.commit()
    after = scrape(client)
    name = "satupintu_sla_overdue_applications"
    assert value(after, name, agency="metrologi", deadline="state") == value(before, name, agency="metrologi", deadline="state") + 1
    assert value(after, name, agency="metrologi", deadline="service") == value(before, name, agency="metrologi", deadline="service") + 1
    assert value(after, name, agency="bmkg", deadline="state") == value(before, name, agency="bmkg", deadline="state")
    with app.app_context():                                      # a closed application is not overdue
        db.session.execute(update(Application).where(Application.id == app_id)
                           .values(state_kind="final_cancelled", version=Application.version + 1))
        db.session.commit()
    assert value(scrape(client), name, agency="metrologi", deadline="state") == value(before, name, agency="metrologi", deadline="state")


def test_the_worker_heartbeat_age_and_the_workers_alive(app, client, metrics_on):
    from app.extensions import db
    from app.outbox.heartbeat import beat
    from models import WorkerHeartbeat
    from models.base import utcnow

    with app.app_context():
        db.session.query(WorkerHeartbeat).delete()
        db.session.commit()
    page = scrape(client)
    assert value(page, "satupintu_workers_alive") == 0
    assert ("satupintu_worker_heartbeat_age_seconds", ()) not in page
    with app.app_context():
        beat("host-a:1", now=utcnow() - timedelta(seconds=42))
        beat("host-b:2", now=utcnow() - timedelta(minutes=30))
    page = scrape(client)
    assert 41 <= value(page, "satupintu_worker_heartbeat_age_seconds") < 60
    assert value(page, "satupintu_workers_alive") == 1
    assert value(page, "satupintu_database_up") == 1


def test_a_database_that_does_not_answer_is_a_gauge_not_an_error(tmp_path):
    application = make_app(tmp_path, closed_port_url(), METRICS_TOKEN=TOKEN)
    response = application.test_client().get("/metrics", headers=AUTH)
    assert response.status_code == 200
    page = samples(response.get_data(as_text=True))
    assert value(page, "satupintu_database_up") == 0


# ------------------------------------------------------------------------------------ gunicorn


def _get(url: str, headers: dict | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, ""


def test_several_gunicorn_processes_give_one_answer(app, tmp_path):
    """Two gunicorn workers with PROMETHEUS_MULTIPROC_DIR: whichever answers the scrape counts the
    requests both served."""
    multiproc = tmp_path / "prometheus"
    multiproc.mkdir()
    port = free_port()
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(multiproc), "METRICS_TOKEN": TOKEN,
           "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "UPLOAD_FOLDER": str(tmp_path / "uploads"),
           "SATUPINTU_CONFIG": "config.Config", "SECRET_KEY": "g" * 48}
    server = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}",
                               "--log-level", "warning", "run:app"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if _get(f"{base}/startup-probe")[0] == 404:
                    break
            except OSError:
                pass
            assert server.poll() is None, server.stderr.read().decode()[-3000:]
            assert time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.5)
        served = 0
        while served < 30 or len(list(multiproc.glob("histogram_*.db"))) < 2:   # until both have served
            assert _get(f"{base}/healthz")[0] == 200
            served += 1
            assert time.monotonic() < deadline + 60, "the second worker never answered"
        counts = set()
        for _ in range(8):
            status, text = _get(f"{base}/metrics", AUTH)
            assert status == 200
            counts.add(value(samples(text), "satupintu_http_request_duration_seconds_count",
                             endpoint="ops.healthz", method="GET", status="200"))
        assert counts == {float(served)}
    finally:
        server.terminate()
        server.wait(timeout=30)
