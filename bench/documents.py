"""Milliseconds per page for every generated document type, next to a bare xhtml2pdf render of
the same HTML (no bundled font, no resource policy, no QR/context work, no signature).

Needs the demo data (`make demo`). Usage:
    .venv/bin/python bench/documents.py [--runs 5] [--out DIR]   # DIR gets each PDF and a PNG of it
"""
from __future__ import annotations

import argparse
import io
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def pages(pdf: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()

    from sqlalchemy import select
    from xhtml2pdf import pisa

    from app import create_app
    from app.documents.context import document_context
    from app.documents.produce import SigningKey, render_document, template_source
    from app.documents.render import render_html
    from app.extensions import db
    from app.commands.rules.state import rules_state
    from app.documents.signing import unlock_private_key
    from config import DEMO_PASSWORD
    from models import GeneratedDocument, Signatory

    app = create_app(os.environ.get("SATUPINTU_CONFIG", "config.Config"))
    rows = []
    with app.app_context():
        keys = rules_state().file_rules.data["documents"]
        for key in keys:
            doc = db.session.scalar(select(GeneratedDocument).where(GeneratedDocument.doc_key == key)
                                    .order_by(GeneratedDocument.id).limit(1))
            if doc is None:
                print(f"{key}: no demo document (run `make demo`)", file=sys.stderr)
                continue
            rules = rules_state().rules_for(doc.application.rules_version_id)
            signing = None
            if doc.signed and doc.signatory_id:
                signatory = db.session.get(Signatory, doc.signatory_id)
                signing = SigningKey(signatory, unlock_private_key(signatory, DEMO_PASSWORD))
            ours, bare = [], []
            pdf = b""
            for _ in range(args.runs):
                start = time.perf_counter()
                pdf = render_document(doc, signing)
                ours.append(time.perf_counter() - start)
                html = render_html(template_source(rules, key).source, document_context(doc, rules.data))
                start = time.perf_counter()
                pisa.CreatePDF(html, dest=io.BytesIO())
                bare.append(time.perf_counter() - start)
            n = pages(pdf)
            rows.append((key, doc.kind, n, statistics.median(ours) * 1000 / n,
                         statistics.median(bare) * 1000 / n, bool(signing)))
            if args.out:
                args.out.mkdir(parents=True, exist_ok=True)
                target = args.out / f"{key}.pdf"
                target.write_bytes(pdf)
                subprocess.run(["pdftoppm", "-png", "-r", "70", str(target), str(args.out / key)], check=False)
    print(f"{'document':<16} {'kind':<13} {'pages':>5} {'ms/page':>9} {'bare ms/page':>13}  signed")
    for key, kind, n, ours, bare, signed in rows:
        print(f"{key:<16} {kind:<13} {n:>5} {ours:>9.1f} {bare:>13.1f}  {'yes' if signed else 'no'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
