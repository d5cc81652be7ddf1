"""Registration: the seeds' fields, errors on the field, nothing stored half-way, verification."""
from __future__ import annotations

from sqlalchemy import func, select

from tests.portal_account.conftest import code_in, last_email


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
    assert user["npwp"] == "123456789012345" and user["phone"] == "6281234567890"
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
        "company", "PT Mahakam Jaya", "PT", "012345678901000")
    # an institution without its organisation data: errors on those fields
    form = registration(kind="institution")
    page = client.post("/portal/daftar", data=form).get_data(as_text=True)
    assert page.count("Wajib diisi.") >= 3 and "Alamat email tidak valid." in page


def test_errors_on_the_field_and_nothing_stored(app, client, registration, registered):
    existing, _ = registered()
    before = _counts(app)
    cases = [
        ({"nik": "12345"}, "NIK harus 16 digit angka."),
        ({"nik": "6472019913900001"}, "NIK tidak valid: tanggal lahir tidak sesuai."),
        ({"nik": existing["nik"]}, f"NIK {existing['nik']} sudah terdaftar"),
        ({"email": existing["email"].upper()}, "sudah terdaftar"),
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
