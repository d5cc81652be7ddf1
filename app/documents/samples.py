"""A made-up application to render templates with: validates an uploaded template before it is
accepted (it must render to a PDF and carry the verification link), and feeds previews."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from app.documents.produce import file_template
from app.documents.qr import qr_img_tag
from app.documents.render import RenderError, render_html, html_to_pdf
from app.commands.rules.state import rules_state

SAMPLE_CODE = "CONTOH-VERIFIKASI"


def sample_context(doc_key: str, rules_data: dict) -> dict:
    spec = rules_data.get("documents", {}).get(doc_key, {})
    url = f"https://contoh.satupintu.local/verify/{SAMPLE_CODE}"
    cart = [{"code": "C-01", "name": "Layanan Contoh Pertama", "unit": "per dokumen", "qty": 2,
             "price": Decimal("150000"), "amount": Decimal("300000"), "note": ""},
            {"code": "C-02", "name": "Layanan Contoh Kedua", "unit": "per lokasi", "qty": 1,
             "price": Decimal("85000"), "amount": Decimal("85000"), "note": ""}]
    from app.workflow.fields import label_text
    label = label_text(spec.get("label")) or doc_key
    return {
        "agency": {"name": "Instansi Contoh", "short_name": "PTSP Contoh", "code": "CTH",
                   "address": "Jl. Contoh No. 1, Jakarta 10110", "phone": "(021) 1234567",
                   "email": "ptsp@contoh.go.id",
                   "bank_accounts": [{"bank": "BRI", "number": "0123-01-000123-30-1", "holder": "RPL Contoh PNBP"}]},
        "document": {"number": "CONTOH/0001/XI/2026", "label": label.get("id") if isinstance(label, dict) else label,
                     "kind": spec.get("kind", "other"), "date": "23 November 2026", "signed": bool(spec.get("signed"))},
        "customer": {"name": "Budi Santoso"},
        "service": {"name": "Layanan Contoh", "code": "LC"},
        "app": {"id": 1, "number": "CTH-202611-00001", "receipt": "6F632D", "created_at": "20 November 2026",
                "request_kind": "baru", "request_kind_label": "Baru",
                "company": {"name": "PT Contoh Sejahtera", "nib": "1234567890123", "npwp": "0012345678901000",
                            "address": "Jl. Industri No. 2"},
                "location": {"street": "Jl. Lokasi No. 3", "rt_rw": "001/002", "village": "Kelurahan Contoh",
                             "district": "Kecamatan Contoh", "regency": "Kota Contoh", "province": "Provinsi Contoh",
                             "coordinates": {"lat": -6.2, "lng": 106.8}},
                "numbers": {"order_id": "ORD/0001", "sample_id": "SPL-0001", "lhu": "LHU-0001"},
                "data": {"keterangan": "Contoh isian"}, "cart": cart, "total": Decimal("385000")},
        "details": [{"label": "Keterangan", "value": "Contoh isian"}],
        "payment": {"reference": "REF-0001", "paid_on": "2026-11-21", "bank": "BRI 0123 a.n. RPL Contoh",
                    "amount": Decimal("385000"), "amount_due": Decimal("385000"),
                    "amount_received": Decimal("385000"), "shortfall": Decimal(0), "received_recorded": True,
                    "bank_reference": "REF-0001", "customer_reference": "", "ntpn": "0A1B2C3D4E5F6G7H",
                    "billing_code": "820261121000001"},
        "invoice": {"billing_code": "820261121000001", "amount": Decimal("385000"), "due": "28 November 2026 23:59"},
        "validity": {"from": "21 November 2026", "until": "20 November 2031", "period": "5 tahun",
                     "until_date": None},
        "results": [{"name": "Hasil layanan (PDF)"}],
        "asset": {"name": "Timbangan Meja", "brand": "Contoh", "model": "T-20", "serial": "SN-0001", "capacity": "20 kg"},
        "values": {"tanggal_pelaksanaan": "2026-11-22", "tanda_tera": "SAH 26", "berlaku_sampai": "2027-11-22"},
        "work_items": {"label": "Parameter Uji",
                       "columns": [{"key": "hasil", "label": "Hasil uji"}, {"key": "satuan", "label": "Satuan"},
                                   {"key": "metode", "label": "Metode uji"},
                                   {"key": "persyaratan", "label": "Persyaratan / batas"},
                                   {"key": "kesesuaian", "label": "Kesesuaian"}],
                       "rows": [{"no": 1, "code": "C-01", "name": "Layanan Contoh Pertama", "status": "validated",
                                 "validated": True,
                                 "values": {"hasil": "12,5", "satuan": "%", "metode": "SNI 0000:2020",
                                            "persyaratan": "maks. 14", "kesesuaian": "Memenuhi"}}]},
        "action_dates": {},
        "signatory": {"name": "Dr. Contoh Pejabat, M.Si.", "nip": "197001012000031001", "title": "Kepala Instansi Contoh"},
        "qr_img": qr_img_tag(url),
        "verify_url": url,
    }


def validate_template(doc_key: str, source: str) -> bytes:
    """The sample PDF of ``source``; RenderError when it does not render or lacks the
    verification link (every issued document must carry it)."""
    rules = rules_state().file_rules
    if doc_key not in rules.data.get("documents", {}):
        raise RenderError(f"dokumen {doc_key!r} tidak ada di aturan")
    context = sample_context(doc_key, rules.data)
    html = render_html(source, context)
    if context["verify_url"] not in html:
        raise RenderError("templat harus memuat {{ verify_url }} dan {{ qr_img }} (tautan verifikasi)")
    base_dir: Path = file_template(rules, doc_key).parent
    return html_to_pdf(html, base_dir)
