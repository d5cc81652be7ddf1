"""HTML templates → PDF bytes.

Templates are Jinja (sandboxed, autoescaped: an agency administrator may upload them) rendered
with the context of ``app.documents.context``; xhtml2pdf turns the HTML into PDF under a resource
policy that confines every file read to the templates folder and the bundled fonts, with no
network access. Renderers are a registry keyed by name; the shipped one is ``xhtml2pdf``.
"""
from __future__ import annotations

import hashlib
import io
from functools import lru_cache
from pathlib import Path
from typing import Callable

from jinja2 import StrictUndefined, TemplateError, Undefined
from jinja2.sandbox import SandboxedEnvironment
from xhtml2pdf import pisa
from xhtml2pdf.files import ResourceAccessPolicy

from app.core.formatting import document_filters, install_filters, terbilang  # noqa: F401 (terbilang: kept importable here)

FONTS_DIR = Path(__file__).resolve().parent / "fonts"
FONT_FAMILY = "DejaVu Sans"
# Inserted before the template's own styles: the bundled font (Indonesian text, the rupiah sign,
# dashes and quotes render the same everywhere) and a readable default the template may override.
# ``verify-url``: an element holding only an address may break anywhere (xhtml2pdf breaks lines at
# spaces only, so a long PORTAL_BASE_URL would run over the next column).
FONT_CSS = f"""<style>
@font-face {{ font-family: "{FONT_FAMILY}"; src: url("{(FONTS_DIR / 'DejaVuSans.ttf').as_posix()}"); }}
@font-face {{ font-family: "{FONT_FAMILY}"; src: url("{(FONTS_DIR / 'DejaVuSans-Bold.ttf').as_posix()}"); font-weight: bold; }}
body {{ font-family: "{FONT_FAMILY}"; }}
.verify-url {{ -pdf-word-wrap: CJK; }}
</style>
"""


class RenderError(Exception):
    """The template or the HTML could not be turned into a PDF (the message says why)."""


def _environment(strict: bool) -> SandboxedEnvironment:
    env = SandboxedEnvironment(autoescape=True, undefined=StrictUndefined if strict else Undefined)
    install_filters(env)  # tanggal, waktu, angka, rupiah, telepon in the document's locale and zone
    return env


_ENV = _environment(strict=False)


@lru_cache(maxsize=64)
def _compiled(source: str):
    return _ENV.from_string(source)


def render_html(source: str, context: dict) -> str:
    """The template's HTML for ``context`` (RenderError on a template problem)."""
    try:
        return _compiled(source).render(**context)
    except TemplateError as error:
        raise RenderError(f"templat tidak valid: {error}") from error


def with_fonts(html: str) -> str:
    lower = html.lower()
    at = lower.find("<head>")
    if at >= 0:
        at += len("<head>")
        return html[:at] + FONT_CSS + html[at:]
    return FONT_CSS + html


def resource_policy(base_dir: Path) -> ResourceAccessPolicy:
    """Reads only below the templates folder and the fonts folder; no network at all."""
    return ResourceAccessPolicy.server(Path(base_dir).resolve(), extra_roots=(FONTS_DIR,),
                                       allow_remote=False)


def xhtml2pdf_renderer(html: str, base_dir: Path) -> bytes:
    buffer = io.BytesIO()
    try:
        status = pisa.CreatePDF(with_fonts(html), dest=buffer, encoding="utf-8",
                                resource_policy=resource_policy(base_dir), raise_exception=True)
    except Exception as error:  # xhtml2pdf raises many kinds; the caller needs one
        raise RenderError(f"HTML tidak dapat diubah menjadi PDF: {error}") from error
    if status.err:
        raise RenderError(f"HTML tidak dapat diubah menjadi PDF ({status.err} galat)")
    data = buffer.getvalue()
    if not data.startswith(b"%PDF-"):
        raise RenderError("hasil bukan PDF")
    return data


RENDERERS: dict[str, Callable[[str, Path], bytes]] = {"xhtml2pdf": xhtml2pdf_renderer}


def html_to_pdf(html: str, base_dir: Path, renderer: str = "xhtml2pdf") -> bytes:
    return RENDERERS[renderer](html, base_dir)


def render_pdf(source: str, context: dict, base_dir: Path) -> bytes:
    return html_to_pdf(render_html(source, context), base_dir)


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


_ENV.filters.update(document_filters())  # terbilang: amounts in words, documents only
