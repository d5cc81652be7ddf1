"""An offline captcha: a small sum drawn as a PNG, its answer kept in the session, single-use.

``new_challenge(form_key)`` makes a new question for one form; ``captcha_image`` draws the
question of that form; ``check_captcha(form_key, answer)`` consumes it (right or wrong), so each
question can be answered once. ``PORTAL_CAPTCHA_ENABLED = False`` switches the check off (tests).
"""
from __future__ import annotations

import hashlib
import hmac
import io
import secrets

from flask import current_app, make_response, session
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from app.portal import portal

SESSION_KEY = "portal_captcha"
FORM_KEYS = ("register", "login", "forgot", "resend")


def captcha_enabled() -> bool:
    return bool(current_app.config.get("PORTAL_CAPTCHA_ENABLED", True))


def _digest(form_key: str, answer: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"{form_key}:{answer.strip()}".encode(), hashlib.sha256).hexdigest()


def new_challenge(form_key: str) -> str:
    """Store a new question for ``form_key``; returns the question text (for tests)."""
    rng = secrets.SystemRandom()
    left, right = rng.randint(2, 9), rng.randint(1, 9)
    question = f"{left} + {right} = ?"
    store = dict(session.get(SESSION_KEY) or {})
    store[form_key] = {"q": question, "h": _digest(form_key, str(left + right))}
    session[SESSION_KEY] = store
    return question


def check_captcha(form_key: str, answer: str | None) -> bool:
    """True when ``answer`` solves the current question of ``form_key``. Consumes the question."""
    if not captcha_enabled():
        return True
    store = dict(session.get(SESSION_KEY) or {})
    challenge = store.pop(form_key, None)
    session[SESSION_KEY] = store
    if not challenge or not answer:
        return False
    return hmac.compare_digest(challenge["h"], _digest(form_key, answer))


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
    """The current question of one form as an image; ``?baru=1`` draws a new question."""
    from flask import abort, request

    if form_key not in FORM_KEYS:
        abort(404)
    challenge = (session.get(SESSION_KEY) or {}).get(form_key)
    if challenge is None or request.args.get("baru"):
        new_challenge(form_key)
        challenge = session[SESSION_KEY][form_key]
    response = make_response(_draw(challenge["q"]))
    response.headers["Content-Type"] = "image/png"
    response.headers["Cache-Control"] = "no-store"
    return response
