"""Where a redirect may go: ``safe_redirect_target(target, default)`` is the one check for every
URL a request supplies (``next``, the referrer, Flask-AppBuilder's page history), on the portal
and in the back office.

Browsers are lenient: they drop tabs and newlines anywhere in a URL, turn backslashes into
slashes and read ``//host`` as another site. So the target is normalised first — percent-decoded
until it stops changing, NFKC-folded (fullwidth ``／`` becomes ``/``), control, format and
whitespace characters removed, backslashes turned into slashes — and only a same-site path
(one leading ``/``, no scheme, no host) is accepted; anything else gives ``default``. An absolute
URL on this site (the request's own host, ``PORTAL_BASE_URL``'s, or ``SAFE_REDIRECT_HOSTS``)
keeps only its path, so a spoofed ``Host`` header still ends at a path of this site.

``init_redirects(app)`` makes Flask-AppBuilder use the same check: its login ``next``, its
"back" links, and — as a last line — every 3xx response whose ``Location`` is not a same-site
target is sent to the default page instead (the language switch and CRUD views redirect to the
referrer or to a page history built from ``request.url``).
"""
from __future__ import annotations

import unicodedata
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from flask import Flask, Response, current_app, has_request_context, request

MAX_TARGET_LENGTH = 2048
_DECODE_ROUNDS = 8
# characters kept as they are when a cleaned target is re-encoded (everything RFC 3986 allows)
_URL_SAFE = "/?#[]@!$&'()*+,;=:-._~%"


def _drop_invisible(text: str) -> str:
    """Remove control, format (bidi, zero-width) and separator characters, as a browser might."""
    return "".join(ch for ch in text if unicodedata.category(ch)[0] not in "CZ" and not ch.isspace())


def normalise_target(target: str) -> str:
    """The form a lenient browser (or a second decoding hop) could end up reading."""
    text = target
    for _round in range(_DECODE_ROUNDS):
        decoded = unquote(text)
        if decoded == text:
            break
        text = decoded
    text = unicodedata.normalize("NFKC", text)
    return _drop_invisible(text).replace("\\", "/")


def _is_local_path(text: str) -> bool:
    """One leading slash, then not a second one: ``/x`` yes; ``//x``, ``x``, ``http:…`` no."""
    if not text.startswith("/") or text.startswith("//"):
        return False
    parts = urlsplit(text)
    return not parts.scheme and not parts.netloc


def _trusted_hosts() -> set[str]:
    hosts: set[str] = set()
    if has_request_context():
        hosts.add(request.host.lower())
    if current_app:
        base = current_app.config.get("PORTAL_BASE_URL") or ""
        if base:
            hosts.add(urlsplit(base).netloc.lower())
        extra = current_app.config.get("SAFE_REDIRECT_HOSTS") or ()
        if isinstance(extra, str):
            extra = extra.split(",")
        hosts.update(host.strip().lower() for host in extra if host.strip())
    hosts.discard("")
    return hosts


def safe_redirect_target(target: object, default: str) -> str:
    """``target`` when it is a same-site path (cleaned), the path of a same-site absolute URL,
    otherwise ``default``. Never returns a URL to another site."""
    if not isinstance(target, str) or not target.strip() or len(target) > MAX_TARGET_LENGTH:
        return default
    checked = normalise_target(target)
    parts = urlsplit(checked)
    if parts.scheme or parts.netloc or checked.startswith("//"):
        if (parts.scheme.lower() not in ("http", "https") or not parts.netloc
                or parts.netloc.lower() not in _trusted_hosts()):
            return default
        # this site written absolutely: keep only the path (the host part may have been spoofed)
        raw = urlsplit(_drop_invisible(target).replace("\\", "/"))
        target = urlunsplit(("", "", raw.path or "/", raw.query, raw.fragment))
        checked = normalise_target(target)
    if not _is_local_path(checked):
        return default
    cleaned = quote(_drop_invisible(target).replace("\\", "/"), safe=_URL_SAFE)
    if not _is_local_path(cleaned) or not _is_local_path(normalise_target(cleaned)):
        return default
    return cleaned


def _index_for(path: str) -> str:
    return "/portal/" if path.startswith("/portal") else "/"


def _guard_redirects(response: Response) -> Response:
    """The last line: no 3xx of this app points to another site, whoever built the Location."""
    if 300 <= response.status_code < 400 and response.location:
        default = _index_for(request.path)
        response.location = safe_redirect_target(response.location, default)
    return response


def _fab_safe_redirect(url: str) -> str:
    return safe_redirect_target(url, current_app.appbuilder.get_url_for_index)


def init_redirects(app: Flask) -> None:
    """Flask-AppBuilder's login ``next`` and its "back" links go through ``safe_redirect_target``."""
    import flask_appbuilder.security.views as fab_security_views
    import flask_appbuilder.utils.base as fab_utils

    # Flask-AppBuilder's auth views (DB, LDAP, OAuth …) call this module-level helper for ``next``
    fab_security_views.get_safe_redirect = _fab_safe_redirect
    fab_utils.get_safe_redirect = _fab_safe_redirect

    def link_back(req) -> str:  # FAB's "Back" buttons: ``next`` or the referrer, rendered as href
        return safe_redirect_target(req.args.get("next") or req.referrer, _index_for(req.path))

    app.jinja_env.filters["get_link_back"] = link_back
    app.after_request(_guard_redirects)
