"""Equipment providers (rules: participant_groups with manages_customers) manage their customers:
add by NPWP, register as owner (an approver of the agency decides), transfer an instrument, release."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from config import DEMO_PASSWORD
from tests.conftest import sign_in

NPWP_15 = "01.234.567.8-901.000"        # canonical: 0012345678901000


def _agency_id(app, key="metrologi"):
    from app.extensions import db
    from models import Agency
    with app.app_context():
        return db.session.scalar(select(Agency.id).where(Agency.key == key))


def make_provider(app, factories, group="penyedia", agency="metrologi"):
    from app.commands.providers import set_participant_group
    from app.extensions import db
    user_id, username = factories.customer("company")
    with app.app_context():
        set_participant_group(user_id, _agency_id(app, agency), group)
        db.session.commit()
    return sign_in(app.test_client(), user_id), user_id


def make_asset(app, owner_id, name="Pompa Ukur BBM Dispenser 1"):
    from app.extensions import db
    from models import Asset
    with app.app_context():
        asset = Asset(owner_id=owner_id, kind="uttp", name=name, brand="Tatsuno", model="SUNNY",
                      serial_number=f"SN-{owner_id}", capacity="60 L/menit")
        db.session.add(asset)
        db.session.commit()
        return asset.id


def staff_html(app, factories, agency, *roles):
    _uid, username = factories.staff(agency, *roles)
    client = app.test_client()
    assert client.post("/login/", data={"username": username, "password": DEMO_PASSWORD}).status_code == 302
    return client


def add_customer(client, npwp, **values):
    data = {"npwp": npwp, "langkah": "daftarkan", **values}
    return client.post("/portal/pelanggan/tambah", data=data)


def customer_row(app, provider_id, npwp):
    from app.extensions import db
    from models import ProviderCustomer
    with app.app_context():
        row = db.session.scalar(select(ProviderCustomer).where(ProviderCustomer.provider_id == provider_id,
                                                               ProviderCustomer.npwp == npwp))
        db.session.expunge_all()
        return row


def unique_npwp(seed: int) -> str:
    return f"9{seed:015d}"[-16:]


_seq = iter(range(10_000, 99_999))


def fresh_npwp() -> str:
    return unique_npwp(next(_seq) * 7919)


def test_provider_journey_add_register_approve_transfer_release(app, factories):
    from app.extensions import db
    from models import Asset, AssetTransfer, CustomerProfile, OutboxMessage, Participant
    provider, provider_id = make_provider(app, factories)
    npwp = fresh_npwp()
    # "Cek": an unknown NPWP asks for the customer's data
    page = provider.post("/portal/pelanggan/tambah", data={"npwp": npwp, "langkah": "cek"})
    assert page.status_code == 200 and 'id="npwp-new"' in page.get_data(as_text=True)
    response = add_customer(provider, npwp, name="CV Sumber Timbang", address="Jl. Minyak 2", phone="081255501234")
    assert response.status_code == 302
    row = customer_row(app, provider_id, npwp)
    assert row.status == "aktif" and row.customer_user_id is None and row.name == "CV Sumber Timbang"
    listing = provider.get("/portal/pelanggan").get_data(as_text=True)
    assert "CV Sumber Timbang" in listing
    # transferring before the customer has an account is refused on the field
    asset_id = make_asset(app, provider_id)
    refused = provider.post(f"/portal/pelanggan/{row.id}/alihkan", data={"asset_id": asset_id, "konfirmasi": "1"})
    assert refused.status_code == 422 and "belum memiliki akun" in refused.get_data(as_text=True)
    # register as owner with the PIC
    pic_nik = factories._nik()
    response = provider.post(f"/portal/pelanggan/{row.id}/daftarkan", data={
        "pic_name": "Rina Setyawati", "pic_nik": pic_nik, "pic_email": f"rina{row.id}@example.test",
        "pic_phone": "0812 5550 9876"})
    assert response.status_code == 302
    assert customer_row(app, provider_id, npwp).status == "menunggu"
    # the agency's approver sees and approves it on the back office
    admin = staff_html(app, factories, "metrologi", "admin_metrologi")
    screen = admin.get("/backoffice/pendaftaran-pemilik/")
    assert screen.status_code == 200 and "CV Sumber Timbang" in screen.get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', screen.get_data(as_text=True))
    data = {"keputusan": "setujui", "note": "Data sesuai"}
    if token:
        data["csrf_token"] = token.group(1)
    assert admin.post(f"/backoffice/pendaftaran-pemilik/{row.id}/putuskan", data=data).status_code == 302
    row = customer_row(app, provider_id, npwp)
    assert row.status == "pemilik" and row.customer_user_id and row.decided_by_id
    assert [h["action"] for h in row.history] == ["tambah", "daftarkan_pemilik", "setujui_pemilik"]
    with app.app_context():
        profile = db.session.scalar(select(CustomerProfile).where(CustomerProfile.user_id == row.customer_user_id))
        assert profile.nik == pic_nik and profile.organisation_npwp == npwp
        assert db.session.scalar(select(Participant.group_key).where(
            Participant.user_id == row.customer_user_id)) == "pemilik"
        mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.recipient_id == row.customer_user_id,
                                                            OutboxMessage.template == "owner_registered"))
        assert mail is not None and "Lupa Kata Sandi" in mail.payload["body"]
    # transfer the instrument to the new owner (the same AssetTransfer record as a customer's transfer)
    response = provider.post(f"/portal/pelanggan/{row.id}/alihkan", data={"asset_id": asset_id, "konfirmasi": "1"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Asset, asset_id).owner_id == row.customer_user_id
        moved = db.session.scalar(select(AssetTransfer).where(AssetTransfer.asset_id == asset_id))
        assert (moved.from_user_id, moved.to_user_id) == (provider_id, row.customer_user_id)
    # release: gone from the list, the owner keeps the instrument
    assert provider.post(f"/portal/pelanggan/{row.id}/lepas").status_code == 302
    assert customer_row(app, provider_id, npwp).status == "dilepas"
    listing = provider.get("/portal/pelanggan").get_data(as_text=True)
    assert "CV Sumber Timbang" not in listing.split('id="customers"', 1)[1]


def test_npwp_lookup_finds_a_registered_customer_and_links_them(app, factories):
    from app.extensions import db
    from models import CustomerProfile
    provider, provider_id = make_provider(app, factories)
    holder_id, holder_name = factories.customer("company")
    npwp = fresh_npwp()
    with app.app_context():
        profile = db.session.scalar(select(CustomerProfile).where(CustomerProfile.user_id == holder_id))
        profile.organisation_npwp = npwp
        profile.organisation_name = "PT Pelanggan Terdaftar"
        db.session.commit()
    # typed in the 15-digit dotted form when the stored one is 16 digits: still found
    dotted = f"{npwp[1:3]}.{npwp[3:6]}.{npwp[6:9]}.{npwp[9]}-{npwp[10:13]}.{npwp[13:]}" if npwp[0] == "0" else npwp
    page = provider.post("/portal/pelanggan/tambah", data={"npwp": dotted, "langkah": "cek"}).get_data(as_text=True)
    assert 'id="npwp-found"' in page and "PT Pelanggan Terdaftar" in page
    assert f"{holder_name}@" not in page and "081234567890" not in page   # the holder's contacts stay private
    assert add_customer(provider, npwp).status_code == 302
    row = customer_row(app, provider_id, npwp)
    assert row.customer_user_id == holder_id and row.name == "PT Pelanggan Terdaftar"


def test_fifteen_digit_npwp_is_stored_canonical(app, factories):
    provider, provider_id = make_provider(app, factories)
    assert add_customer(provider, NPWP_15, name="UD Lima Belas").status_code == 302
    assert customer_row(app, provider_id, "0012345678901000").name == "UD Lima Belas"


@pytest.mark.parametrize("npwp, name, field, message", [
    ("12345", "X", "npwp", "NPWP harus 15 atau 16 digit angka."),
    ("01.234.567.8-901.00A", "X", "npwp", "NPWP harus 15 atau 16 digit angka."),
    ("", "X", "npwp", "NPWP wajib diisi."),
    ("9876543210987654", "", "name", "Wajib diisi."),
    ("9876543210987655", "X" * 300, "name", "Isian terlalu panjang."),
])
def test_add_customer_refuses_bad_input_on_the_field(app, factories, npwp, name, field, message):
    from models import ProviderCustomer
    from tests.portal.conftest import count
    provider, _pid = make_provider(app, factories)
    before = count(app, ProviderCustomer)
    response = add_customer(provider, npwp, name=name)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="{field}-error"' in html and message in html.split(f'id="{field}-error"', 1)[1][:200]
    assert count(app, ProviderCustomer) == before


def test_duplicate_npwp_in_the_same_list_is_refused(app, factories):
    provider, _pid = make_provider(app, factories)
    npwp = fresh_npwp()
    assert add_customer(provider, npwp, name="A").status_code == 302
    again = add_customer(provider, npwp, name="A")
    assert again.status_code == 422 and "sudah ada dalam daftar Anda" in again.get_data(as_text=True)


@pytest.mark.parametrize("who", ["other_provider", "plain_customer", "owner_group", "other_agency_provider",
                                 "anonymous"])
def test_nobody_else_reaches_a_providers_customer(app, factories, who):
    from app.extensions import db
    from models import ProviderCustomer
    provider, provider_id = make_provider(app, factories)
    npwp = fresh_npwp()
    add_customer(provider, npwp, name="CV Rahasia")
    row = customer_row(app, provider_id, npwp)
    asset_id = make_asset(app, provider_id)
    if who == "other_provider":
        client, _ = make_provider(app, factories)
    elif who == "plain_customer":
        client = sign_in(app.test_client(), factories.customer("person")[0])
    elif who == "owner_group":
        client, _ = make_provider(app, factories, group="pemilik")
    elif who == "other_agency_provider":
        # a participant row at another agency, whose rules declare no such group
        client, _ = make_provider(app, factories, agency="bmkg")
    else:
        client = app.test_client()
    pages = [client.get(f"/portal/pelanggan/{row.id}"),
             client.post(f"/portal/pelanggan/{row.id}/daftarkan", data={"pic_name": "X"}),
             client.post(f"/portal/pelanggan/{row.id}/alihkan", data={"asset_id": asset_id, "konfirmasi": "1"}),
             client.post(f"/portal/pelanggan/{row.id}/lepas")]
    for response in pages:
        assert response.status_code in (302, 403, 404), response.status_code
        if who != "anonymous":
            assert response.status_code in (403, 404)
    listing = client.get("/portal/pelanggan")
    assert "CV Rahasia" not in listing.get_data(as_text=True).split("<main", 1)[-1]
    if who in ("plain_customer", "owner_group", "other_agency_provider"):
        assert listing.status_code == 403
        assert "khusus untuk peserta kelompok penyedia alat" in listing.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(ProviderCustomer, row.id).status == "aktif"


@pytest.mark.parametrize("pic, field, message", [
    ({"pic_nik": "123"}, "pic_nik", "NIK"),
    ({"pic_email": "bukan-email"}, "pic_email", "mail"),
    ({"pic_name": ""}, "pic_name", "Wajib diisi."),
])
def test_owner_registration_checks_the_pic(app, factories, pic, field, message):
    provider, provider_id = make_provider(app, factories)
    npwp = fresh_npwp()
    add_customer(provider, npwp, name="CV PIC")
    row = customer_row(app, provider_id, npwp)
    data = {"pic_name": "Budi", "pic_nik": factories._nik(), "pic_email": "budi.pic@example.test",
            "pic_phone": "081234567890", **pic}
    response = provider.post(f"/portal/pelanggan/{row.id}/daftarkan", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and f'id="{field}-error"' in html
    assert message.lower() in html.split(f'id="{field}-error"', 1)[1][:200].lower()
    assert customer_row(app, provider_id, npwp).status == "aktif"


@pytest.mark.parametrize("agency, roles", [
    ("bmkg", ("admin_metrologi",)),     # the approver role, but staff of another agency
    ("bmkg", ()),
    ("metrologi", ("penera",)),         # the agency's staff without the approver role
    ("metrologi", ()),
])
def test_only_the_agencys_approver_decides(app, factories, agency, roles):
    provider, provider_id = make_provider(app, factories)
    npwp = fresh_npwp()
    add_customer(provider, npwp, name="CV Tunggu")
    row = customer_row(app, provider_id, npwp)
    provider.post(f"/portal/pelanggan/{row.id}/daftarkan", data={
        "pic_name": "Siti", "pic_nik": factories._nik(), "pic_email": f"siti{row.id}@example.test",
        "pic_phone": "081234567891"})
    client = staff_html(app, factories, agency, *roles)
    listing = client.get("/backoffice/pendaftaran-pemilik/")
    assert "CV Tunggu" not in listing.get_data(as_text=True)
    response = client.post(f"/backoffice/pendaftaran-pemilik/{row.id}/putuskan", data={"keputusan": "setujui"})
    assert response.status_code in (302, 403, 404)
    if response.status_code == 302:
        assert "/login" in response.headers["Location"]
    assert customer_row(app, provider_id, npwp).status == "menunggu"


def test_refusal_needs_a_note_and_lets_the_provider_try_again(app, factories):
    provider, provider_id = make_provider(app, factories)
    npwp = fresh_npwp()
    add_customer(provider, npwp, name="CV Ditolak")
    row = customer_row(app, provider_id, npwp)
    provider.post(f"/portal/pelanggan/{row.id}/daftarkan", data={
        "pic_name": "Andi", "pic_nik": factories._nik(), "pic_email": f"andi{row.id}@example.test",
        "pic_phone": "081234567892"})
    admin = staff_html(app, factories, "metrologi", "admin_metrologi")
    no_note = admin.post(f"/backoffice/pendaftaran-pemilik/{row.id}/putuskan", data={"keputusan": "tolak"},
                         follow_redirects=True)
    assert "Tuliskan alasan penolakan." in no_note.get_data(as_text=True)
    assert customer_row(app, provider_id, npwp).status == "menunggu"
    admin.post(f"/backoffice/pendaftaran-pemilik/{row.id}/putuskan",
               data={"keputusan": "tolak", "note": "NPWP tidak sesuai akta"})
    row = customer_row(app, provider_id, npwp)
    assert row.status == "ditolak" and row.decision_note == "NPWP tidak sesuai akta"
    assert 'id="owner-form"' in provider.get(f"/portal/pelanggan/{row.id}").get_data(as_text=True)


def test_registration_form_offers_participant_groups_and_stores_the_choice(app):
    client = app.test_client()
    html = client.get("/portal/daftar").get_data(as_text=True)
    assert "metrologi:penyedia" in html and "Penyedia Alat" in html
