"""Revocable sessions (app/security/sessions.py): a copied cookie or an old JWT dies with logout, a password
change, a role change or a deactivation; a login gets a new session id; idle staff are logged out."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from config import DEMO_PASSWORD
from tests.security.conftest import (PORTAL_LOGIN, STAFF_LOGIN, browser_login, copy_of, message_count,
                                     sent_to_login, token_for)

NEW_PASSWORD = "Tepian#Mahakam77"
PASSWORD_EVENTS = {"own_password_change", "admin_password_reset", "pin_reset"}
EVENTS = ["logout", "own_password_change", "admin_password_reset", "pin_reset", "role_change",
          "role_change_on_admin_screen", "deactivation", "deactivation_on_admin_screen"]


def _user(app, user_id):
    from app.extensions import appbuilder

    return appbuilder.sm.get_user_by_id(user_id)


def trigger(app, event: str, person, client) -> None:
    """Make ``event`` happen to ``person`` the way it happens in production (``client`` is their browser)."""
    from app.extensions import appbuilder, db

    if event == "logout":
        response = client.get("/logout/") if person.kind == "staff" else client.post("/portal/keluar")
        assert response.status_code == 302
    elif event == "own_password_change":
        if person.kind == "staff":
            response = client.post("/resetmypassword/form", data={"password": NEW_PASSWORD,
                                                                   "conf_password": NEW_PASSWORD})
        else:
            response = client.post("/portal/profil/kata-sandi", data={
                "current_password": DEMO_PASSWORD, "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)[:300]
        with app.app_context():
            from werkzeug.security import check_password_hash
            assert check_password_hash(_user(app, person.user_id).password, NEW_PASSWORD)
    elif event == "pin_reset":   # "Lupa kata sandi": the emailed PIN, then a new password
        from app.portal import tokens
        with app.app_context():
            pin = tokens.issue(person.user_id, tokens.RESET_PASSWORD)
            db.session.commit()
            email = _user(app, person.user_id).email
            db.session.remove()
        response = app.test_client().post("/portal/lupa-sandi/pin", data={
            "email": email, "pin": pin, "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
        assert response.status_code == 302 and "/portal/masuk" in response.location
    elif event.endswith("_on_admin_screen"):   # the administrator's user edit form (Keamanan → Pengguna)
        admin = app.test_client()
        admin.post("/login/", data={"username": app.config["ADMIN_USERNAME"], "password": DEMO_PASSWORD})
        with app.app_context():
            user, sm = _user(app, person.user_id), appbuilder.sm
            roles = [r.id for r in user.roles]
            form = {"first_name": user.first_name, "last_name": user.last_name, "username": user.username,
                    "email": user.email, "roles": roles, "active": "y"}
            if event.startswith("role_change"):
                form["roles"] = roles + [sm.find_role(sm.auth_role_public).id]
            db.session.remove()
        if event.startswith("deactivation"):
            del form["active"]
        response = admin.post(f"/users/edit/{person.user_id}", data=form)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        with app.app_context():
            user = _user(app, person.user_id)
            assert len(user.roles) == len(form["roles"]) and user.active == ("active" in form)
            db.session.remove()
    else:
        with app.app_context():
            sm = appbuilder.sm
            user = _user(app, person.user_id)
            if event == "admin_password_reset":
                sm.reset_password(person.user_id, NEW_PASSWORD)       # what the admin's reset screen calls
            elif event == "role_change":
                user.roles = [sm.find_role("bendahara")] if person.kind == "staff" else \
                    list(user.roles) + [sm.find_role(sm.auth_role_public)]
                db.session.commit()
            elif event == "deactivation":
                user.active = False
                db.session.commit()
                user.active = True    # even reactivated, the old sessions stay dead
                db.session.commit()
            db.session.remove()


def staff_requests(case):
    app_id = case["app_id"]
    return [("GET", "/backoffice/antrean/", None), ("GET", f"/backoffice/permohonan/{app_id}", None),
            ("GET", "/backoffice/dasbor/", None), ("GET", "/backoffice/pengaduan/", None),
            ("POST", f"/backoffice/permohonan/{app_id}/pesan", {"body": "pesan dari cookie lama"})]


CUSTOMER_REQUESTS = [("GET", "/portal/profil", None), ("GET", "/portal/permohonan", None),
                     ("GET", "/portal/inbox", None), ("GET", "/portal/profil/kata-sandi", None),
                     ("POST", "/portal/profil", {"phone": "0811 1111 2222", "address": "Jl. Pencuri 1",
                                                 "occupation": "x"})]


def replaying(app, cookie_value: str):
    client = app.test_client()
    client.set_cookie("session", cookie_value)
    return client


def _send(client, method, path, data):
    return client.get(path) if method == "GET" else client.post(path, data=data)


@pytest.mark.parametrize("kind", ["staff", "customer"])
@pytest.mark.parametrize("event", EVENTS)
def test_a_copied_cookie_dies_with_the_event(app, case, request, kind, event):
    person = request.getfixturevalue(kind)
    browser = browser_login(app, person)
    stolen = browser.get_cookie("session").value
    calls = staff_requests(case) if kind == "staff" else CUSTOMER_REQUESTS
    assert _send(replaying(app, stolen), *calls[0]).status_code == 200      # the copy works before the event
    messages = message_count(app, case["app_id"])

    trigger(app, event, person, browser)

    for method, path, data in calls:   # each replay starts from the stolen cookie itself
        response = _send(replaying(app, stolen), method, path, data)
        assert sent_to_login(response, person), (method, path, response.status_code, response.location)
    assert message_count(app, case["app_id"]) == messages   # the replayed POST stored nothing
    if kind == "customer":
        with app.app_context():
            from app.extensions import db
            from models import CustomerProfile
            profile = db.session.scalar(select(CustomerProfile).where(CustomerProfile.user_id == person.user_id))
            assert profile.address != "Jl. Pencuri 1"
    if event == "own_password_change":  # the browser that changed it goes on, on a fresh stamp
        assert _send(browser, *calls[0]).status_code == 200


@pytest.mark.parametrize("kind", ["staff", "customer"])
@pytest.mark.parametrize("event", EVENTS)
def test_a_jwt_issued_before_the_event_is_refused(app, client, request, kind, event):
    person = request.getfixturevalue(kind)
    browser = browser_login(app, person)
    token = token_for(client, person)
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/application/", headers=headers).status_code == 200

    trigger(app, event, person, browser)

    response = client.get("/api/v1/application/", headers=headers)
    assert response.status_code == 401, response.get_json()
    if event == "deactivation_on_admin_screen":
        return   # still inactive: no new login either
    password = NEW_PASSWORD if event in PASSWORD_EVENTS else DEMO_PASSWORD
    fresh = token_for(client, person, password)   # a new login gets a working token
    assert client.get("/api/v1/application/", headers={"Authorization": f"Bearer {fresh}"}).status_code == 200


def test_logout_ends_every_session_of_the_user(app, staff):
    first, second = browser_login(app, staff), browser_login(app, staff)
    assert first.get("/logout/").status_code == 302
    assert sent_to_login(second.get("/backoffice/antrean/"), staff)


@pytest.mark.parametrize("kind", ["staff", "customer"])
def test_login_gives_a_new_session_id(app, request, kind):
    """An id planted before login (session fixation) is replaced; the planted cookie stays anonymous."""
    from app.security.sessions import SID_KEY

    person = request.getfixturevalue(kind)
    client = app.test_client()
    client.get(STAFF_LOGIN if kind == "staff" else PORTAL_LOGIN)
    with client.session_transaction() as session:
        session[SID_KEY] = "chosen-by-the-attacker"
    planted = copy_of(app, client)
    sids = set()
    for _ in range(2):
        if kind == "staff":
            client.post(STAFF_LOGIN, data={"username": person.username, "password": DEMO_PASSWORD})
        else:
            client.post(PORTAL_LOGIN, data={"identifier": person.username, "password": DEMO_PASSWORD})
        with client.session_transaction() as session:
            assert session.get("_user_id") == str(person.user_id)
            sids.add(session[SID_KEY])
        client.get("/logout/") if kind == "staff" else client.post("/portal/keluar")
    assert "chosen-by-the-attacker" not in sids and len(sids) == 2
    protected = "/backoffice/antrean/" if kind == "staff" else "/portal/profil"
    assert sent_to_login(planted.get(protected), person)


@pytest.mark.parametrize("forged", [None, "", "0" * 32, "not-the-stamp"])
def test_a_session_without_the_current_stamp_is_refused(app, customer, forged):
    """A cookie naming a user (old format, or a stamp it never had) is not a login."""
    from app.security.sessions import STAMP_KEY

    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(customer.user_id)
        if forged is not None:
            session[STAMP_KEY] = forged
    if forged == "":
        from app.security.sessions import revoke_sessions
        with app.app_context():
            revoke_sessions(customer.user_id, reason="logout")   # "" was the stamp before any revocation
    assert sent_to_login(client.get("/portal/profil"), customer)


@pytest.fixture
def clock(monkeypatch):
    """app.security.sessions' clock, moved by the test."""
    import app.security.sessions as sessions

    moment = {"now": 1_800_000_000.0}
    monkeypatch.setattr(sessions, "now", lambda: moment["now"])
    return moment


