"""Open redirects: one ``safe_redirect_target`` for the portal and the back office.

Every hostile form below, sent as ``next`` to the portal login (GET when signed in, POST when
signing in), to the back-office login (GET signed in, POST), and as the referrer of the language
switch, must end at a path of this site.
"""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from app.security.redirects import normalise_target, safe_redirect_target
from config import DEMO_PASSWORD

HOSTILE = [
    "//evil.com", "///evil.com", "////evil.com", "/\\evil.com", "\\\\evil.com", "/\\/evil.com",
    "\\/evil.com", "/%09/evil.com", "/\t/evil.com", "/\n/evil.com", "/\r\n/evil.com",
    "/%0d%0a/evil.com", "/%00/evil.com", "/\x00/evil.com", "%2f%2fevil.com", "/%2f%2fevil.com",
    "/%2F/evil.com", "%252f%252fevil.com", "/%252f/evil.com", "/%25252f/evil.com", "/%5cevil.com",
    "/%255cevil.com", "/%5C%5Cevil.com", "https://evil.com", "http://evil.com/portal/",
    "HTTPS://EVIL.COM/", "https:evil.com", "https:/evil.com", "http:\\\\evil.com",
    "//evil.com@localhost", "http://localhost@evil.com/", "http://localhost.evil.com/",
    "http://localhost:80@evil.com/", "javascript:alert(1)", "JaVaScRiPt:alert(1)",
    "java\tscript:alert(1)", "javascript%3Aalert(1)", " javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>", "vbscript:msgbox(1)", "@evil.com", "evil.com",
    "\uff0f\uff0fevil.com", "/\uff0fevil.com", "//evil\u3002com", "//\u0435vil.com",
    "http://xn--vil-8cd.com/", "/\u202e/evil.com", "\u3000//evil.com", "/ /evil.com",
    "/\u200b/evil.com", "\x0b//evil.com", "ftp://evil.com/", "//evil.com/%2f..",
]
HEADER_SAFE = [target for target in HOSTILE if not any(ch in target for ch in "\r\n\x00\x0b")]


def assert_refused_without_redirect(response) -> None:
    assert response.status_code == 400 and response.location is None, (response.status_code, response.location)


def assert_same_site(location: str | None) -> None:
    """A path of this site, as a browser would read it."""
    assert location, "no Location"
    for seen in (location, normalise_target(location)):
        parts = urlsplit(seen)
        assert seen.startswith("/") and not seen.startswith("//"), location
        assert not parts.scheme and not parts.netloc, location
    assert not any(ord(ch) < 32 or ch == "\\" for ch in location), location


@pytest.mark.parametrize("target", HOSTILE)
def test_every_hostile_form_gives_the_default(app, target):
    with app.test_request_context("/"):
        assert safe_redirect_target(target, "/default") == "/default"


@pytest.mark.parametrize("target, expected", [
    ("/portal/profil", "/portal/profil"),
    ("/portal/layanan?q=air&halaman=2", "/portal/layanan?q=air&halaman=2"),
    ("/portal/layanan?q=a%2Fb", "/portal/layanan?q=a%2Fb"),
    ("http://localhost/portal/profil?x=1", "/portal/profil?x=1"),
    ("https://localhost/backoffice/antrean/", "/backoffice/antrean/"),
    ("/backoffice/permohonan/7#pesan", "/backoffice/permohonan/7#pesan"),
    ("/portal/\u00e9", "/portal/%C3%A9"),
    ("", "/default"), (None, "/default"), ("/" + "a" * 3000, "/default"),
])
def test_same_site_targets_are_kept(app, target, expected):
    with app.test_request_context("/"):
        assert safe_redirect_target(target, "/default") == expected


@pytest.fixture(scope="module")
def customer(app, factories):
    """A verified, active customer who can log in on the portal."""
    from app.extensions import db
    from models import CustomerProfile
    from models.base import utcnow

    user_id, username = factories.customer()
    with app.app_context():
        profile = db.session.scalar(select(CustomerProfile).where(CustomerProfile.user_id == user_id))
        profile.email_verified_at = utcnow()
        db.session.commit()
    return user_id, username


