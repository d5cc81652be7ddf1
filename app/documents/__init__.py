"""Generated documents: HTML templates rendered to PDF (xhtml2pdf, a bundled font, a QR code to
``/verify/<code>``), signed with PAdES (pyHanko) when the rules say so, and verified again later.

Rendering renderers are a registry keyed by name (``RENDERERS``); the shipped one is ``xhtml2pdf``.
"""
from app.documents.produce import DocumentError, produce_document  # noqa: F401
