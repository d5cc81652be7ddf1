"""Registration: the seeds' fields, errors on the field, nothing stored half-way, verification."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.portal_account.conftest import code_in, last_email, new_nik


def _counts(app):
    from app.extensions import appbuilder, db
    from models.activity import OutboxMessage
    from models.people import AccountToken, CustomerProfile

    with app.app_context():
        return tuple(db.session.scalar(select(func.count()).select_from(model)) for model in (
            appbuilder.sm.user_model, CustomerProfile, AccountToken, OutboxMessage))


def _user(app, email):
    from app.extensions import appbuilder, db
    from models.people import CustomerProfile

    with app.app_context():
        User = appbuilder.sm.user_model
        user = db.session.scalar(select(User).where(User.email == email))
        profile = db.session.scalar(select(CustomerProfile).where(CustomerProfile.user_id == user.id))
        return {"active": user.active, "username": user.username, "roles": [r.name for r in user.roles],
                "nik": profile.nik, "npwp": profile.npwp, "phone": profile.phone, "kind": profile.kind,
                "verified": profile.email_verified_at is not None, "org": profile.organisation_name,
                "org_type": profile.organisation_type, "org_npwp": profile.organisation_npwp,
                "regency": profile.regency}


def test_form_renders_in_indonesian_with_the_seed_fields(client):
    page = client.get("/portal/daftar").get_data(as_text=True)
    for text in ("Daftar akun pemohon", "NIK (16 digit", "NPWP", "Jenis kelamin", "Jenjang pendidikan",
                 "Provinsi", "Kabupaten/Kota", "Kecamatan", "Kelurahan/Desa", "Kode pos", "Nomor HP/WhatsApp",
                 "Perusahaan / Badan Usaha", "Instansi / Lembaga", "Instansi Pemerintah Daerah",
                 "Ulangi kata sandi", 'data-regions="/portal/wilayah"'):
        assert text in page, text
    assert "google" not in page.lower() and "recaptcha" not in page.lower()


def test_person_registers_verifies_by_code_and_logs_in(app, client, registration):
    form = registration(npwp="12.345.678.9-012.345")
    response = client.post("/portal/daftar", data=form)
    assert response.status_code == 302 and response.location.endswith("/portal/verifikasi")
    user = _user(app, form["email"])
    assert user["active"] is False and user["roles"] == ["customer"] and user["nik"] == form["nik"]
    assert user["npwp"] == "0123456789012345" and user["phone"] == "6281234567890"
    assert user["username"] == form["nik"]  # no username typed: NIK
    mail = last_email(app, form["email"])
    assert mail["channel"] == "email" and mail["kind"] == "notification" and "/portal/verifikasi/tautan?" in mail["body"]
    # not yet verified: login sends them to the verification page
    response = client.post("/portal/masuk", data={"identifier": form["email"], "password": form["password"]})
    assert response.status_code == 302 and response.location.endswith("/portal/verifikasi")
    # wrong code: message on the field
    page = client.post("/portal/verifikasi", data={"email": form["email"], "code": "000000"}).get_data(as_text=True)
    assert "Kode verifikasi salah atau sudah kedaluwarsa" in page
    response = client.post("/portal/verifikasi", data={"email": form["email"], "code": code_in(mail["body"])})
    assert response.location.endswith("/portal/masuk")
    assert _user(app, form["email"])["verified"] is True
    assert _user(app, form["email"])["active"] is True
    # the code is single-use
    page = client.post("/portal/verifikasi", data={"email": form["email"], "code": code_in(mail["body"])})
    assert "Kode verifikasi salah" in page.get_data(as_text=True)


def test_verification_link_works_once(app, client, registration):
    form = registration()
    client.post("/portal/daftar", data=form)
    body = last_email(app, form["email"])["body"]
    path = body[body.index("/portal/verifikasi/tautan"):].split()[0]
    response = client.get(path)
    assert response.status_code == 302 and response.location.endswith("/portal/masuk")
    assert _user(app, form["email"])["active"] is True
    response = client.get(path)
    assert response.location.endswith("/portal/verifikasi")


def test_company_and_institution_fields(app, client, registration):
    form = registration(kind="company", organisation_name="PT Mahakam Jaya", organisation_type="PT",
                        organisation_npwp="01.234.567.8-901.000", organisation_address="Jl. Mulawarman 1",
                        organisation_email="kantor@mahakam.test", organisation_phone="0542 123456")
    assert client.post("/portal/daftar", data=form).status_code == 302
    user = _user(app, form["email"])
    assert (user["kind"], user["org"], user["org_type"], user["org_npwp"]) == (
        "company", "PT Mahakam Jaya", "PT", "0012345678901000")
    # an institution without its organisation data: errors on those fields
    form = registration(kind="institution")
    page = client.post("/portal/daftar", data=form).get_data(as_text=True)
    assert page.count("Wajib diisi.") >= 3 and "Alamat email tidak valid." in page


def test_errors_on_the_field_and_nothing_stored(app, client, registration):
    before = _counts(app)
    cases = [
        ({"nik": "12345"}, "NIK harus 16 digit angka."),
        ({"nik": "6472019913900001"}, "NIK tidak valid: tanggal lahir tidak sesuai."),
        ({"npwp": "1234"}, "NPWP harus 15 atau 16 digit angka."),
        ({"phone": "12345"}, "Nomor telepon tidak valid"),
        ({"password": "pendek", "password_confirm": "pendek"}, "Kata sandi minimal 8 karakter."),
        ({"password": "semuakecil1", "password_confirm": "semuakecil1"}, "huruf kapital"),
        ({"password": "Password123", "password_confirm": "Password123"}, "terlalu umum"),
        ({"password_confirm": "Lain#Sekali99"}, "Ulangan kata sandi tidak sama."),
        ({"agree": ""}, "Centang pernyataan ini"),
        ({"postal_code": "7611"}, "Kode pos harus 5 digit angka."),
    ]
    for overrides, message in cases:
        response = client.post("/portal/daftar", data=registration(**overrides))
        page = response.get_data(as_text=True)
        assert response.status_code == 200 and message in page, (overrides, message)
        assert 'class="error"' in page and "Pendaftaran belum berhasil" in page
    assert _counts(app) == before  # no user, no profile, no token, no email


def test_failure_while_saving_rolls_everything_back(app, client, registration, monkeypatch):
    import app.portal.account as account

    def broken(user, profile):
        raise RuntimeError("SMTP queue unavailable")
    monkeypatch.setattr(account, "_send_verification", broken)
    before = _counts(app)
    try:
        client.post("/portal/daftar", data=registration())
    except RuntimeError:
        pass
    assert _counts(app) == before


def test_admin_activation_agency(app, client, registration):
    """Metrologi: after email verification the account waits for an administrator."""
    from tests.conftest import api_login  # noqa: F401  (admin logs in through FAB)

    form = registration(agency="metrologi")
    # Metrologi declares participant groups: the registration asks for one (on its field)
    refused = client.post("/portal/daftar", data=form)
    assert refused.status_code == 200 and "Pilih kelompok peserta sesuai status Anda." in refused.get_data(as_text=True)
    form = registration(agency="metrologi", participant_group="metrologi:penyedia")
    assert client.post("/portal/daftar", data=form).status_code == 302
    code = code_in(last_email(app, form["email"])["body"])
    response = client.post("/portal/verifikasi", data={"email": form["email"], "code": code})
    assert response.location.endswith("/portal/menunggu-aktivasi")
    assert _user(app, form["email"])["active"] is False
    response = client.post("/portal/masuk", data={"identifier": form["nik"], "password": form["password"]})
    assert response.location.endswith("/portal/menunggu-aktivasi")
    # the administrator activates from the back office
    admin = app.test_client()
    admin.post("/login/", data={"username": "admin", "password": app.config["ADMIN_PASSWORD"]})
    listing = admin.get("/aktivasi-pelanggan/").get_data(as_text=True)
    assert form["nik"] in listing and "UPTD Metrologi" in listing
    user_id = last_email(app, form["email"])["recipient_id"]
    response = admin.post(f"/aktivasi-pelanggan/{user_id}/aktifkan")
    assert response.status_code == 302
    assert _user(app, form["email"])["active"] is True
    assert "sudah aktif" in last_email(app, form["email"])["subject"]
    response = client.post("/portal/masuk", data={"identifier": form["nik"], "password": form["password"]})
    assert response.status_code == 302 and response.location.endswith("/portal/")
    from app.commands.providers import participant_group_of
    from app.extensions import db
    from models import Agency
    from sqlalchemy import select
    with app.app_context():
        agency_id = db.session.scalar(select(Agency.id).where(Agency.key == "metrologi"))
        assert participant_group_of(user_id, agency_id) == "penyedia"


def test_customers_cannot_open_the_activation_screen(app, client, registered):
    form, _ = registered()
    client.post("/portal/masuk", data={"identifier": form["email"], "password": form["password"]})
    response = client.get("/aktivasi-pelanggan/")
    assert response.status_code in (302, 403)


def test_regions_endpoint_cascades_and_degrades(client):
    provinces = client.get("/portal/wilayah").get_json()
    assert len(provinces) == 38 and {"code": "64", "name": "Kalimantan Timur"} in provinces
    regencies = client.get("/portal/wilayah?induk=64").get_json()
    assert {"code": "64.71", "name": "Kota Balikpapan"} in regencies
    districts = client.get("/portal/wilayah?induk=64.71").get_json()
    assert any(d["name"] == "Balikpapan Kota" for d in districts)
    code = next(d["code"] for d in districts if d["name"] == "Balikpapan Kota")
    villages = client.get(f"/portal/wilayah?induk={code}").get_json()
    assert any(v["name"] == "Klandasan Ilir" for v in villages)
    assert client.get("/portal/wilayah?induk=99.99").get_json() == []
    assert client.get("/portal/wilayah?induk=../../etc").get_json() == []


def _answer(client, form):
    """Status, Location and the page after it, with the typed email and tokens blanked out."""
    response = client.post("/portal/daftar", data=form)
    follow = client.get(response.location).get_data(as_text=True) if response.status_code == 302 else ""
    import re as _re

    from app.workflow.fields import clean_email
    typed = {form["email"], form["email"].strip(), clean_email(form["email"])}

    def blank(text):
        text = _re.sub(r'(name="csrf-token" content|value)="[^"]*"', "", text)
        for email in sorted(typed, key=len, reverse=True):
            text = text.replace(email, "EMAIL")
        return text
    return response.status_code, response.location, blank(response.get_data(as_text=True)), blank(follow)


@pytest.mark.parametrize("variant", [
    "taken_nik", "taken_email", "taken_email_upper", "taken_email_spaces", "taken_both",
    "taken_nik_other_email_owner", "nik_as_username_taken", "taken_nik_company",
])
def test_registration_answers_the_same_for_taken_and_free_nik_or_email(app, registration, registered, variant):
    """No enumeration: a taken NIK or email gets the answer of a new account; the owner gets an email."""
    from app import create_app  # noqa: F401  (same app; two browsers)

    owner, owner_id = registered()
    other, other_id = registered()
    overrides = {
        "taken_nik": {"nik": owner["nik"]},
        "taken_email": {"email": owner["email"]},
        "taken_email_upper": {"email": owner["email"].upper()},
        "taken_email_spaces": {"email": f"  {owner['email']} "},
        "taken_both": {"nik": owner["nik"], "email": owner["email"]},
        "taken_nik_other_email_owner": {"nik": owner["nik"], "email": other["email"]},
        "nik_as_username_taken": {"username": owner["nik"]},
        "taken_nik_company": {"nik": owner["nik"], "kind": "company", "organisation_name": "PT Coba",
                              "organisation_type": "PT", "organisation_npwp": "01.234.567.8-901.000",
                              "organisation_address": "Jl. A", "organisation_email": "pt@coba.test",
                              "organisation_phone": "0542 123456"},
    }[variant]
    free = registration(**{k: v for k, v in overrides.items() if k not in ("nik", "email", "username")})
    if variant == "nik_as_username_taken":   # the same NIK-shaped login name, but of a free NIK
        free["username"] = new_nik()
    hostile = registration(**overrides)
    before = _counts(app)
    free_answer = _answer(app.test_client(), free)
    after_free = _counts(app)
    hostile_answer = _answer(app.test_client(), hostile)
    assert hostile_answer == free_answer
    if variant == "nik_as_username_taken":
        assert free_answer[0] == 200 and "tidak boleh berupa NIK" in free_answer[2]
        assert _counts(app) == before
        return
    assert free_answer[0] == 302 and free_answer[1].endswith("/portal/verifikasi")
    assert "Pendaftaran berhasil" in free_answer[3] and "sudah terdaftar" not in hostile_answer[3]
    # the free one made an account; the taken one made none, and told the owner(s) by email
    assert after_free[0] == before[0] + 1
    assert _counts(app)[0] == after_free[0]
    told = {owner["email"]} if variant != "taken_nik_other_email_owner" else {owner["email"], other["email"]}
    for address in told:
        mail = last_email(app, address)
        assert "Percobaan pendaftaran" in mail["subject"] and "mencoba mendaftar" in mail["body"]
        assert mail["recipient_id"] in (owner_id, other_id)
    if variant == "taken_nik":
        assert "NIK Anda" in last_email(app, owner["email"])["body"]


def test_a_failed_owner_email_rolls_back_and_answers_nothing_new(app, client, registration, registered, monkeypatch):
    import app.portal.account as account

    owner, _ = registered()
    monkeypatch.setattr(account, "_queue_email", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("queue down")))
    before = _counts(app)
    with pytest.raises(RuntimeError):
        client.post("/portal/daftar", data=registration(nik=owner["nik"]))
    assert _counts(app) == before
