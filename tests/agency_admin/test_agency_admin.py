"""Agency administrators (role admin_instansi): the configuration screens scoped to their agency.

A BMKG agency administrator adds a bank account, a catalogue item and a user for BMKG, edits BMKG,
never sees a Kaltim row and gets a 404 on one; cannot grant ``Admin`` nor pick another agency.
The platform administrator sees both agencies."""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from config import DEMO_PASSWORD
from tests.conftest import unique


def login(app, username: str, password: str = DEMO_PASSWORD):
    client = app.test_client()
    response = client.post("/login/", data={"username": username, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return client


def query(app, fn):
    from app.extensions import db
    with app.app_context():
        try:
            return fn(db.session)
        finally:
            db.session.remove()


@pytest.fixture(scope="module")
def world(app, factories):
    """BMKG and Kaltim ids, one row of each configuration table for Kaltim, staff of both."""
    from models import Agency, AgencyDayOff, BankAccount, CatalogueItem, ServiceType, Signatory, StaffProfile

    def build(session):
        bmkg = session.scalar(select(Agency).where(Agency.key == "bmkg"))
        kaltim = session.scalar(select(Agency).where(Agency.key == "kaltim"))
        kaltim_service = session.scalar(select(ServiceType).where(ServiceType.agency_id == kaltim.id).limit(1))
        bmkg_service = session.scalar(select(ServiceType).where(ServiceType.agency_id == bmkg.id).limit(1))
        account = BankAccount(agency_id=kaltim.id, key=unique("kt"), bank="Bank Kaltimtara",
                              number=unique("99"), holder="RPL Kaltim")
        item = CatalogueItem(service_type_id=kaltim_service.id, code=unique("KT"), name=unique("ProdukKaltim"),
                             price=Decimal("1000"))
        day = AgencyDayOff(agency_id=kaltim.id, day=date(2031, 1, 1 + len(unique()) % 27), note=unique("liburkt"))
        session.add_all([account, item, day])
        session.commit()
        signatory = session.scalar(select(Signatory).where(Signatory.agency_id == kaltim.id).limit(1))
        return {"bmkg": bmkg.id, "kaltim": kaltim.id, "bmkg_name": bmkg.name, "kaltim_name": kaltim.name,
                "bmkg_service": bmkg_service.id, "kaltim_service": kaltim_service.id,
                "kaltim_account": account.id, "kaltim_account_number": account.number,
                "kaltim_item": item.id, "kaltim_item_name": item.name, "kaltim_day": day.id,
                "kaltim_signatory": signatory.id, "kaltim_signatory_name": signatory.name}

    ids = query(app, build)
    ids["admin"] = factories.staff("bmkg", "admin_instansi")
    ids["kaltim_staff"] = factories.staff("kaltim", "admin_instansi")
    ids["kaltim_profile"] = query(app, lambda s: s.scalar(
        select(StaffProfile.id).where(StaffProfile.user_id == ids["kaltim_staff"][0])))
    return ids


@pytest.fixture(scope="module")
def bmkg_admin(app, world):
    return login(app, world["admin"][1])


def role_id(app, name):
    from flask_appbuilder.security.sqla.models import Role
    return query(app, lambda s: s.scalar(select(Role.id).where(Role.name == name)))


def test_role_exists_with_label_permissions(app):
    from app.extensions import appbuilder
    from app.security.roles import AGENCY_ADMIN_LABEL
    assert AGENCY_ADMIN_LABEL == "Administrator Instansi"
    with app.app_context():
        role = appbuilder.sm.find_role("admin_instansi")
        names = {(p.permission.name, p.view_menu.name) for p in role.permissions}
        assert ("can_add", "AgencyAdminCatalogue") in names and ("can_list", "WorkQueue") in names
        # none of the unscoped configuration or security screens
        unscoped = {"AgencyView", "CatalogueItemView", "BankAccountView", "AgencyDayOffView", "SignatoryView",
                    "StaffProfileView", "RoleModelView", "CustomerActivationView"}
        assert not {view for _, view in names} & unscoped
        assert {perm for perm, view in names if view == "UserDBModelView"} <= {"can_userinfo", "resetmypassword"}


def test_adds_bank_account_and_catalogue_item_for_own_agency(app, world, bmkg_admin):
    from models import BankAccount, CatalogueItem

    key, number = unique("rek"), unique("12")
    response = bmkg_admin.post("/instansi-saya/rekening/add", data={
        "key": key, "bank": "Bank Mandiri", "number": number, "holder": "BPN BMKG", "agency": world["kaltim"]})
    assert response.status_code == 302
    account = query(app, lambda s: s.scalar(select(BankAccount).where(BankAccount.key == key)))
    assert account is not None and account.agency_id == world["bmkg"]
    assert number in bmkg_admin.get("/instansi-saya/rekening/list/").get_data(as_text=True)

    code = unique("BK")
    response = bmkg_admin.post("/instansi-saya/katalog/add", data={
        "service_type": world["bmkg_service"], "code": code, "name": "Data Cuaca Harian", "unit": "per lokasi",
        "price": "175000", "weight": "", "data_required": "lokasi"})
    assert response.status_code == 302
    item = query(app, lambda s: s.scalar(select(CatalogueItem).where(CatalogueItem.code == code)))
    assert item is not None and item.service_type_id == world["bmkg_service"] and item.price == Decimal("175000")
    # deactivate it
    response = bmkg_admin.post(f"/instansi-saya/katalog/edit/{item.id}", data={
        "name": "Data Cuaca Harian", "unit": "per lokasi", "price": "175000", "weight": "", "data_required": "lokasi"})
    assert response.status_code == 302
    assert query(app, lambda s: s.get(CatalogueItem, item.id).active) is False

    # a Kaltim service is not a choice
    other = unique("BK")
    response = bmkg_admin.post("/instansi-saya/katalog/add", data={
        "service_type": world["kaltim_service"], "code": other, "name": "x", "price": "1"})
    assert response.status_code == 200
    assert query(app, lambda s: s.scalar(select(CatalogueItem).where(CatalogueItem.code == other))) is None


def test_edits_own_agency_but_not_its_key_or_code(app, world, bmkg_admin):
    from models import Agency

    before = query(app, lambda s: (lambda a: (a.key, a.code, a.name))(s.get(Agency, world["bmkg"])))
    response = bmkg_admin.post(f"/instansi-saya/instansi/edit/{world['bmkg']}", data={
        "name": before[2], "short_name": "PTSP BMKG", "address": "Jl. Angkasa I No. 2, Kemayoran",
        "phone": "021-4246321", "email": "ptsp@bmkg.go.id", "timezone": "Asia/Jakarta",
        "key": "dibajak", "code": "XXX"})
    assert response.status_code == 302
    after = query(app, lambda s: (lambda a: (a.key, a.code, a.address))(s.get(Agency, world["bmkg"])))
    assert after == (before[0], before[1], "Jl. Angkasa I No. 2, Kemayoran")


def test_sees_no_kaltim_rows(world, bmkg_admin):
    pages = {
        "/instansi-saya/instansi/list/": world["kaltim_name"],
        "/instansi-saya/rekening/list/": world["kaltim_account_number"],
        "/instansi-saya/katalog/list/?psize_MyCatalogueView=100": world["kaltim_item_name"],
        "/instansi-saya/hari-libur/list/": "liburkt",
        "/instansi-saya/penandatangan/list/": world["kaltim_signatory_name"],
        "/instansi-saya/pengguna/list/": world["kaltim_staff"][1],
        "/instansi-saya/petugas/list/": world["kaltim_staff"][1],
    }
    for url, marker in pages.items():
        response = bmkg_admin.get(url)
        assert response.status_code == 200, url
        assert marker not in response.get_data(as_text=True), url
    assert world["bmkg_name"] in bmkg_admin.get("/instansi-saya/instansi/list/").get_data(as_text=True)


def test_kaltim_rows_are_404(world, bmkg_admin):
    for url in (f"/instansi-saya/instansi/edit/{world['kaltim']}",
                f"/instansi-saya/rekening/edit/{world['kaltim_account']}",
                f"/instansi-saya/rekening/show/{world['kaltim_account']}",
                f"/instansi-saya/katalog/edit/{world['kaltim_item']}",
                f"/instansi-saya/penandatangan/edit/{world['kaltim_signatory']}",
                f"/instansi-saya/pengguna/edit/{world['kaltim_staff'][0]}",
                f"/instansi-saya/petugas/edit/{world['kaltim_profile']}"):
        assert bmkg_admin.get(url).status_code == 404, url
        if "/edit/" in url:
            assert bmkg_admin.post(url, data={"name": "dibajak"}).status_code == 404, url
    assert bmkg_admin.post(f"/instansi-saya/hari-libur/delete/{world['kaltim_day']}").status_code == 404


def test_users_only_of_own_agency_and_never_admin(app, world, bmkg_admin):
    from flask_appbuilder.security.sqla.models import User
    from models import StaffProfile

    form = bmkg_admin.get("/instansi-saya/pengguna/add").get_data(as_text=True)
    offered = dict(re.findall(r'<option[^>]*value="(\d+)"[^>]*>\s*([^<]+?)\s*</option>', form))
    # the roles as the rules label them for BMKG, never the platform's Admin
    assert offered[str(role_id(app, "admin_instansi"))] == "Administrator Instansi"
    assert offered[str(role_id(app, "bendahara"))] == "Bendahara Penerimaan"
    assert str(role_id(app, "Admin")) not in offered

    def post(username, roles):
        return bmkg_admin.post("/instansi-saya/pengguna/add", data={
            "username": username, "first_name": "Petugas", "last_name": "Baru", "email": f"{username}@example.test",
            "active": "y", "roles": roles, "password": DEMO_PASSWORD, "conf_password": DEMO_PASSWORD,
            "agency": world["kaltim"]})

    sneaky = unique("bos")
    assert post(sneaky, [role_id(app, "Admin")]).status_code == 200
    assert query(app, lambda s: s.scalar(select(User).where(User.username == sneaky))) is None

    fresh = unique("bmkg_baru")
    assert post(fresh, [role_id(app, "bendahara")]).status_code == 302
    user_id, agency_id = query(app, lambda s: s.execute(
        select(User.id, StaffProfile.agency_id).join(StaffProfile, StaffProfile.user_id == User.id)
        .where(User.username == fresh)).one())
    assert agency_id == world["bmkg"]
    login(app, fresh)   # the password was hashed
    # promoting them to Admin by editing is refused too
    bmkg_admin.post(f"/instansi-saya/pengguna/edit/{user_id}", data={
        "first_name": "Petugas", "last_name": "Baru", "email": f"{fresh}@example.test", "active": "y",
        "roles": [role_id(app, "Admin")]})
    roles = query(app, lambda s: {r.name for r in s.get(User, user_id).roles})
    assert roles == {"bendahara"}


def test_platform_admin_sees_both_agencies(app, world):
    admin = login(app, app.config["ADMIN_USERNAME"], app.config["ADMIN_PASSWORD"])
    for url in ("/agencyview/list/", "/instansi-saya/instansi/list/"):
        page = admin.get(url).get_data(as_text=True)
        assert world["bmkg_name"] in page and world["kaltim_name"] in page, url
    assert world["kaltim_account_number"] in admin.get("/instansi-saya/rekening/list/").get_data(as_text=True)


def test_customer_activation_only_for_own_agency(app, factories, world):
    from app.portal import tokens
    from flask_appbuilder.security.sqla.models import User
    from models import CustomerProfile
    from models.base import utcnow

    user_id, username = factories.customer()

    def wait_for_sippt(session):
        user = session.get(User, user_id)
        user.active = False
        session.scalar(select(CustomerProfile).where(CustomerProfile.user_id == user_id)).email_verified_at = utcnow()
        tokens.issue(user_id, f"{tokens.AWAIT_ACTIVATION}:sippt"[:32], digits=None)
        session.commit()

    query(app, wait_for_sippt)
    sippt_admin = login(app, factories.staff("sippt", "admin_instansi")[1])
    bmkg_admin = login(app, world["admin"][1])
    assert username in sippt_admin.get("/instansi-saya/aktivasi-pelanggan/").get_data(as_text=True)
    assert username not in bmkg_admin.get("/instansi-saya/aktivasi-pelanggan/").get_data(as_text=True)
    assert bmkg_admin.post(f"/instansi-saya/aktivasi-pelanggan/{user_id}/aktifkan").status_code == 404
    assert query(app, lambda s: s.get(User, user_id).active) is False
    response = sippt_admin.post(f"/instansi-saya/aktivasi-pelanggan/{user_id}/aktifkan")
    assert response.status_code == 302 and response.headers["Location"].endswith("/instansi-saya/aktivasi-pelanggan/")
    assert query(app, lambda s: s.get(User, user_id).active) is True


def test_platform_admin_can_deactivate_a_catalogue_item(app):
    """An unticked 'Aktif' box stores False (the column is NOT NULL, the checkbox optional)."""
    from sqlalchemy import select

    from app.extensions import db
    from config import DEMO_PASSWORD
    from models import CatalogueItem

    client = app.test_client()
    client.post("/login/", data={"username": "admin", "password": DEMO_PASSWORD})
    with app.app_context():
        item = db.session.scalars(select(CatalogueItem).where(CatalogueItem.active.is_(True))).first()
        item_id, form = item.id, {"name": item.name, "unit": item.unit, "price": str(item.price),
                                   "weight": item.weight or "", "data_required": item.data_required}
    response = client.post(f"/catalogueitemview/edit/{item_id}", data=form)
    assert response.status_code in (200, 302)
    with app.app_context():
        assert db.session.get(CatalogueItem, item_id).active is False
        db.session.get(CatalogueItem, item_id).active = True
        db.session.commit()


# --- roles of an agency (issue 13 item 2): only its own roles and the shared ones ---------------
BMKG_ROLES = {"admin_ptsp", "back_office", "petugas_layanan", "bendahara", "kepala_balai", "admin_instansi"}


def test_role_list_offers_only_own_and_shared_roles(app, world, bmkg_admin):
    def offered(client) -> set[str]:
        """The role keys behind the options (the options show the agency's labels)."""
        from flask_appbuilder.security.sqla.models import Role

        form = client.get("/instansi-saya/pengguna/add").get_data(as_text=True)
        ids = {int(i) for i in re.findall(r'<option[^>]*value="(\d+)"', form)}
        return query(app, lambda s: set(s.scalars(select(Role.name).where(Role.id.in_(ids)))))

    assert offered(bmkg_admin) == BMKG_ROLES
    offered = offered(login(app, world["kaltim_staff"][1]))
    assert {"verifikator", "kepala_bidang", "kepala_dinas", "bendahara"} <= offered
    assert not offered & {"admin_ptsp", "back_office", "analis", "penera"}


@pytest.mark.parametrize("other_role", ["verifikator", "analis", "penera"])
def test_another_agencys_role_is_refused_on_add_and_edit(app, world, bmkg_admin, other_role):
    from flask_appbuilder.security.sqla.models import User

    def add(username, roles):
        return bmkg_admin.post("/instansi-saya/pengguna/add", data={
            "username": username, "first_name": "Petugas", "last_name": "Lain", "email": f"{username}@example.test",
            "active": "y", "roles": roles, "password": DEMO_PASSWORD, "conf_password": DEMO_PASSWORD})

    sneaky = unique("bmkg_lain")
    assert add(sneaky, [role_id(app, other_role)]).status_code == 200
    assert query(app, lambda s: s.scalar(select(User).where(User.username == sneaky))) is None
    fresh = unique("bmkg_ptsp")
    assert add(fresh, [role_id(app, "admin_ptsp")]).status_code == 302
    user_id = query(app, lambda s: s.scalar(select(User.id).where(User.username == fresh)))
    bmkg_admin.post(f"/instansi-saya/pengguna/edit/{user_id}", data={
        "first_name": "Petugas", "last_name": "Lain", "email": f"{fresh}@example.test", "active": "y",
        "roles": [role_id(app, "admin_ptsp"), role_id(app, other_role)]})
    assert query(app, lambda s: {r.name for r in s.get(User, user_id).roles}) == {"admin_ptsp"}


def test_user_list_shows_the_agencys_role_labels(app, world, bmkg_admin):
    username = unique("bmkg_bo")
    assert bmkg_admin.post("/instansi-saya/pengguna/add", data={
        "username": username, "first_name": "Petugas", "last_name": "BO", "email": f"{username}@example.test",
        "active": "y", "roles": [role_id(app, "back_office")], "password": DEMO_PASSWORD,
        "conf_password": DEMO_PASSWORD}).status_code == 302
    page = bmkg_admin.get(f"/instansi-saya/pengguna/list/?_flt_0_username={username}").get_data(as_text=True)
    assert username in page and "Back Office" in page


def test_signatory_role_must_be_own_or_shared(app, world, bmkg_admin):
    from models import Signatory

    def add(key, role):
        return bmkg_admin.post("/instansi-saya/penandatangan/add", data={
            "key": key, "name": "Dr. Penanda Tangan", "nip": "1970", "title": "Kepala", "role": role})

    refused = unique("ttd_lain")
    add(refused, "kepala_dinas")                                     # Kaltim's own role: refused (flashed)
    assert query(app, lambda s: s.scalar(select(Signatory).where(Signatory.key == refused))) is None
    accepted = unique("ttd_bersama")
    assert add(accepted, "kepala_balai").status_code == 302         # a shared role
    assert query(app, lambda s: s.scalar(select(Signatory.agency_id).where(Signatory.key == accepted))) == world["bmkg"]


def test_binding_an_account_to_an_agency_offers_only_unbound_staff_accounts(app, world, factories):
    """The platform administrator's *Petugas & Instansi → +*: no account picked in advance, and only
    accounts that are nobody's staff yet (never the platform administrator, a customer or a bound one)."""
    from flask_appbuilder.security.sqla.models import Role, User
    from werkzeug.security import generate_password_hash

    from models import StaffProfile

    fresh = unique("calon_admin")

    def make(session):
        role = session.scalar(select(Role).where(Role.name == "admin_instansi"))
        session.add(User(username=fresh, first_name="Calon", last_name="Admin", email=f"{fresh}@example.test",
                         active=True, password=generate_password_hash(DEMO_PASSWORD), roles=[role]))
        session.commit()
        return session.scalar(select(User.id).where(User.username == fresh))

    fresh_id = query(app, make)
    _customer_id, customer = factories.customer()
    admin = login(app, "admin")
    form = admin.get("/staffprofileview/add").get_data(as_text=True)
    select_html = re.search(r'<select[^>]*name="user".*?</select>', form, re.S).group(0)
    offered = re.findall(r'<option[^>]*>([^<]*)</option>', select_html)
    assert offered[0] == "— pilih akun —" and select_html.count("selected") == 1 \
        and '<option selected value="__None">' in select_html
    assert f"{fresh} — Calon Admin" in offered
    assert not any(label.startswith(("admin ", customer, world["kaltim_staff"][1])) for label in offered)
    bound = admin.post("/staffprofileview/add", data={"user": fresh_id, "agency": world["kaltim"],
                                                      "position": "Administrator", "nip": "198001012005011001"})
    assert bound.status_code == 302, bound.get_data(as_text=True)[:500]
    assert query(app, lambda s: s.scalar(select(StaffProfile.agency_id).where(StaffProfile.user_id == fresh_id))) \
        == world["kaltim"]
    assert f"{fresh} — Calon Admin" not in admin.get("/staffprofileview/add").get_data(as_text=True)
