"""Login, logout, forgotten password, profile, change of password; CSRF, captcha, rate limits."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.portal_account.conftest import PASSWORD, code_in, last_email

GENERIC = "NIK/email/nama pengguna atau kata sandi salah."


def _login(client, identifier, password=PASSWORD, **extra):
    return client.post("/portal/masuk", data={"identifier": identifier, "password": password, **extra})


@pytest.mark.parametrize("which", ["nik", "email", "username"])
def test_login_by_nik_email_or_username(client, registered, which):
    form, _ = registered(username=f"u{abs(hash(which)) % 10**8}")
    identifier = {"nik": form["nik"], "email": form["email"].upper(), "username": form["username"]}[which]
    response = _login(client, identifier, next="/portal/profil")
    assert response.status_code == 302 and response.location.endswith("/portal/profil")
    page = client.get("/portal/profil").get_data(as_text=True)
    assert form["nik"] in page and "Siti Rahmawati" in page


def test_one_message_for_unknown_account_and_wrong_password(client, registered):
    form, _ = registered()
    unknown = _login(client, "6472010101900099").get_data(as_text=True)
    wrong = _login(client, form["nik"], "Salah#Sandi77").get_data(as_text=True)
    assert GENERIC in unknown and GENERIC in wrong
    strip = lambda page: re.sub(r'(name="csrf-token" content|value)="[^"]*"', "", page)  # noqa: E731
    assert strip(unknown).replace("6472010101900099", "X") == strip(wrong).replace(form["nik"], "X")


def test_open_redirect_is_refused(client, registered):
    form, _ = registered()
    response = _login(client, form["email"], next="https://evil.example/")
    assert response.location.endswith("/portal/")


def test_logout_really_ends_the_session(app, client, registered):
    form, _ = registered()
    _login(client, form["email"])
    assert client.get("/portal/profil").status_code == 200
    stolen = client.get_cookie("session").value
    assert client.post("/portal/keluar").status_code == 302
    assert client.get("/portal/profil").status_code == 302
    client.set_cookie("session", stolen)  # replaying the old cookie does not bring the session back
    response = client.get("/portal/profil")
    assert response.status_code == 302 and "/portal/masuk" in response.location


def test_login_required_customer_redirects_with_next(client):
    response = client.get("/portal/profil")
    assert response.status_code == 302 and "/portal/masuk?next=/portal/profil" in response.location


def test_staff_cannot_use_the_customer_login(app, client, factories):
    _, username = factories.staff("kaltim", "verifikator")
    page = _login(client, username, app.config["ADMIN_PASSWORD"]).get_data(as_text=True)
    assert "halaman petugas" in page
    assert client.get("/portal/profil").status_code == 302


def test_forgot_password_pin_is_single_use_and_expires(app, client, registered):
    form, user_id = registered()
    page = client.post("/portal/lupa-sandi", data={"nik": "6472010101900099", "phone": form["phone"],
                                                   "email": form["email"]}, follow_redirects=True)
    assert "Jika NIK, nomor HP dan email cocok" in page.get_data(as_text=True)
    before = last_email(app, form["email"])
    assert "PIN" not in before["subject"]  # no PIN for data that does not match
    response = client.post("/portal/lupa-sandi", data={"nik": form["nik"], "phone": "+62 812-3456-7890",
                                                       "email": form["email"]})
    assert response.location.endswith("/portal/lupa-sandi/pin")
    mail = last_email(app, form["email"])
    assert "PIN" in mail["subject"]
    pin = code_in(mail["body"])
    new = "Balikpapan@Baru2"
    page = client.post("/portal/lupa-sandi/pin", data={"email": form["email"], "pin": "999999" if pin != "999999" else "111111",
                                                      "password": new, "password_confirm": new})
    assert "PIN salah atau sudah kedaluwarsa" in page.get_data(as_text=True)
    page = client.post("/portal/lupa-sandi/pin", data={"email": form["email"], "pin": pin,
                                                      "password": "lemah", "password_confirm": "lemah"})
    assert "minimal 8 karakter" in page.get_data(as_text=True)
    response = client.post("/portal/lupa-sandi/pin", data={"email": form["email"], "pin": pin,
                                                          "password": new, "password_confirm": new})
    assert response.location.endswith("/portal/masuk")
    assert GENERIC in _login(client, form["email"]).get_data(as_text=True)
    assert _login(client, form["email"], new).status_code == 302
    client.post("/portal/keluar")
    page = client.post("/portal/lupa-sandi/pin", data={"email": form["email"], "pin": pin,
                                                      "password": "Lagi#Baru2026", "password_confirm": "Lagi#Baru2026"})
    assert "PIN salah atau sudah kedaluwarsa" in page.get_data(as_text=True)  # single use
    # an expired PIN is refused
    client.post("/portal/lupa-sandi", data={"nik": form["nik"], "phone": form["phone"], "email": form["email"]})
    pin = code_in(last_email(app, form["email"])["body"])
    from app.extensions import db
    from models.base import utcnow
    from models.people import AccountToken
    with app.app_context():
        token = db.session.scalars(select(AccountToken).where(AccountToken.user_id == user_id,
                                   AccountToken.purpose == "reset_password").order_by(AccountToken.id.desc())).first()
        token.expires_at = utcnow()
        db.session.commit()
    page = client.post("/portal/lupa-sandi/pin", data={"email": form["email"], "pin": pin,
                                                      "password": "Lagi#Baru2026", "password_confirm": "Lagi#Baru2026"})
    assert "PIN salah atau sudah kedaluwarsa" in page.get_data(as_text=True)


def test_pin_dies_after_five_wrong_attempts(app, client, registered):
    form, _ = registered()
    client.post("/portal/lupa-sandi", data={"nik": form["nik"], "phone": form["phone"], "email": form["email"]})
    pin = code_in(last_email(app, form["email"])["body"])
    wrong = "000000" if pin != "000000" else "111111"
    for _ in range(5):
        client.post("/portal/lupa-sandi/pin", data={"email": form["email"], "pin": wrong,
                                                   "password": "Lagi#Baru2026", "password_confirm": "Lagi#Baru2026"})
    page = client.post("/portal/lupa-sandi/pin", data={"email": form["email"], "pin": pin,
                                                      "password": "Lagi#Baru2026", "password_confirm": "Lagi#Baru2026"})
    assert "PIN salah atau sudah kedaluwarsa" in page.get_data(as_text=True)


def test_profile_locks_nik_and_name_and_saves_the_rest(app, client, registered):
    form, user_id = registered()
    _login(client, form["email"])
    response = client.post("/portal/profil", data={
        "phone": "0813 1111 2222", "occupation": "Guru", "education": "S2", "address": "Jl. Baru 2",
        "province": "Kalimantan Timur", "regency": "Kota Samarinda", "district": "", "village": "",
        "postal_code": "75112", "nik": "6472010101900099", "full_name": "Orang Lain"})
    assert response.status_code == 302
    from app.extensions import db
    from models.people import CustomerProfile
    with app.app_context():
        profile = db.session.scalar(select(CustomerProfile).where(CustomerProfile.user_id == user_id))
        assert (profile.nik, profile.full_name) == (form["nik"], "Siti Rahmawati, S.T.")
        assert (profile.phone, profile.regency, profile.occupation) == ("6281311112222", "Kota Samarinda", "Guru")
    page = client.post("/portal/profil", data={"phone": "123", "address": "x", "province": "a",
                                               "regency": "b"}).get_data(as_text=True)
    assert "Nomor telepon tidak valid" in page


def test_change_password(client, registered):
    form, _ = registered()
    _login(client, form["email"])
    new = "Mahakam!Hulu42"
    page = client.post("/portal/profil/kata-sandi", data={"current_password": "Salah#Sandi77", "password": new,
                                                          "password_confirm": new}).get_data(as_text=True)
    assert "Kata sandi saat ini salah." in page
    page = client.post("/portal/profil/kata-sandi", data={"current_password": PASSWORD, "password": "qwerty123A",
                                                          "password_confirm": "qwerty123A"}).get_data(as_text=True)
    assert "terlalu umum" in page
    response = client.post("/portal/profil/kata-sandi", data={"current_password": PASSWORD, "password": new,
                                                              "password_confirm": new})
    assert response.status_code == 302
    assert client.get("/portal/profil").status_code == 200  # this device stays logged in
    client.post("/portal/keluar")
    assert _login(client, form["email"], new).status_code == 302


def test_post_without_csrf_token_is_refused(app, client, registered, monkeypatch):
    form, _ = registered()
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    response = _login(client, form["email"])
    assert response.status_code == 400
    page = client.get("/portal/masuk").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = _login(client, form["email"], csrf_token=token)
    assert response.status_code == 302
    assert client.post("/portal/keluar").status_code == 400  # logout is a form too


def test_captcha_is_checked_and_single_use(app, client, registration, monkeypatch):
    from tests.portal_account.test_captcha import solve

    monkeypatch.setitem(app.config, "PORTAL_CAPTCHA_ENABLED", True)
    page = client.get("/portal/daftar").get_data(as_text=True)
    assert "/portal/captcha/register.png" in page
    image = client.get("/portal/captcha/register.png")
    assert image.status_code == 200 and image.data[:8] == b"\x89PNG\r\n\x1a\n"
    answer = solve(app, client, "register")
    wrong = str(int(answer) + 1)
    page = client.post("/portal/daftar", data=registration(captcha=wrong)).get_data(as_text=True)
    assert "Kode keamanan salah" in page
    # a new question was drawn; the old answer no longer counts unless it happens to match
    response = client.post("/portal/daftar", data=registration(captcha=solve(app, client, "register")))
    assert response.status_code == 302


def test_login_asks_captcha_after_three_failures(app, client, registered, monkeypatch):
    form, _ = registered()
    monkeypatch.setitem(app.config, "PORTAL_CAPTCHA_ENABLED", True)
    for _ in range(3):
        page = _login(client, form["email"], "Salah#Sandi77").get_data(as_text=True)
    assert "/portal/captcha/login.png" in page
    page = _login(client, form["email"]).get_data(as_text=True)  # right password, no captcha
    assert "Kode keamanan salah" in page


def test_login_is_rate_limited(app, registered):
    """A second app with rate limiting on (TestingConfig has it off)."""
    from app import create_app
    from config import TestingConfig

    class Limited(TestingConfig):
        SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]
        UPLOAD_FOLDER = app.config["UPLOAD_FOLDER"]
        RATELIMIT_ENABLED = True
        LOGIN_ACCOUNT_RATE_LIMIT = "3 per minute"  # failed logins per account (app/security/login_limits.py)

    limited = create_app(Limited)
    client = limited.test_client()
    statuses = [_login(client, "6472010101900099", "Salah#Sandi77").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert client.get("/portal/masuk").status_code == 200  # only POSTs are limited
