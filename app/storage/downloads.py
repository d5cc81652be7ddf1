"""Sending stored files back: every response is an attachment with a clean RFC 6266 filename, never
sniffed, never cached; only the preview route (views/documents.py) sends allowlisted kinds inline,
and then inside a CSP sandbox so a hostile PDF or image can run nothing on our origin."""
from __future__ import annotations

import unicodedata
from urllib.parse import quote

from flask import abort, send_file

from app.storage.files import CONTENT_TYPES, FileStore

# what a browser may show inline from the preview route, with the type we send (by sniffed kind)
PREVIEW_TYPES = {"pdf": "application/pdf", "png": "image/png", "jpg": "image/jpeg", "gif": "image/gif"}
SANDBOX = "sandbox"


def clean_filename(name: str, fallback: str = "berkas") -> str:
    """The name without control characters, bidi overrides/isolates, zero-width and line separators
    (Unicode categories Cc, Cf, Zl, Zp), path separators or quotes; at most 150 characters."""
    name = unicodedata.normalize("NFC", name or "")
    kept = "".join(" " if ch in "/\\" else ch for ch in name
                   if unicodedata.category(ch) not in ("Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn") and ch not in '"')
    kept = " ".join(kept.split()).strip(" .")
    if len(kept) > 150:
        stem, dot, ext = kept.rpartition(".")
        kept = (stem[:150 - len(ext) - 1] + dot + ext) if dot and len(ext) <= 10 else kept[:150]
    return kept or fallback


def content_disposition(disposition: str, name: str) -> str:
    """``attachment; filename="ascii"; filename*=UTF-8''percent-encoded`` (RFC 6266 / RFC 8187)."""
    clean = clean_filename(name)
    ascii_name = "".join(ch if 32 <= ord(ch) < 127 and ch not in '"\\%;' else "_" for ch in clean)
    return f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(clean, safe='')}"


def protect(response):
    """The headers every file response carries."""
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = SANDBOX
    return response


def send_stored_file(stored, *, download_name: str | None = None, inline: bool = False):
    """Send a StoredFile: as an attachment, or (``inline``, allowlisted kinds only) for a preview."""
    if inline and stored.kind not in PREVIEW_TYPES:
        abort(415)
    path = FileStore.current().path_of(stored.storage_path)
    if not path.is_file():
        abort(404)
    mimetype = PREVIEW_TYPES[stored.kind] if inline else \
        CONTENT_TYPES.get(stored.kind, "application/octet-stream")
    response = send_file(path, mimetype=mimetype, as_attachment=False, max_age=0, conditional=True)
    response.headers["Content-Disposition"] = content_disposition(
        "inline" if inline else "attachment", download_name or stored.original_name)
    return protect(response)
