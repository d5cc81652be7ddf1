"""QR codes as inline PNG images (``data:`` URIs), so rendering reads no file and no network."""
from __future__ import annotations

import base64
import io

import qrcode
from markupsafe import Markup, escape


def qr_png(text: str, *, box_size: int = 4, border: int = 2) -> bytes:
    image = qrcode.make(text, box_size=box_size, border=border,
                        error_correction=qrcode.constants.ERROR_CORRECT_M)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def qr_img_tag(text: str, size_px: int = 96) -> Markup:
    """An ``<img>`` of the QR code for ``text`` (safe to place in an autoescaped template)."""
    data = base64.b64encode(qr_png(text)).decode()
    return Markup(f'<img src="data:image/png;base64,{data}" width="{size_px}" height="{size_px}" '
                  f'alt="{escape(text)}"/>')
