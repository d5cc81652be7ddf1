"""Every time the REST API returns is ISO 8601 with an offset: the agency's for what belongs to an
agency (WIB +07:00, WITA +08:00, WIT +09:00), the platform's ``DEFAULT_TIMEZONE`` for the rest —
never naive, never bare UTC. Our application API and every Flask-AppBuilder ``ModelRestApi``
(reference data, audit, outbox, messages, the security APIs) alike."""
from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from flask_appbuilder import ModelRestApi

from tests.formatting.test_one_local_time import SUBMITTED_AT, _create

UTC = timezone.utc
DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
OFFSET = re.compile(r"[+-]\d{2}:\d{2}$")


def datetimes_in(body, path="") -> list[tuple[str, str]]:
    """Every (place, text) in a JSON body that looks like a date-time."""
    found = []
    if isinstance(body, dict):
        for key, value in body.items():
            found += datetimes_in(value, f"{path}.{key}")
    elif isinstance(body, list):
        for i, value in enumerate(body):
            found += datetimes_in(value, f"{path}[{i}]")
    elif isinstance(body, str) and DATETIME.match(body):
        found.append((path, body))
    return found


def without_offset(body) -> list[tuple[str, str]]:
    return [(place, text) for place, text in datetimes_in(body) if not OFFSET.search(text)]


@pytest.mark.parametrize("body, bad", [
    ({"at": "2026-11-30T01:29:00+08:00"}, []),
    ({"at": "2026-11-30T01:29:00"}, [(".at", "2026-11-30T01:29:00")]),
    ({"rows": [{"at": "2026-11-29T17:29:00Z"}]}, [(".rows[0].at", "2026-11-29T17:29:00Z")]),
    ({"day": "2026-11-30"}, []),
])
def test_the_check_itself_catches_naive_and_bare_utc_times(body, bad):
    assert without_offset(body) == bad


@pytest.fixture(scope="module")
def admin_headers(app, shared):
    return {"Authorization": f"Bearer {shared.api_login(app.test_client(), 'admin')}"}


@pytest.fixture
def agency_zone(app):
    """Put the Kaltim agency in another zone for one test (a WIT office), then back."""
    from app.extensions import db
    from models import Agency

    with app.app_context():
        agency = db.session.query(Agency).filter_by(key="kaltim").one()
        original = agency.timezone

    def _set(zone: str) -> None:
        with app.app_context():
            db.session.query(Agency).filter_by(key="kaltim").one().timezone = zone
            db.session.commit()
    yield _set
    _set(original)


ZONES = [  # (agency zone, the submission as the API must give it)
    ("Asia/Makassar", "2026-11-30T01:29:00+08:00"),   # WITA: Kalimantan Timur as shipped
    ("Asia/Jayapura", "2026-11-30T02:29:00+09:00"),   # WIT: a Papua office
    ("Asia/Jakarta", "2026-11-30T00:29:00+07:00"),    # WIB
]


@pytest.mark.parametrize("zone, submitted", ZONES, ids=[z for z, _ in ZONES])
def test_an_applications_times_carry_its_agencys_offset_in_every_api(app, factories, signed_in, admin_headers,
                                                                      agency_zone, zone, submitted):
    customer = factories.customer("person")
    app_id = _create(app, customer[0])
    agency_zone(zone)
    offset = submitted[-6:]

    # our API: the application, its timeline
    api = signed_in(customer)
    body = api.get(f"/api/v1/application/{app_id}").get_json()["result"]
    assert body["submitted_at"] == submitted
    assert datetime.fromisoformat(body["submitted_at"]) == SUBMITTED_AT
    assert body["timezone"] == zone and without_offset(body) == []
    stamps = [at for _place, at in datetimes_in(body)]
    assert stamps and all(at.endswith(offset) for at in stamps), stamps
    for path in ("/api/v1/application/", f"/api/v1/application/{app_id}/timeline"):
        stamps = [at for _place, at in datetimes_in(api.get(path).get_json()["result"])]
        assert stamps and all(at.endswith(offset) for at in stamps), (path, stamps)

    # Flask-AppBuilder's generic read-only APIs: rows of this application in the same zone
    client = app.test_client()
    q = f"(filters:!((col:application_id,opr:eq,value:{app_id})))"
    for resource in ("audit_event", "outbox"):
        response = client.get(f"/api/v1/{resource}/?q={q}", headers=admin_headers)
        assert response.status_code == 200, (resource, response.get_json())
        rows = response.get_json()["result"]
        assert rows, resource
        stamps = [at for _place, at in datetimes_in(rows)]
        assert stamps and all(at.endswith(offset) for at in stamps), (resource, stamps)
        one = client.get(f"/api/v1/{resource}/{response.get_json()['ids'][0]}", headers=admin_headers).get_json()
        assert datetimes_in(one["result"]) and all(at.endswith(offset) for _p, at in datetimes_in(one["result"]))


def _model_apis(app):
    return sorted((view for view in app.appbuilder.baseviews if isinstance(view, ModelRestApi)),
                  key=lambda view: view.route_base)


def test_no_model_api_serialises_a_naive_or_bare_utc_time(app, factories, admin_headers):
    """Every ModelRestApi registered (ours and Flask-AppBuilder's), list and show, as the
    administrator who sees every row: no date-time without an offset, and some were seen."""
    _create(app, factories.customer("person")[0])  # rows in audit, outbox, with times
    client = app.test_client()
    seen = []
    for view in _model_apis(app):
        response = client.get(f"{view.route_base}/?q=(page_size:100)", headers=admin_headers)
        assert response.status_code == 200, (view.route_base, response.status_code)
        body = response.get_json()
        assert without_offset(body) == [], view.route_base
        seen += datetimes_in(body)
        if body.get("ids"):
            shown = client.get(f"{view.route_base}/{body['ids'][0]}", headers=admin_headers).get_json()
            assert without_offset(shown) == [], view.route_base
    bases = {view.route_base for view in _model_apis(app)}
    assert {"/api/v1/audit_event", "/api/v1/outbox", "/api/v1/security/users"} <= bases
    assert len(seen) > 10


def test_rows_of_no_agency_use_the_configured_default_zone(app, admin_headers, monkeypatch):
    """Rules versions and users belong to no agency: the platform's DEFAULT_TIMEZONE, named."""
    client = app.test_client()
    for zone, offset in (("Asia/Jakarta", "+07:00"), ("Asia/Jayapura", "+09:00")):
        monkeypatch.setitem(app.config, "DEFAULT_TIMEZONE", zone)
        for path in ("/api/v1/rules_version/", "/api/v1/security/users/?q=(filters:!((col:username,opr:eq,value:admin)))"):
            stamps = datetimes_in(client.get(path, headers=admin_headers).get_json()["result"])
            assert stamps and all(at.endswith(offset) for _p, at in stamps), (zone, path, stamps)


def test_a_naive_value_from_flask_appbuilders_tables_is_read_as_the_servers_clock():
    """Flask-AppBuilder writes its users' times with datetime.now(): the server's wall clock."""
    from views.api_times import ZonedDateTime

    class Row:  # no agency
        pass

    naive = datetime(2026, 11, 30, 1, 29)
    text = ZonedDateTime()._serialize(naive, "at", Row())
    assert OFFSET.search(text) and datetime.fromisoformat(text) == naive.astimezone()
