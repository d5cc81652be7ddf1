"""Documents required only when their condition holds (the old SKHP for tera ulang, the extra
documents of special instruments): the wizard and the edit page apply the same rule."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from app.workflow.fields import missing_documents
from tests.conftest import PDF_BYTES, PNG_BYTES, sign_in


def _spec(app):
    return app.extensions["satupintu.rules"].file_rules.data["services"]["metrologi_tera"]


@pytest.mark.parametrize("data, missing", [
    ({"jenis_layanan": "tera", "jenis_uttp": "timbangan"}, {"persetujuan_tipe"}),
    ({"jenis_layanan": "tera_ulang", "jenis_uttp": "timbangan"}, {"skhp_lama"}),
    ({"jenis_layanan": "tera_ulang", "jenis_uttp": "pompa_ukur_bbm"},
     {"skhp_lama", "data_teknis_uttp", "pernyataan_tera_di_tempat"}),
    ({"jenis_layanan": "tera_ulang", "jenis_uttp": "tangki_ukur_mobil"},
     {"skhp_lama", "data_teknis_uttp", "pernyataan_tera_di_tempat", "stnk_tangki"}),
])
def test_the_one_rule(app, data, missing):
    present = {"foto_kondisi", "surat_permohonan"}
    assert {d["key"] for d in missing_documents(_spec(app), data, present)} == missing


def _upload(data, name):
    return (io.BytesIO(data), name)


@pytest.fixture
def applicant(app, factories):
    from app.extensions import db
    from models import Asset
    user_id, _u = factories.customer("person")
    with app.app_context():
        asset = Asset(owner_id=user_id, kind="uttp", name="Timbangan Meja", serial_number=f"TM-{user_id}")
        db.session.add(asset)
        db.session.commit()
        asset_id = asset.id
    return sign_in(app.test_client(), user_id), user_id, asset_id


def _wizard(client, asset_id, layanan, uttp, **docs):
    data = {"asset_id": str(asset_id), "action": "submit", "f.jenis_layanan": layanan, "f.jenis_uttp": uttp,
            "doc.foto_kondisi": _upload(PNG_BYTES, "foto.png"), "doc.surat_permohonan": _upload(PDF_BYTES, "surat.pdf")}
    if layanan == "tera_ulang":
        data.update({"f.no_skhp_lama": "0001/SKHP/2025", "f.tgl_uji_lama": "2025-03-01", "f.tgl_skhp_lama": "2025-03-02"})
    data.update({f"doc.{k}": _upload(PDF_BYTES, f"{k}.pdf") for k in docs})
    return client.post("/portal/ajukan/metrologi_tera", data=data, content_type="multipart/form-data")


@pytest.mark.parametrize("layanan, uttp, given, refused", [
    ("tera", "timbangan", ["persetujuan_tipe"], []),
    ("tera", "pompa_ukur_bbm", ["persetujuan_tipe"], ["data_teknis_uttp", "pernyataan_tera_di_tempat"]),
    ("tera_ulang", "timbangan", [], ["skhp_lama"]),
    ("tera_ulang", "timbangan", ["skhp_lama"], []),
])
def test_wizard_asks_only_for_the_documents_that_apply(app, applicant, layanan, uttp, given, refused):
    client, _uid, asset_id = applicant
    response = _wizard(client, asset_id, layanan, uttp, **{k: 1 for k in given})
    html = response.get_data(as_text=True)
    if refused:
        assert response.status_code == 422
        for key in refused:
            assert "Dokumen wajib diunggah." in html.split(f'name="doc.{key}"', 1)[0].rsplit('class="doc-slot', 1)[1] \
                or "Dokumen wajib diunggah." in html.split(f'name="doc.{key}"', 1)[1][:1200]
    else:
        assert response.status_code == 302, html[:500]


def _edit_page(client, app, user_id):
    from app.extensions import db
    from models import Application
    with app.app_context():
        app_id = db.session.scalar(select(Application.id).where(Application.customer_id == user_id)
                                   .order_by(Application.id.desc()))
    return app_id, f"/portal/permohonan/{app_id}/revisi/ubah_pengajuan"


def test_edit_page_uses_the_same_rule(app, applicant):
    from app.extensions import db
    from models import Application
    client, user_id, asset_id = applicant
    assert _wizard(client, asset_id, "tera", "timbangan", persetujuan_tipe=1).status_code == 302
    app_id, url = _edit_page(client, app, user_id)
    page = client.get(url)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    # the documents that do not apply are hidden (and shown by the page's script when they do)
    slot = html.split('id="slot-skhp_lama"', 1)[1].split(">", 1)[0]
    assert "hidden" in slot and "data-show-if" in slot
    assert "hidden" not in html.split('id="slot-persetujuan_tipe"', 1)[1].split(">", 1)[0]
    # switching to tera ulang without the old SKHP: refused on that document, nothing changed
    form = {"f.jenis_layanan": "tera_ulang", "f.jenis_uttp": "timbangan", "f.no_skhp_lama": "0001/SKHP/2025",
            "f.tgl_uji_lama": "2025-03-01", "f.tgl_skhp_lama": "2025-03-02", "declaration": "1"}
    refused = client.post(url, data=form, content_type="multipart/form-data")
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422
    slot = body.split('id="slot-skhp_lama"', 1)[1].split("</div>", 1)[0]
    assert "Dokumen wajib diunggah." in slot
    assert "Dokumen wajib diunggah." not in body.split('id="slot-persetujuan_tipe"', 1)[1].split("</div>", 1)[0]
    with app.app_context():
        assert db.session.get(Application, app_id).data["jenis_layanan"] == "tera"
    # with the old SKHP it is saved
    form["doc.skhp_lama"] = _upload(PDF_BYTES, "skhp.pdf")
    saved = client.post(url, data=form, content_type="multipart/form-data")
    assert saved.status_code == 302, saved.get_data(as_text=True)[:600]
    with app.app_context():
        assert db.session.get(Application, app_id).data["jenis_layanan"] == "tera_ulang"


def test_edit_page_keeps_asking_nothing_that_does_not_apply(app, applicant):
    client, user_id, asset_id = applicant
    assert _wizard(client, asset_id, "tera", "timbangan", persetujuan_tipe=1).status_code == 302
    _app_id, url = _edit_page(client, app, user_id)
    form = {"f.jenis_layanan": "tera", "f.jenis_uttp": "timbangan", "f.keterangan": "ubah keterangan",
            "declaration": "1"}
    assert client.post(url, data=form, content_type="multipart/form-data").status_code == 302
