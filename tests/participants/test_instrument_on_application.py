"""Staff see the instrument applied for (photo through the file routes, data, old SKHP) and keep a
register of instruments and owners scoped to their agency."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from config import DEMO_PASSWORD
from tests.conftest import PDF_BYTES, PNG_BYTES, ApiClient, api_login, sign_in


def staff_html(app, factories, agency, *roles):
    _uid, username = factories.staff(agency, *roles)
    client = app.test_client()
    assert client.post("/login/", data={"username": username, "password": DEMO_PASSWORD}).status_code == 302
    return client


@pytest.fixture(scope="module")
def applied(app, factories):
    """A customer's instrument with a photo, applied for (tera ulang) through the API."""
    from app.extensions import db
    from models import Asset
    user_id, username = factories.customer("company")
    portal = sign_in(app.test_client(), user_id)
    serial = f"SN-REG-{user_id}"
    response = portal.post("/portal/alat/baru", data={
        "kind": "uttp", "name": "Timbangan Jembatan 40 Ton", "brand": "Avery", "model": "WT-40",
        "serial_number": serial, "capacity": "40 ton", "location": "Gudang Kariangau",
        "foto": (io.BytesIO(PNG_BYTES), "timbangan.png")}, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:400]
    with app.app_context():
        asset_id = db.session.scalar(select(Asset.id).where(Asset.serial_number == serial))
    client = app.test_client()
    api = ApiClient(client, api_login(client, username), user_id, username)
    files = {key: (PDF_BYTES, f"{key}.pdf") for key in
             ("foto_kondisi", "surat_permohonan", "skhp_lama", "data_teknis_uttp", "pernyataan_tera_di_tempat")}
    files["foto_kondisi"] = (PNG_BYTES, "kondisi.png")
    created = api.create("metrologi_tera", files=files, asset_id=asset_id, declaration=True, fields={
        "jenis_layanan": "tera_ulang", "jenis_uttp": "timbangan_jembatan", "no_skhp_lama": "0042/SKHP/2025",
        "tgl_uji_lama": "2025-03-01", "tgl_skhp_lama": "2025-03-03"})
    assert created.status_code == 201, created.get_json()
    return {"app_id": created.get_json()["result"]["id"], "asset_id": asset_id, "serial": serial}


def test_staff_see_the_instrument_with_its_photo_and_old_skhp(app, factories, applied):
    staff = staff_html(app, factories, "metrologi", "admin_metrologi")
    page = staff.get(f"/backoffice/permohonan/{applied['app_id']}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    panel = html.split('id="asset-panel"', 1)[1].split('class="panel panel-default"', 1)[0]
    for text in ("Timbangan Jembatan 40 Ton", "Avery", "WT-40", applied["serial"], "40 ton", "0042/SKHP/2025",
                 "File SKHP lama", "Timbangan Jembatan"):
        assert text in panel, text
    src = panel.split('id="asset-photo"', 1)[0].rsplit('<img src="', 1)[1].split('"', 1)[0]
    assert src.startswith("/pratinjau/berkas/")
    photo = staff.get(src)
    assert photo.status_code == 200 and photo.mimetype == "image/png"
    assert photo.get_data().startswith(b"\x89PNG")   # re-encoded on upload (metadata stripped)


def test_other_agency_staff_cannot_open_the_photo(app, factories, applied):
    staff = staff_html(app, factories, "metrologi", "admin_metrologi")
    html = staff.get(f"/backoffice/permohonan/{applied['app_id']}").get_data(as_text=True)
    src = html.split('id="asset-photo"', 1)[0].rsplit('<img src="', 1)[1].split('"', 1)[0]
    outsider = staff_html(app, factories, "melasti")
    assert outsider.get(src).status_code == 404


@pytest.mark.parametrize("agency, roles, sees", [
    ("metrologi", ("admin_metrologi",), True),
    ("metrologi", ("penera",), True),
    ("melasti", ("admin_metrologi",), False),   # a role with the permission, at another agency
    ("metrologi", (), None),                    # staff without any role: no permission at all
])
def test_instrument_register_is_scoped_to_the_agency(app, factories, applied, agency, roles, sees):
    staff = staff_html(app, factories, agency, *roles)
    response = staff.get(f"/backoffice/register-alat/list/?_flt_2_serial_number={applied['serial']}")
    shown = staff.get(f"/backoffice/register-alat/show/{applied['asset_id']}")
    if sees is None:
        assert response.status_code == 403 and shown.status_code == 403
        return
    assert response.status_code == 200
    # the serial is echoed in the search box: look for the instrument's name and brand instead
    assert ("Timbangan Jembatan 40 Ton" in response.get_data(as_text=True)) is sees
    assert (shown.status_code == 200 and "Timbangan Jembatan 40 Ton" in shown.get_data(as_text=True)) is sees
    if not sees:
        assert shown.status_code == 404
    owners = staff.get("/backoffice/register-peserta/list/")
    assert owners.status_code == 200


def test_customers_have_no_instrument_register(app, factories, applied):
    from app.extensions import db
    from models import Application
    with app.app_context():
        owner = db.session.get(Application, applied["app_id"]).customer_id
    customer = sign_in(app.test_client(), owner)
    for path in ("/backoffice/register-alat/list/", "/backoffice/register-peserta/list/",
                 "/backoffice/pendaftaran-pemilik/"):
        response = customer.get(path)
        assert response.status_code in (302, 403)
        assert applied["serial"] not in response.get_data(as_text=True)
