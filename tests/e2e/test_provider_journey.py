"""Metrologi's equipment provider in headless Chromium: adds a customer by NPWP, registers them as
an owner, the agency's admin approves on the back office, the provider transfers an instrument and
releases the customer; the new owner applies and staff see the instrument on the application."""
from __future__ import annotations

import io
import json

from sqlalchemy import select

from config import DEMO_PASSWORD
from tests.e2e.helpers import PDF, PNG, off_loop, png, portal_login, staff_login, verified_customer


def _make_provider(app, factories) -> tuple[int, str]:
    from app.commands.providers import set_participant_group
    from app.extensions import db
    from models import Agency
    user_id, username = verified_customer(app, factories, "company")
    with app.app_context():
        agency_id = db.session.scalar(select(Agency.id).where(Agency.key == "metrologi"))
        set_participant_group(user_id, agency_id, "penyedia")
        db.session.commit()
    return user_id, username


def _desk(browser, live_server, username):
    desk = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900}).new_page()
    staff_login(desk, username)
    return desk


def _apply_as(app, username, asset_id) -> int:
    from tests.conftest import api_login
    client = app.test_client()
    token = api_login(client, username)
    body = {"service": "metrologi_tera", "asset_id": asset_id, "declaration": True,
            "fields": {"jenis_layanan": "tera_ulang", "jenis_uttp": "pompa_ukur_bbm",
                       "no_skhp_lama": "0099/SKHP/UPTD-MET-BPN/III/2025", "tgl_uji_lama": "2025-03-10",
                       "tgl_skhp_lama": "2025-03-11"}}
    data = {"payload": json.dumps(body), "foto_kondisi": (io.BytesIO(PNG), "kondisi.png")}
    for key in ("surat_permohonan", "skhp_lama", "data_teknis_uttp", "pernyataan_tera_di_tempat"):
        data[key] = (io.BytesIO(PDF), f"{key}.pdf")
    response = client.post("/api/v1/application/", data=data, headers={"Authorization": f"Bearer {token}"},
                           content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()
    return response.get_json()["result"]["id"]


def test_provider_adds_registers_transfers_and_releases(page, app, factories, browser, live_server, deliver):
    from app.extensions import appbuilder, db
    from models import Asset, ProviderCustomer
    shot = page.shot
    provider_id, provider_name = _make_provider(app, factories)
    portal_login(page, provider_name)

    # the provider's instrument, with its photo
    page.goto("/portal/alat/baru")
    page.fill("#name", "Pompa Ukur BBM Dispenser 2")
    page.fill("#brand", "Tatsuno")
    page.fill("#model", "Sunny FA")
    page.fill("#serial_number", "TS-2024-0042")
    page.fill("#capacity", "60 L/menit")
    page.set_input_files("#foto", png("pompa.png"))
    page.click("#asset-form button[type=submit]")
    page.wait_for_load_state()
    page.goto("/portal/alat")
    page.click("#my-customers")
    page.wait_for_load_state()
    shot("daftar-pelanggan-kosong")

    # add a customer: a malformed NPWP is refused on the field, then "Cek" with a new one
    page.click("#add-customer")
    page.fill("#npwp", "12.345")
    page.click("#check-npwp")
    page.wait_for_load_state()
    assert "NPWP harus 15 atau 16 digit angka." in page.inner_text("#npwp-error")
    shot("npwp-salah")
    page.fill("#npwp", "02.345.678.9-012.000")
    page.click("#check-npwp")
    page.wait_for_load_state()
    assert page.locator("#npwp-new").count() == 1
    page.fill("#name", "SPBU 64.761.01 Sepinggan")
    page.fill("#address", "Jl. Marsma R. Iswahyudi No. 5, Balikpapan")
    page.fill("#phone", "0812 5550 1234")
    shot("tambah-pelanggan")
    page.click("#save-customer")
    page.wait_for_load_state()
    assert "SPBU 64.761.01 Sepinggan" in page.inner_text("h1")

    # register as owner with the PIC
    page.fill("#pic_name", "Hendra Wijaya")
    with app.app_context():
        pic_nik = factories._nik()
    page.fill("#pic_nik", pic_nik)
    page.fill("#pic_email", "hendra.spbu@example.test")
    page.fill("#pic_phone", "0812 5550 7788")
    page.click("#register-owner")
    page.wait_for_load_state()
    assert "Menunggu persetujuan admin" in page.inner_text("h1")
    shot("menunggu-persetujuan")

    # the agency's admin approves on the back office
    _sid, admin_name = factories.staff("metrologi", "admin_metrologi")
    desk = _desk(browser, live_server, admin_name)
    desk.goto("/backoffice/pendaftaran-pemilik/")
    assert "SPBU 64.761.01 Sepinggan" in desk.inner_text("#owner-registrations")
    desk.screenshot(path=str(shot.dir / "50-admin-pendaftaran-pemilik.png"), full_page=True)
    desk.fill("#owner-registrations input[name=note]", "Data NPWP dan PIC sesuai")
    desk.click("#owner-registrations button[value=setujui]")
    desk.wait_for_load_state()
    assert "terdaftar sebagai pemilik alat" in desk.inner_text("body")
    desk.screenshot(path=str(shot.dir / "51-admin-disetujui.png"), full_page=True)
    deliver()

    # transfer the instrument, then release the customer
    page.reload()
    assert "Terdaftar sebagai pemilik" in page.inner_text("h1")
    page.select_option("#asset_id", label="Pompa Ukur BBM Dispenser 2 · TS-2024-0042")
    page.check("#konfirmasi")
    shot("alihkan-alat")
    page.click("#transfer-asset")
    page.wait_for_load_state()
    assert "Pompa Ukur BBM Dispenser 2" in page.inner_text("#customer-assets")
    shot("alat-dialihkan")
    page.on("dialog", lambda dialog: dialog.accept())
    page.click("#release-customer")
    page.wait_for_load_state()
    assert "SPBU 64.761.01 Sepinggan" not in page.inner_text("#customers")
    shot("pelanggan-dilepas")
    with app.app_context():
        row = db.session.scalar(select(ProviderCustomer).where(ProviderCustomer.provider_id == provider_id))
        owner_id = row.customer_user_id
        asset = db.session.scalar(select(Asset).where(Asset.serial_number == "TS-2024-0042"))
        assert row.status == "dilepas" and asset.owner_id == owner_id
        owner = db.session.get(appbuilder.sm.user_model, owner_id)
        appbuilder.sm.reset_password(owner_id, DEMO_PASSWORD)
        owner_name, asset_id = owner.username, asset.id

    # the new owner applies for the instrument; staff see it, with its photo, on the application
    app_id = off_loop(_apply_as, app, owner_name, asset_id)
    desk.goto(f"/backoffice/permohonan/{app_id}")
    panel = desk.locator("#asset-panel")
    for text in ("Pompa Ukur BBM Dispenser 2", "Tatsuno", "Sunny FA", "TS-2024-0042", "60 L/menit",
                 "0099/SKHP/UPTD-MET-BPN/III/2025", "File SKHP lama"):
        assert text in panel.inner_text(), text
    assert desk.evaluate("document.getElementById('asset-photo').naturalWidth") > 0
    panel.scroll_into_view_if_needed()
    desk.screenshot(path=str(shot.dir / "60-petugas-alat-pada-permohonan.png"), full_page=False)
    desk.goto("/backoffice/register-alat/list/")
    assert "TS-2024-0042" in desk.inner_text("body")
    desk.screenshot(path=str(shot.dir / "61-register-alat.png"), full_page=True)
    desk.context.close()
    assert not page.js_errors, page.js_errors
