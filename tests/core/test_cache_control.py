"""``Cache-Control: no-store`` on every response that may carry a credential or personal data:
everything except static assets and the impersonal public region list."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from config import DEMO_PASSWORD


@pytest.fixture(scope="module")
def customer_client(app, factories):
    from app.extensions import db
    from models import CustomerProfile
    from models.base import utcnow

    user_id, username = factories.customer()
    with app.app_context():
        profile = db.session.scalar(select(CustomerProfile).where(CustomerProfile.user_id == user_id))
        profile.email_verified_at = utcnow()
        db.session.commit()
    client = app.test_client()
    assert client.post("/portal/masuk", data={"identifier": username, "password": DEMO_PASSWORD}).status_code == 302
    return client


@pytest.fixture(scope="module")
def admin_client(app):
    client = app.test_client()
    assert client.post("/login/", data={"username": "admin", "password": app.config["ADMIN_PASSWORD"]}).status_code == 302
    return client


@pytest.fixture(scope="module")
def tokens(app):
    response = app.test_client().post("/api/v1/security/login", json={
        "username": "admin", "password": app.config["ADMIN_PASSWORD"], "provider": "db", "refresh": True})
    assert response.status_code == 200
    assert "no-store" in response.headers.get("Cache-Control", "")   # the JWTs themselves
    return response.get_json()


def _no_store(response) -> bool:
    return "no-store" in (response.headers.get("Cache-Control") or "")


@pytest.mark.parametrize("who, method, path", [
    ("anonymous", "GET", "/portal/masuk"),
    ("anonymous", "POST", "/portal/masuk"),
    ("anonymous", "GET", "/login/"),
    ("anonymous", "POST", "/login/"),
    ("anonymous", "GET", "/portal/daftar"),
    ("anonymous", "GET", "/portal/lupa-sandi"),
    ("anonymous", "GET", "/portal/"),
    ("anonymous", "GET", "/lacak?nomor=PTSP-202611-00001"),
    ("anonymous", "GET", "/portal/captcha/register.png"),
    ("anonymous", "GET", "/verify/TIDAKADA"),
    ("anonymous", "GET", "/tidak-ada-halaman"),
    ("anonymous", "GET", "/api/v1/application/"),
    ("anonymous", "POST", "/api/v1/security/login"),
    ("customer", "GET", "/portal/"),
    ("customer", "GET", "/portal/profil"),
    ("customer", "GET", "/portal/permohonan"),
    ("customer", "GET", "/portal/profil/kata-sandi"),
    ("admin", "GET", "/backoffice/antrean/"),
    ("admin", "GET", "/users/list/"),
    ("admin", "GET", "/aktivasi-pelanggan/"),
    ("admin", "GET", "/users/userinfo/"),
    ("admin", "GET", "/lang/en"),
    ("token", "GET", "/api/v1/application/"),
    ("token", "GET", "/api/v1/agency/"),
    ("token", "GET", "/api/v1/_openapi"),
    ("refresh", "POST", "/api/v1/security/refresh"),
])
def test_personal_responses_are_not_stored(app, customer_client, admin_client, tokens, who, method, path):
    client = {"customer": customer_client, "admin": admin_client}.get(who) or app.test_client()
    headers = {}
    if who == "token":
        headers["Authorization"] = f"Bearer {tokens['access_token']}"
    elif who == "refresh":
        headers["Authorization"] = f"Bearer {tokens['refresh_token']}"
    kwargs = {"json": {}} if path.startswith("/api/") and method == "POST" else {}
    response = client.open(path, method=method, headers=headers, **kwargs)
    assert _no_store(response), (path, response.status_code, response.headers.get("Cache-Control"))
    if who == "refresh":
        assert response.status_code == 200 and "access_token" in response.get_json()


@pytest.mark.parametrize("path", [
    "/static/portal/portal.css", "/static/appbuilder/css/ab.css", "/portal/wilayah", "/portal/wilayah?induk=64",
])
def test_static_and_impersonal_public_data_may_be_cached(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert not _no_store(response), path


def test_the_favicon_is_ours_cacheable_and_linked_from_every_layout(client, admin_client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response.mimetype == "image/vnd.microsoft.icon"
    assert response.data[:4] == b"\x00\x00\x01\x00"                   # an ICO file, served locally
    assert not _no_store(response)
    assert response.cache_control.public and response.cache_control.max_age >= 24 * 3600
    svg = client.get("/static/favicon.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml" and b"<svg" in svg.data
    for page in (client.get("/portal/"), client.get("/login/"), client.get("/verify/"),
                 admin_client.get("/users/userinfo/")):
        html = page.get_data(as_text=True)
        assert '<link rel="icon" href="/favicon.ico"' in html, page.request.path
        assert 'href="/static/favicon.svg" type="image/svg+xml"' in html, page.request.path
