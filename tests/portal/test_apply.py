"""The application wizard: generated from the rules, all or nothing, files checked by content."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from models import Application, ApplicationDraft, Asset, AssetTransfer, StoredFile
from tests.portal.conftest import (PDF_BYTES, PNG_BYTES, count, files_on_disk, kaltim_form, sign_in,
                                   upload)


def test_wizard_is_generated_from_the_rules_in_indonesian(customer):
    client, _ = customer
    page = client.get("/portal/ajukan/kaltim_sipb")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for text in ("Data Pemohon", "Data Perusahaan", "Lokasi", "Komoditas batuan", "Luas wilayah izin",
                 "Peta wilayah izin", "ukuran maksimal 50 MB", "Saya bersedia menerima sanksi",
                 "Simpan sebagai Draf", 'name="location.lat"', "leaflet.js"):
        assert text in html, text


def test_unknown_service_is_404(customer):
    client, _ = customer
    assert client.get("/portal/ajukan/tidak_ada").status_code == 404


def test_anonymous_is_sent_to_login(client):
    response = client.get("/portal/ajukan/kaltim_sipb")
    assert response.status_code == 302 and "/portal/masuk" in response.location


def test_submit_creates_application_with_receipt(app, customer):
    client, user_id = customer
    response = client.post("/portal/ajukan/kaltim_sipb", data=kaltim_form(),
                           content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert "/terkirim" in response.location
    with app.app_context():
        from app.extensions import db
        application = db.session.scalar(select(Application).where(Application.customer_id == user_id))
        assert application.state == "verifikasi" and len(application.receipt) == 6
        assert application.location["coordinates"] == {"lat": -0.402106, "lng": 117.253709}
        assert application.company["name"] == "PT Batu Kaltim"
        app_id, receipt = application.id, application.receipt
    page = client.get(response.location).get_data(as_text=True)
    assert receipt in page and "Cetak Resi" in page
    assert client.get(f"/portal/permohonan/{app_id}/resi").status_code == 200


def test_missing_things_are_reported_on_their_fields(app, customer):
    client, user_id = customer
    form = kaltim_form(**{"f.komoditas": "", "location.lat": "", "location.lng": "", "declaration": ""})
    del form["doc.peta_wilayah"]
    response = client.post("/portal/ajukan/kaltim_sipb", data=form, content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Pernyataan wajib disetujui." in html
    assert 'id="location-coordinates-error"' in html
    assert html.count('class="doc-slot has-error"') == 1
    assert "PT Batu Kaltim" in html          # what was typed stays
    assert count(app, Application) >= 0
    with app.app_context():
        from app.extensions import db
        assert db.session.scalar(select(Application).where(Application.customer_id == user_id)) is None


def _refused(app, client, doc_data: bytes, doc_name: str, expected: str):
    """The refused file is stored nowhere; the four good ones are kept with the draft (a row and
    its bytes each), no application is created."""
    before = (count(app, Application), count(app, StoredFile), files_on_disk(app))
    form = kaltim_form()
    form["doc.ktp_npwp"] = upload(doc_data, doc_name)
    response = client.post("/portal/ajukan/kaltim_sipb", data=form, content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert expected in html
    assert (count(app, Application), count(app, StoredFile), files_on_disk(app)) == \
        (before[0], before[1] + 4, before[2] + 4)
    assert "sudah diunggah: peta_wilayah.pdf" in html and "sudah diunggah: ktp_npwp" not in html


def test_html_disguised_as_pdf_is_refused_and_nothing_stored(app, customer):
    client, _ = customer
    _refused(app, client, b"<html><body>bukan pdf</body></html>", "ktp.pdf", "Isi file bukan jenis yang diizinkan")


def test_path_in_filename_is_refused_and_nothing_stored(app, customer):
    client, _ = customer
    # werkzeug's test client keeps the name as given; a browser could send it too
    _refused(app, client, PDF_BYTES, "../../x.pdf", "Nama file tidak diizinkan.")


def test_oversize_file_is_refused_and_nothing_stored(app, customer):
    client, _ = customer
    before = (count(app, Application), count(app, StoredFile), files_on_disk(app))
    with app.app_context():
        asset_id = _asset(app, customer[1])
    big = PDF_BYTES + b"0" * (10 * 1024 * 1024)
    response = client.post("/portal/ajukan/metrologi_tera", data={
        "asset_id": str(asset_id), "f.jenis_layanan": "tera", "f.jenis_uttp": "timbangan",
        "doc.foto_kondisi": upload(PNG_BYTES, "foto.png"), "doc.surat_permohonan": upload(big, "surat.pdf"),
        "action": "submit"}, content_type="multipart/form-data")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Ukuran file melebihi 10 MB." in html
    # the oversize file is stored nowhere; only the good photo is kept with the draft
    assert (count(app, Application), count(app, StoredFile), files_on_disk(app)) == \
        (before[0], before[1] + 1, before[2] + 1)
    assert "sudah diunggah: foto.png" in html and "sudah diunggah: surat.pdf" not in html


def test_draft_is_saved_and_reloaded(app, customer):
    client, user_id = customer
    response = client.post("/portal/ajukan/kaltim_sipa", data={
        "f.peruntukan": "industri", "f.jumlah_sumur": "2", "location.street": "Jl. Draf 1", "action": "draft"})
    assert response.status_code == 302
    html = client.get("/portal/ajukan/kaltim_sipa").get_data(as_text=True)
    assert "Jl. Draf 1" in html and "dimuat dari draf" in html
    with app.app_context():
        from app.extensions import db
        assert db.session.scalar(select(ApplicationDraft).where(ApplicationDraft.user_id == user_id)) is not None


def test_file_saya_is_reused_in_the_wizard(app, customer):
    client, user_id = customer
    response = client.post("/portal/file-saya", data={"label": "KTP saya", "berkas": upload(PDF_BYTES, "ktp.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    with app.app_context():
        from app.extensions import db
        stored = db.session.scalar(select(StoredFile).where(StoredFile.owner_id == user_id,
                                                            StoredFile.in_library.is_(True)))
        file_id = stored.id
    assert "KTP saya" in client.get("/portal/ajukan/kaltim_sipb").get_data(as_text=True)
    form = kaltim_form()
    del form["doc.ktp_npwp"]
    form["lib.ktp_npwp"] = str(file_id)
    response = client.post("/portal/ajukan/kaltim_sipb", data=form, content_type="multipart/form-data")
    assert response.status_code == 302
    with app.app_context():
        from app.extensions import db
        application = db.session.scalar(select(Application).where(Application.customer_id == user_id))
        names = {f.doc_key: f.file.original_name for f in application.files}
        assert names["ktp_npwp"] == "ktp.pdf"


def test_file_saya_refuses_html_with_a_message(app, customer):
    client, _ = customer
    before = count(app, StoredFile)
    response = client.post("/portal/file-saya", data={"berkas": upload(b"<html></html>", "x.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 422 and "Isi file bukan jenis" in response.get_data(as_text=True)
    assert count(app, StoredFile) == before


def test_bmkg_cart_application_is_sent_on(app, customer):
    client, user_id = customer
    with client.session_transaction() as session:
        session["cart"] = {"bmkg_informasi": [{"code": "INF-MET-01", "quantity": 2}]}
    page = client.get("/portal/ajukan/bmkg_informasi").get_data(as_text=True)
    assert "Rp 170.000" in page
    response = client.post("/portal/ajukan/bmkg_informasi", data={
        "f.keperluan": "komersial", "f.rincian_permohonan": "Stasiun Kemayoran, suhu, Januari 2026",
        "doc.dokumen_permohonan": upload(PDF_BYTES, "permohonan.pdf"), "action": "submit"},
        content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    with app.app_context():
        from app.extensions import db
        application = db.session.scalar(select(Application).where(Application.customer_id == user_id))
        assert application.state == "terkirim"
        assert float(application.total_amount) == 170000
    with client.session_transaction() as session:
        assert "bmkg_informasi" not in session.get("cart", {})


def _asset(app, user_id) -> int:
    from app.extensions import db
    asset = Asset(owner_id=user_id, kind="uttp", name="Timbangan Meja", serial_number="SN-1")
    db.session.add(asset)
    db.session.commit()
    return asset.id


def test_instruments_register_apply_history_and_transfer(app, customer, factories):
    client, user_id = customer
    response = client.post("/portal/alat/baru", data={
        "kind": "uttp", "name": "Timbangan Sentisimal", "brand": "Nagata", "serial_number": "NG-77",
        "capacity": "500 kg", "foto": upload(PNG_BYTES, "alat.png")}, content_type="multipart/form-data")
    assert response.status_code == 302
    asset_id = int(response.location.rstrip("/").split("/")[-1])
    assert client.get(f"/portal/alat/{asset_id}/foto").status_code == 200
    response = client.post("/portal/ajukan/metrologi_tera", data={
        "asset_id": str(asset_id), "f.jenis_layanan": "tera_ulang", "f.jenis_uttp": "timbangan",
        "f.no_skhp_lama": "0123/SKHP/UPTD-MET-BPN/V/2025", "f.tgl_uji_lama": "2025-05-10",
        "f.tgl_skhp_lama": "2025-05-12",
        "doc.foto_kondisi": upload(PNG_BYTES, "kondisi.png"), "doc.surat_permohonan": upload(PDF_BYTES, "surat.pdf"),
        "doc.skhp_lama": upload(PDF_BYTES, "skhp.pdf"), "action": "submit"}, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    history = client.get(f"/portal/alat/{asset_id}").get_data(as_text=True)
    assert "TERA-" in history and "Baru" in history

    other_id, _ = factories.customer("person", email=None)
    with app.app_context():
        from app.extensions import db
        from flask_appbuilder.security.sqla.models import User
        other_email = db.session.get(User, other_id).email
    response = client.post(f"/portal/alat/{asset_id}/alihkan", data={"penerima": other_email, "konfirmasi": "1"})
    assert response.status_code == 302
    assert client.get(f"/portal/alat/{asset_id}").status_code == 404
    with app.app_context():
        from app.extensions import db
        assert db.session.get(Asset, asset_id).owner_id == other_id
        assert db.session.scalar(select(AssetTransfer).where(AssetTransfer.asset_id == asset_id)).from_user_id == user_id
    # the new owner sees the instrument but not the previous owner's applications
    other = sign_in(app.test_client(), other_id)
    page = other.get(f"/portal/alat/{asset_id}").get_data(as_text=True)
    assert "Timbangan Sentisimal" in page and "TERA-" not in page


def test_wizard_validates_each_step_and_ends_with_a_summary(customer):
    """Required inputs are marked for the step check, and the last step holds the summary."""
    import re
    client, _ = customer
    html = client.get("/portal/ajukan/kaltim_sipb").get_data(as_text=True)
    # the step check's messages are in Indonesian, and it sets aria-invalid / aria-describedby
    for text in ("Wajib diisi.", "Pilih berkas untuk dokumen ini.", "aria-invalid", "aria-describedby",
                 "Tentukan titik lokasi pada peta"):
        assert text in html, text
    # required documents and the required coordinates are checked before "Lanjut"
    assert re.search(r'name="doc\.peta_wilayah"[^>]*data-required', html)
    assert re.search(r'name="location\.lat"[^>]*data-required', html)
    assert re.search(r'id="f-komoditas"[^>]*required', html)
    # the summary sits in the last step, next to the submit and draft buttons
    last_step = html[html.index('data-step="kirim"', html.index('<form')):html.index('id="step-nav"')]
    assert 'id="summary"' in last_step and "Ringkasan isian" in last_step
    assert 'value="submit"' in last_step and 'value="draft"' in last_step
    assert "Lanjut" not in last_step


def _draft_rows(app, user_id):
    from app.extensions import db
    with app.app_context():
        draft = db.session.scalar(select(ApplicationDraft).where(ApplicationDraft.user_id == user_id))
        ids = dict((draft.data or {}).get("files") or {}) if draft else {}
        rows = {k: db.session.get(StoredFile, v) for k, v in ids.items()}
        return draft is not None, {k: (r.original_name, r.storage_path, r.owner_id, r.in_library)
                                   for k, r in rows.items() if r is not None}


def test_files_chosen_before_an_error_are_kept_and_used_on_resubmit(app, customer):
    from pathlib import Path
    client, user_id = customer
    before = (count(app, StoredFile), files_on_disk(app))
    form = kaltim_form(**{"f.komoditas": ""})                     # a server-side error elsewhere
    response = client.post("/portal/ajukan/kaltim_sipb", data=form, content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "tidak perlu dipilih ulang" in html
    for key in ("ktp_npwp", "peta_wilayah", "persetujuan_lingkungan", "rencana_penambangan", "bukti_lahan"):
        assert f"sudah diunggah: {key}.pdf" in html and f'name="keep.{key}"' in html
    has_draft, kept = _draft_rows(app, user_id)
    assert has_draft and len(kept) == 5
    assert all(owner == user_id and not in_library for _n, _p, owner, in_library in kept.values())
    # every kept file is a row + its bytes
    root = Path(app.config["UPLOAD_FOLDER"])
    assert all((root / path).is_file() for _n, path, _o, _l in kept.values())
    assert (count(app, StoredFile), files_on_disk(app)) == (before[0] + 5, before[1] + 5)
    # a kept file is no orphan for the sweep
    with app.app_context():
        from app.storage.files import sweep_orphans
        assert sweep_orphans(older_than_minutes=0) == []

    # resubmit without choosing the files again: one replaced, four kept
    again = {k: v for k, v in kaltim_form().items() if not k.startswith("doc.")}
    again.update({f"keep.{k}": "1" for k in kept})
    again["doc.peta_wilayah"] = upload(PDF_BYTES, "peta_baru.pdf")
    response = client.post("/portal/ajukan/kaltim_sipb", data=again, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    with app.app_context():
        from app.extensions import db
        from models import ApplicationFile
        application = db.session.scalar(select(Application).where(Application.customer_id == user_id))
        names = sorted(db.session.get(StoredFile, f.file_id).original_name for f in db.session.scalars(
            select(ApplicationFile).where(ApplicationFile.application_id == application.id)))
    assert names == sorted(["ktp_npwp.pdf", "peta_baru.pdf", "persetujuan_lingkungan.pdf",
                            "rencana_penambangan.pdf", "bukti_lahan.pdf"])
    # the draft and its kept files (rows and bytes) are gone; the application holds its own copies
    assert _draft_rows(app, user_id) == (False, {})
    assert not any((root / path).exists() for _n, path, _o, _l in kept.values())
    assert (count(app, StoredFile), files_on_disk(app)) == (before[0] + 5, before[1] + 5)


def test_deleting_the_draft_removes_its_kept_files(app, customer):
    client, user_id = customer
    before = (count(app, StoredFile), files_on_disk(app))
    form = kaltim_form(action="draft")
    response = client.post("/portal/ajukan/kaltim_sipb", data=form, content_type="multipart/form-data")
    assert response.status_code == 302
    assert _draft_rows(app, user_id)[0] and len(_draft_rows(app, user_id)[1]) == 5
    wizard = client.get("/portal/ajukan/kaltim_sipb").get_data(as_text=True)
    assert "sudah diunggah: bukti_lahan.pdf" in wizard
    # the wizard's link and a POST without the confirmation only ask: nothing is deleted yet
    assert 'href="/portal/ajukan/kaltim_sipb/draf/hapus"' in wizard
    for response in (client.get("/portal/ajukan/kaltim_sipb/draf/hapus"),
                     client.post("/portal/ajukan/kaltim_sipb/draf/hapus"),
                     client.post("/portal/ajukan/kaltim_sipb/draf/hapus", data={"konfirmasi": "0"})):
        page = response.get_data(as_text=True)
        assert response.status_code == 200 and "Hapus draf permohonan?" in page
        assert "bukti_lahan.pdf" in page and 'name="konfirmasi" value="1"' in page
        assert len(_draft_rows(app, user_id)[1]) == 5
    response = client.post("/portal/ajukan/kaltim_sipb/draf/hapus", data={"konfirmasi": "1"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/portal/ajukan/kaltim_sipb")
    assert _draft_rows(app, user_id) == (False, {})
    # nothing left to delete: back to the drafts list
    response = client.get("/portal/ajukan/kaltim_sipb/draf/hapus")
    assert response.status_code == 302 and response.headers["Location"].endswith("/portal/draf")
    assert (count(app, StoredFile), files_on_disk(app)) == before


@pytest.mark.parametrize("keep_value", ["1", "0", "999999", "-1", "../x", "' OR 1=1 --"])
def test_keep_never_takes_another_customers_file(app, customer, factories, keep_value):
    """``keep.<doc>`` only says "use my kept file": no id from the form is looked up, so no
    hostile value can attach another customer's file."""
    client, user_id = customer
    other_id, _username = factories.customer("person")
    other_client = sign_in(app.test_client(), other_id)
    other_client.post("/portal/ajukan/kaltim_sipb", data=kaltim_form(action="draft"),
                      content_type="multipart/form-data")
    assert len(_draft_rows(app, other_id)[1]) == 5
    form = {k: v for k, v in kaltim_form().items() if not k.startswith("doc.")}
    form.update({f"keep.{k}": keep_value for k in ("ktp_npwp", "peta_wilayah", "persetujuan_lingkungan",
                                                   "rencana_penambangan", "bukti_lahan")})
    response = client.post("/portal/ajukan/kaltim_sipb", data=form, content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert html.count("Dokumen wajib diunggah.") == 5
    with app.app_context():
        from app.extensions import db
        assert db.session.scalar(select(Application).where(Application.customer_id == user_id)) is None
    assert len(_draft_rows(app, other_id)[1]) == 5     # the other customer's draft files untouched


def test_province_boundaries_are_valid_geojson_with_the_region_codes():
    """The offline base layer: a small GeoJSON FeatureCollection whose province codes are exactly
    those of the region data the cascading selects use, with its licence beside it."""
    import json
    from pathlib import Path
    static = Path(__file__).resolve().parents[2] / "static" / "portal"
    path = static / "boundaries" / "provinces.geojson"
    assert path.stat().st_size < 2 * 1024 * 1024
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["type"] == "FeatureCollection" and data["features"]
    region_codes = {code for code, _name, _regencies in json.loads((static / "regions" / "index.json").read_text())}
    covered = []
    for feature in data["features"]:
        assert feature["type"] == "Feature"
        props, geometry = feature["properties"], feature["geometry"]
        assert props["code"] in props["codes"] and set(props["codes"]) <= region_codes
        covered += props["codes"]
        assert geometry["type"] in ("Polygon", "MultiPolygon")
        polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
        for polygon in polygons:
            for ring in polygon:
                assert len(ring) >= 4 and ring[0] == ring[-1]          # closed linear rings
                assert all(94 <= x <= 142 and -12 <= y <= 7 for x, y in ring)  # inside Indonesia's extent
    assert sorted(covered) == sorted(region_codes)                   # every province, once
    licence = (static / "boundaries" / "LICENSE").read_text()
    assert "Natural Earth" in licence and "Apache License" in licence


def test_wizard_map_draws_the_boundaries_and_cascades_regions(customer):
    client, _ = customer
    html = client.get("/portal/ajukan/kaltim_sipb").get_data(as_text=True)
    assert 'data-boundaries="/static/portal/boundaries/provinces.geojson"' in html
    assert "portal/map.js" in html and "portal/account.js" in html
    assert 'data-regions="/portal/wilayah"' in html
    assert 'id="location-province" name="location.province" data-region="province"' in html
    assert 'id="map-province"' in html
    assert client.get("/static/portal/boundaries/provinces.geojson").status_code == 200


def test_staff_see_the_pin_on_the_application_page(app, customer, factories):
    from tests.backoffice.conftest import html_login
    client, user_id = customer
    assert client.post("/portal/ajukan/kaltim_sipb", data=kaltim_form(),
                       content_type="multipart/form-data").status_code == 302
    with app.app_context():
        from app.extensions import db
        app_id = db.session.scalar(select(Application.id).where(Application.customer_id == user_id))
    _id, username = factories.staff("kaltim", "verifikator")
    page = html_login(app, username).get(f"/backoffice/permohonan/{app_id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-app-map data-lat="-0.402106" data-lng="117.253709"' in html
    assert "portal/boundaries/provinces.geojson" in html and "portal/map.js" in html