@pytest.fixture(scope="module")
def portal_client(app, customer):
    client = app.test_client()
    response = client.post("/portal/masuk", data={"identifier": customer[1], "password": DEMO_PASSWORD})
    assert response.status_code == 302
    return client


@pytest.fixture(scope="module")
def admin_client(app):
    client = app.test_client()
    response = client.post("/login/", data={"username": "admin", "password": app.config["ADMIN_PASSWORD"]})
    assert response.status_code == 302
    return client


@pytest.mark.parametrize("target", HOSTILE)
def test_portal_login_next(app, customer, portal_client, target):
    if "\x00" in target:   # a literal NUL is refused before any view (app/security/input_guard.py): no redirect at all
        assert_refused_without_redirect(portal_client.get("/portal/masuk", query_string={"next": target}))
        assert_refused_without_redirect(app.test_client().post("/portal/masuk", query_string={"next": target}, data={
            "identifier": customer[1], "password": DEMO_PASSWORD, "next": target}))
        return
    assert_same_site(portal_client.get("/portal/masuk", query_string={"next": target}).location)
    fresh = app.test_client()
    response = fresh.post("/portal/masuk", query_string={"next": target}, data={
        "identifier": customer[1], "password": DEMO_PASSWORD, "next": target})
    assert response.status_code == 302
    assert_same_site(response.location)


@pytest.mark.parametrize("target", HOSTILE)
def test_backoffice_login_next(app, admin_client, target):
    if "\x00" in target:
        assert_refused_without_redirect(admin_client.get("/login/", query_string={"next": target}))
        assert_refused_without_redirect(app.test_client().post("/login/", query_string={"next": target}, data={
            "username": "admin", "password": app.config["ADMIN_PASSWORD"]}))
        return
    assert_same_site(admin_client.get("/login/", query_string={"next": target}).location)
    fresh = app.test_client()
    response = fresh.post("/login/", query_string={"next": target}, data={
        "username": "admin", "password": app.config["ADMIN_PASSWORD"]})
    assert response.status_code == 302
    assert_same_site(response.location)


@pytest.mark.parametrize("target", HEADER_SAFE)
def test_language_switch_with_a_hostile_referrer(app, admin_client, target):
    for client in (app.test_client(), admin_client):
        response = client.get("/lang/en", headers={"Referer": target})
        assert response.status_code == 302
        assert_same_site(response.location)
    # the "Back" links of Flask-AppBuilder's forms render ``next`` or the referrer as an href
    page = admin_client.get("/users/add", query_string={"next": target}, headers={"Referer": target})
    assert "evil" not in page.get_data(as_text=True).lower()


@pytest.mark.parametrize("headers", [
    {"Host": "evil.com"}, {"X-Forwarded-Host": "evil.com"}, {"Host": "evil.com", "X-Forwarded-Host": "evil.com"},
    {"Host": "localhost", "X-Forwarded-Host": "evil.com"}, {"Host": "evil.com:443"},
])
@pytest.mark.parametrize("target", ["http://evil.com/portal/profil", "//evil.com/portal/profil",
                                    "https://evil.com:443/x", "/portal/profil"])
def test_spoofed_host_headers_still_end_on_a_path(app, admin_client, customer, portal_client, headers, target):
    responses = [
        portal_client.get("/portal/masuk", query_string={"next": target}, headers=headers),
        admin_client.get("/login/", query_string={"next": target}, headers=headers),
        # the page history of Flask-AppBuilder holds request.url, which carries the Host header
        admin_client.get("/lang/id", headers={**headers, "Referer": target}),
        app.test_client().post("/login/", query_string={"next": target}, headers=headers, data={
            "username": "admin", "password": app.config["ADMIN_PASSWORD"]}),
    ]
    # (with another Host the test client sends no session cookie: the signed-in GETs show the form)
    assert responses[2].status_code == responses[3].status_code == 302
    for response in responses:
        assert response.status_code in (200, 302)
        if response.status_code == 302:
            assert_same_site(response.location)
