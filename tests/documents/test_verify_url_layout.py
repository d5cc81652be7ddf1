"""A long PORTAL_BASE_URL still fits: every shipped document's verification address wraps inside
its own column instead of running over the signatory's name or the text beside it (xhtml2pdf breaks
lines at spaces only; the ``verify-url`` class lets the address break anywhere)."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader
from reportlab.pdfbase.pdfmetrics import registerFont, stringWidth
from reportlab.pdfbase.ttfonts import TTFont

LONG_BASE = "https://ptsp-provinsi-kalimantan-timur.example.go.id/portal"
CODE = "AB12CD34EF56GH78"
DOCUMENTS = ["kaltim_izin", "kaltim_resi", "bmkg_invoice", "bmkg_kuitansi", "bmkg_pengantar",
             "metrologi_skhp", "sippt_lhu"]


def _fonts():
    from app.documents.render import FONTS_DIR

    for name, file in (("probe-regular", "DejaVuSans.ttf"), ("probe-bold", "DejaVuSans-Bold.ttf")):
        registerFont(TTFont(name, str(Path(FONTS_DIR) / file)))


def _fragments(pdf: bytes) -> list[dict]:
    """Each piece of text on the first page: where it starts, its size and its width."""
    found = []

    def visit(text, cm, tm, font, size):
        if not text.strip():
            return
        bold = "Bold" in str((font or {}).get("/BaseFont", ""))
        scale = tm[0] * cm[0] or 1
        found.append({"text": text.strip(), "x": tm[4] * cm[0] + cm[4], "y": tm[5] * cm[3] + cm[5],
                      "size": size * scale,
                      "width": stringWidth(text.strip(), "probe-bold" if bold else "probe-regular", size * scale)})

    for page in PdfReader(io.BytesIO(pdf)).pages:
        page.extract_text(visitor_text=visit)
        break
    return found


@pytest.mark.parametrize("doc_key", DOCUMENTS)
def test_a_long_verification_address_wraps_inside_its_column(app, doc_key, monkeypatch):
    from app.commands.rules.state import rules_state
    from app.documents.context import verify_url
    from app.documents.qr import qr_img_tag
    from app.documents.render import html_to_pdf, render_html
    from app.documents.samples import sample_context

    _fonts()
    monkeypatch.setitem(app.config, "PORTAL_BASE_URL", LONG_BASE)
    with app.test_request_context():
        rules = rules_state().file_rules
        path = Path(rules.base_dir) / rules.document(doc_key)["template"]
        context = sample_context(doc_key, rules)
        url = verify_url(CODE)
        context.update(verify_url=url, qr_img=qr_img_tag(url))
        pdf = html_to_pdf(render_html(path.read_text(encoding="utf-8"), context), path.parent)
    fragments = _fragments(pdf)
    pieces = [f for f in fragments if f["text"] in url and len(f["text"]) > 8]
    assert "".join(p["text"] for p in pieces).endswith(CODE), [f["text"] for f in fragments]
    overlaps = [(piece["text"], other["text"]) for piece in pieces for other in fragments
                if other is not piece and other not in pieces
                and abs(other["y"] - piece["y"]) < max(other["size"], piece["size"])
                and piece["x"] < other["x"] < piece["x"] + piece["width"] - 0.5]
    assert not overlaps, overlaps
