"""An offline captcha: a small sum drawn as a PNG. The question and its answer stay on the server
(``CaptchaChallenge``); the browser's session holds only a random id per form, so reading the
session cookie tells nothing.

``new_challenge(form_key)`` drops the form's question from the session; ``captcha_image`` (the
only writer, rate-limited) draws the form's question, making a new one when there is none; ``check_captcha(form_key, answer)`` consumes it (right or wrong), so each
question can be answered once, and only until it expires (``PORTAL_CAPTCHA_TTL_SECONDS``).
``PORTAL_CAPTCHA_ENABLED = False`` switches the check off (tests).
"""
from __future__ import annotations

import hashlib
import hmac
import io
import secrets
from datetime import timedelta

from flask import current_app, make_response, session
from PIL import Image, ImageDraw, ImageFilter, ImageFont
from sqlalchemy import delete, update

from app.extensions import db
from app.portal.blueprint import portal
from models.base import utcnow
from models.people import CaptchaChallenge

SESSION_KEY = "portal_captcha"
FORM_KEYS = ("register", "login", "forgot", "resend")
DEFAULT_TTL_SECONDS = 600


def captcha_enabled() -> bool:
    return bool(current_app.config.get("PORTAL_CAPTCHA_ENABLED", True))


def _digest(challenge_id: str, answer: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"{challenge_id}:{answer.strip()}".encode(), hashlib.sha256).hexdigest()


def _ttl() -> timedelta:
    return timedelta(seconds=int(current_app.config.get("PORTAL_CAPTCHA_TTL_SECONDS", DEFAULT_TTL_SECONDS)))


def new_challenge(form_key: str) -> None:
    """Forget the question of ``form_key`` in this session: the next image draws a new one.
    (Rows are written only by the rate-limited image route, never by a page view.)"""
    store = dict(session.get(SESSION_KEY) or {})
    if store.pop(form_key, None) is not None:
        session[SESSION_KEY] = store


def _create_challenge(form_key: str) -> CaptchaChallenge:
    """Store a new question for ``form_key`` server-side and remember only its id in the session
    (commits; expired questions are swept at the same time)."""
    rng = secrets.SystemRandom()
    left, right = rng.randint(2, 9), rng.randint(1, 9)
    now = utcnow()
    db.session.execute(delete(CaptchaChallenge).where(CaptchaChallenge.expires_at < now))
    challenge_id = secrets.token_urlsafe(32)
    challenge = CaptchaChallenge(id=challenge_id, form_key=form_key, question=f"{left} + {right} = ?",
                                 answer_hash=_digest(challenge_id, str(left + right)),
                                 expires_at=now + _ttl())
    db.session.add(challenge)
    db.session.commit()
    store = dict(session.get(SESSION_KEY) or {})
    store[form_key] = challenge_id
    session[SESSION_KEY] = store
    return challenge


def _current(form_key: str) -> CaptchaChallenge | None:
    challenge_id = (session.get(SESSION_KEY) or {}).get(form_key)
    if not isinstance(challenge_id, str):
        return None
    challenge = db.session.get(CaptchaChallenge, challenge_id)
    if challenge is None or challenge.form_key != form_key or challenge.used_at is not None \
            or challenge.expires_at <= utcnow():
        return None
    return challenge


def check_captcha(form_key: str, answer: str | None) -> bool:
    """True when ``answer`` solves the current, unexpired question of ``form_key``. Consumes the
    question whatever the answer (commits), so neither a replayed cookie nor a second guess works."""
    if not captcha_enabled():
        return True
    store = dict(session.get(SESSION_KEY) or {})
    challenge_id = store.pop(form_key, None)
    session[SESSION_KEY] = store
    if not isinstance(challenge_id, str):
        return False
    now = utcnow()
    claimed = db.session.execute(
        update(CaptchaChallenge)
        .where(CaptchaChallenge.id == challenge_id, CaptchaChallenge.form_key == form_key,
               CaptchaChallenge.used_at.is_(None), CaptchaChallenge.expires_at > now)
        .values(used_at=now).returning(CaptchaChallenge.answer_hash)).scalar_one_or_none()
    db.session.commit()
    if claimed is None or not answer:
        return False
    return hmac.compare_digest(claimed, _digest(challenge_id, str(answer)))


def _draw(question: str) -> bytes:
    rng = secrets.SystemRandom()
    width, height = 180, 56
    image = Image.new("RGB", (width, height), (246, 248, 251))
    draw = ImageDraw.Draw(image)
    for _ in range(6):  # light noise lines
        draw.line([(rng.randint(0, width), rng.randint(0, height)),
                   (rng.randint(0, width), rng.randint(0, height))],
                  fill=(rng.randint(150, 200), rng.randint(160, 210), rng.randint(180, 225)), width=1)
    font = ImageFont.load_default(size=30)
    x = 12
    for char in question:
        y = rng.randint(6, 14)
        draw.text((x, y), char, font=font, fill=(rng.randint(10, 60), rng.randint(40, 80), rng.randint(90, 140)))
        x += 18 if char != " " else 8
    for _ in range(120):  # speckles
        draw.point((rng.randint(0, width - 1), rng.randint(0, height - 1)), fill=(120, 130, 150))
    image = image.filter(ImageFilter.SMOOTH)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


@portal.route("/captcha/<form_key>.png")
def captcha_image(form_key: str):
    """The current question of one form as an image; ``?baru=1`` (or none alive) draws a new one."""
    from flask import abort, request

    if form_key not in FORM_KEYS or not captcha_enabled():
        abort(404)
    challenge = _current(form_key)
    if challenge is None or request.args.get("baru"):
        challenge = _create_challenge(form_key)
    response = make_response(_draw(challenge.question))
    response.headers["Content-Type"] = "image/png"
    response.headers["Cache-Control"] = "no-store"
    return response