@pytest.mark.parametrize("steps, refused_at", [
    ([30, 30, 30, 30], None),          # active every 30 s: never idle
    ([59], None),
    ([61], 0),                          # one minute and a second without a request
    ([30, 45, 70], 2),
    ([3600], 0),
])
def test_idle_staff_are_logged_out(app, staff, clock, monkeypatch, steps, refused_at):
    monkeypatch.setitem(app.config, "STAFF_IDLE_TIMEOUT_MINUTES", 1)
    browser = browser_login(app, staff)
    for index, seconds in enumerate(steps):
        clock["now"] += seconds
        response = browser.get("/backoffice/antrean/")
        if index == refused_at:
            assert sent_to_login(response, staff) and "next=" in response.location
            with browser.session_transaction() as session:
                assert "_user_id" not in session
            assert browser.get("/backoffice/antrean/").status_code == 302   # still logged out
            return
        assert response.status_code == 200, (index, seconds)
    assert refused_at is None


def test_customers_have_no_staff_idle_timeout(app, customer, clock, monkeypatch):
    monkeypatch.setitem(app.config, "STAFF_IDLE_TIMEOUT_MINUTES", 1)
    browser = browser_login(app, customer)
    clock["now"] += 3 * 3600
    assert browser.get("/portal/profil").status_code == 200


def test_portal_session_state_survives_the_checks(app, customer):
    """The cart (anonymous, then after login) and the portal's own pages keep working."""
    client = app.test_client()
    with client.session_transaction() as session:
        session["cart"] = {"bmkg_informasi": [{"code": "INF-GEO-01", "quantity": 1}]}
    client.post(PORTAL_LOGIN, data={"identifier": customer.username, "password": DEMO_PASSWORD})
    with client.session_transaction() as session:
        assert session["cart"] == {"bmkg_informasi": [{"code": "INF-GEO-01", "quantity": 1}]}
    assert client.get("/portal/keranjang").status_code == 200
    assert client.get("/portal/profil").status_code == 200
