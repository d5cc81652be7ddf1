"""The captcha's answer stays on the server: the cookie does not reveal it, an answer counts
once, an expired question fails, and the endpoints that guess or send are rate-limited."""
from __future__ import annotations

import base64
import json
import re
import zlib
from datetime import timedelta

import pytest


def cookie_payload(client) -> str:
    """What anyone holding the cookie can read: the session, without the secret key."""
    value = client.get_cookie("session").value
    compressed = value.startswith(".")
    payload = value.lstrip(".").split(".")[0]
    data = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    return (zlib.decompress(data) if compressed else data).decode()


def challenge_of(app, client, form_key: str):
    from app.extensions import db
    from models.people import CaptchaChallenge

    with client.session_transaction() as sess:
        challenge_id = sess["portal_captcha"][form_key]
    with app.app_context():
        return db.session.get(CaptchaChallenge, challenge_id)


def answer_of(app, client, form_key: str) -> str:
    """The answer to the session's current question (read from the server's table)."""
    left, right = re.findall(r"\d+", challenge_of(app, client, form_key).question)
    return str(int(left) + int(right))


def solve(app, client, form_key: str) -> str:
    """What a person does: load the image, read the sum, add."""
    image = client.get(f"/portal/captcha/{form_key}.png")
    assert image.status_code == 200 and image.data[:4] == b"\x89PNG"
    return answer_of(app, client, form_key)


@pytest.fixture
def captcha_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "PORTAL_CAPTCHA_ENABLED", True)


@pytest.mark.parametrize("form_key, page", [
    ("register", "/portal/daftar"), ("forgot", "/portal/lupa-sandi"), ("resend", "/portal/verifikasi"),
])
def test_the_cookie_does_not_reveal_the_question_or_answer(app, client, captcha_on, form_key, page):
    assert "/portal/captcha/" in client.get(page).get_data(as_text=True)
    answer = solve(app, client, form_key)
    challenge = challenge_of(app, client, form_key)
    readable = cookie_payload(client)
    session = json.loads(readable)
    assert set(session["portal_captcha"]) == {form_key}
    assert session["portal_captcha"][form_key] == challenge.id and len(challenge.id) >= 40
    assert challenge.question not in readable and "= ?" not in readable
    assert challenge.answer_hash not in readable
    assert not re.search(rf"(?<![\w-]){answer}(?![\w-])", readable)


def test_a_replayed_cookie_cannot_reuse_an_answer(app, client, captcha_on, registration):
    client.get("/portal/daftar")
    answer = solve(app, client, "register")
    cookie = client.get_cookie("session").value
    assert client.post("/portal/daftar", data=registration(captcha=answer)).status_code == 302
    for _attempt in range(3):   # the same cookie and answer again (a script replaying them)
        client.set_cookie("session", cookie)
        response = client.post("/portal/daftar", data=registration(captcha=answer))
        assert response.status_code == 200 and "Kode keamanan salah" in response.get_data(as_text=True)


def test_a_wrong_answer_uses_up_the_question(app, client, captcha_on, registration):
    client.get("/portal/daftar")
    answer = solve(app, client, "register")
    cookie = client.get_cookie("session").value
    client.post("/portal/daftar", data=registration(captcha=str(int(answer) + 1)))
    client.set_cookie("session", cookie)
    page = client.post("/portal/daftar", data=registration(captcha=answer)).get_data(as_text=True)
    assert "Kode keamanan salah" in page


@pytest.mark.parametrize("ttl, age", [(600, timedelta(minutes=11)), (60, timedelta(seconds=61)),
                                      (600, timedelta(days=1))])
def test_an_expired_question_fails(app, client, captcha_on, registration, monkeypatch, ttl, age):
    from app.extensions import db
    from models.people import CaptchaChallenge

    monkeypatch.setitem(app.config, "PORTAL_CAPTCHA_TTL_SECONDS", ttl)
    client.get("/portal/daftar")
    answer = solve(app, client, "register")
    challenge = challenge_of(app, client, "register")
    with app.app_context():
        row = db.session.get(CaptchaChallenge, challenge.id)
        row.expires_at = row.expires_at - age
        db.session.commit()
    page = client.post("/portal/daftar", data=registration(captcha=answer)).get_data(as_text=True)
    assert "Kode keamanan salah" in page


def test_the_question_expires_after_the_configured_time(app, client, captcha_on, monkeypatch):
    from models.base import utcnow

    monkeypatch.setitem(app.config, "PORTAL_CAPTCHA_TTL_SECONDS", 90)
    client.get("/portal/daftar")
    solve(app, client, "register")
    left = challenge_of(app, client, "register").expires_at - utcnow()
    assert timedelta(seconds=80) < left <= timedelta(seconds=90)


def test_a_page_view_writes_nothing_and_a_new_image_replaces_the_question(app, client, captcha_on):
    from sqlalchemy import func, select

    from app.extensions import db
    from models.people import CaptchaChallenge

    def rows():
        with app.app_context():
            return db.session.scalar(select(func.count()).select_from(CaptchaChallenge))
    before = rows()
    for _view in range(3):
        client.get("/portal/daftar")
    assert rows() == before            # only the (rate-limited) image creates questions
    first = solve(app, client, "register")
    first_id = challenge_of(app, client, "register").id
    assert client.get("/portal/captcha/register.png").status_code == 200   # the same question again
    assert challenge_of(app, client, "register").id == first_id and answer_of(app, client, "register") == first
    client.get("/portal/captcha/register.png?baru=1")
    assert challenge_of(app, client, "register").id != first_id


def test_the_image_of_another_form_or_without_captcha_is_404(client, app, monkeypatch):
    assert client.get("/portal/captcha/register.png").status_code == 404   # switched off in tests
    monkeypatch.setitem(app.config, "PORTAL_CAPTCHA_ENABLED", True)
    assert client.get("/portal/captcha/admin.png").status_code == 404


def test_registration_and_verification_are_rate_limited(app, registration):
    """A second app with rate limiting on (TestingConfig has it off)."""
    from app import create_app
    from config import TestingConfig

    class Limited(TestingConfig):
        SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]
        UPLOAD_FOLDER = app.config["UPLOAD_FOLDER"]
        RATELIMIT_ENABLED = True
        PORTAL_CAPTCHA_ENABLED = True
        PORTAL_LOGIN_RATE_LIMIT = "2 per minute"
        PORTAL_MAIL_RATE_LIMIT = "2 per minute"
        PORTAL_CAPTCHA_RATE_LIMIT = "2 per minute"

    limited = create_app(Limited)
    client = limited.test_client()
    for method, path, data in (
            ("POST", "/portal/daftar", registration()),
            ("POST", "/portal/verifikasi", {"email": "x@example.test", "code": "123456"}),
            ("GET", "/portal/verifikasi/tautan?akun=1&kode=123456", None),
            ("POST", "/portal/verifikasi/kirim-ulang", {"email": "x@example.test", "captcha": "1"}),
            ("GET", "/portal/captcha/register.png", None)):
        statuses = [client.open(path, method=method, data=data).status_code for _ in range(3)]
        assert statuses[-1] == 429 and 429 not in statuses[:2], (path, statuses)
