"""Signatory enrolment without Python: the agency CA, linking on the agency administrator's screen,
enrolment / passphrase change / PKCS#12 import / revocation on the holder's own profile page (CSRF
on), signing with the CA-issued key, the refusal after revocation, and /verify of earlier documents.
"""
from __future__ import annotations

import io
import shutil
import subprocess
from datetime import datetime, timedelta, timezone

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from sqlalchemy import select

from app.demo.autofill import path_to
from tests.conftest import sign_in, unique
from tests.documents.test_documents import documents_of
from tests.signing.conftest import browser_login, csrf_token
from tests.workflows.driver import signed_in

PASSPHRASE = "Kopi tubruk di tepian Mahakam"
PDFSIG, CERTUTIL = shutil.which("pdfsig"), shutil.which("certutil")


def query(app, fn):
    from app.extensions import db
    with app.app_context():
        try:
            return fn(db.session)
        finally:
            db.session.remove()


def signatory_row(app, signatory_id: int) -> dict:
    from models import Signatory

    def read(session):
        s = session.get(Signatory, signatory_id)
        return {"user_id": s.user_id, "key": s.encrypted_key_pem, "cert": s.certificate_pem}
    return query(app, read)


def ca_pem(app, agency_key: str) -> bytes:
    from app.documents.signing import agency_ca
    from models import Agency

    def read(session):
        pem = bytes(agency_ca(session.scalar(select(Agency).where(Agency.key == agency_key))).certificate_pem)
        session.commit()
        return pem
    return query(app, read)


def events(app, signatory_id: int) -> list[str]:
    from models.security import SecurityEvent
    return query(app, lambda s: list(s.scalars(select(SecurityEvent.kind).where(
        SecurityEvent.detail.like(f"signatory_id={signatory_id} %")).order_by(SecurityEvent.id))))


def post_form(client, page_url: str, action_url: str, prefix: str, fields: dict, *, files=None, token=True):
    page = client.get(page_url).get_data(as_text=True)
    data = {f"{prefix}-{k}" if prefix else k: v for k, v in fields.items()}
    if token:
        data[f"{prefix}-csrf_token" if prefix else "csrf_token"] = csrf_token(page, prefix)
    for key, value in (files or {}).items():
        data[f"{prefix}-{key}"] = value
    return client.post(action_url, data=data, content_type="multipart/form-data" if files else None)


@pytest.fixture(scope="module")
def kaltim(app, factories, offices):
    """Kaltim's signatory for the licence, a new holder (kepala_dinas), its administrator, and a
    BMKG administrator and a customer for the hostile attempts."""
    from models import Signatory
    from models import Agency

    signatory_id = query(app, lambda s: s.scalar(select(Signatory.id).join(Agency, Agency.id == Signatory.agency_id)
                                                 .where(Agency.key == "kaltim", Signatory.role == "kepala_dinas")))
    return {"signatory": signatory_id, "holder": factories.staff("kaltim", "kepala_dinas"),
            "other_staff": factories.staff("kaltim", "kepala_dinas"),
            "admin": factories.staff("kaltim", "admin_instansi"),
            "bmkg_admin": factories.staff("bmkg", "admin_instansi"),
            "bmkg_staff": factories.staff("bmkg", "admin_ptsp"),
            "customer": factories.customer()}


def show_url(signatory_id: int) -> str:
    return f"/instansi-saya/penandatangan/show/{signatory_id}"


def link(app, admin_client, signatory_id: int, user_id: int):
    return post_form(admin_client, show_url(signatory_id), f"/instansi-saya/penandatangan/{signatory_id}/tautkan",
                     "", {"holder": str(user_id)})


def enrol_url(signatory_id: int, what: str = "daftar") -> str:
    return f"/users/userinfo/tanda-tangan/{signatory_id}/{what}"


# --- the agency CA -------------------------------------------------------------------------
def test_every_agency_has_its_own_ca_published_on_verify(app, client):
    from markupsafe import escape

    from app.documents.signing import fingerprint, fingerprint_text, readable_name
    from models import Agency, AgencyCertificateAuthority

    def read(session):
        return [(a.key, bytes(c.certificate_pem), bytes(c.encrypted_key_pem)) for a, c in session.execute(
            select(Agency, AgencyCertificateAuthority).join(AgencyCertificateAuthority,
                                                            AgencyCertificateAuthority.agency_id == Agency.id))]
    rows = query(app, read)
    assert {key for key, _, _ in rows} >= {"bmkg", "kaltim", "sippt", "metrologi"}   # made with the agencies
    page = client.get("/verify/").get_data(as_text=True)
    for key, pem, encrypted in rows:
        cert = x509.load_pem_x509_certificate(pem)
        assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
        assert b"ENCRYPTED PRIVATE KEY" in encrypted                         # never in clear in the database
        with pytest.raises((ValueError, TypeError)):
            serialization.load_pem_private_key(encrypted, password=app.config["SECRET_KEY"].encode())
        assert fingerprint_text(fingerprint(cert)) in page
        assert escape(readable_name(cert.subject)) in page and "C=ID," not in page    # readable, as on /verify/<code>
        assert client.get(f"/verify/ca/{key}.pem").data == pem
        der = client.get(f"/verify/ca/{key}.crt")
        assert der.headers["Content-Disposition"].startswith("attachment") and \
            x509.load_der_x509_certificate(der.data) == cert
    assert client.get("/verify/ca/tidak-ada.pem").status_code == 404
    # an agency created now gets its CA in the same flush; an older one at first use
    def new_agency(session):
        agency = Agency(key=unique("ag"), code="AG", name="Dinas Baru")
        session.add(agency)
        session.flush()
        made = session.scalar(select(AgencyCertificateAuthority).where(AgencyCertificateAuthority.agency_id == agency.id))
        ca = (made.id, x509.load_pem_x509_certificate(made.certificate_pem).subject.rfc4514_string())
        session.rollback()
        return ca
    assert "Dinas Baru" in query(app, new_agency)[1]


# --- link, enrol, sign, revoke ---------------------------------------------------------------
def test_link_enrol_sign_revoke_through_the_screens(app, offices, kaltim, api_client, tmp_path):
    from app.documents.pades import check_signature
    from models import GeneratedDocument

    s = kaltim["signatory"]
    admin = browser_login(app, kaltim["admin"][1])
    show = admin.get(show_url(s)).get_data(as_text=True)
    assert kaltim["holder"][1] in show and kaltim["bmkg_staff"][1] not in show      # only Kaltim's staff
    assert post_form(admin, show_url(s), f"/instansi-saya/penandatangan/{s}/tautkan", "",
                     {"holder": str(kaltim["holder"][0])}, token=False).status_code == 422
    assert link(app, admin, s, kaltim["bmkg_staff"][0]).status_code == 422     # not in the select
    assert signatory_row(app, s)["user_id"] != kaltim["holder"][0]
    assert link(app, admin, s, kaltim["holder"][0]).status_code == 302
    row = signatory_row(app, s)
    assert row["user_id"] == kaltim["holder"][0] and row["key"] is None        # the old holder's key is revoked

    holder = browser_login(app, kaltim["holder"][1])
    profile = holder.get("/users/userinfo/").get_data(as_text=True)
    assert "Tanda tangan elektronik" in profile and "Daftarkan kunci" in profile
    weak = {"pendek saja": "minimal 12 karakter",
            f"{kaltim['holder'][1]}-rahasia": "nama pengguna",
            "passwordpassword1": "terlalu umum",
            "bismillah12345": "terlalu umum",
            "aaaaaaaaaaaaaaaa": "terlalu umum"}
    for passphrase, message in weak.items():
        response = post_form(holder, "/users/userinfo/", enrol_url(s), f"enrol{s}",
                             {"passphrase": passphrase, "confirmation": passphrase})
        assert response.status_code == 422 and message in response.get_data(as_text=True), passphrase
        assert f'id="enrol{s}-passphrase-error"' in response.get_data(as_text=True)   # on the field
    mismatch = post_form(holder, "/users/userinfo/", enrol_url(s), f"enrol{s}",
                         {"passphrase": PASSPHRASE, "confirmation": PASSPHRASE + "!"})
    assert mismatch.status_code == 422 and "Konfirmasi passphrase tidak sama" in mismatch.get_data(as_text=True)
    assert signatory_row(app, s)["key"] is None
    enrolled = post_form(holder, "/users/userinfo/", enrol_url(s), f"enrol{s}",
                         {"passphrase": PASSPHRASE, "confirmation": PASSPHRASE})
    assert enrolled.status_code == 302
    row = signatory_row(app, s)
    cert = x509.load_pem_x509_certificate(row["cert"])
    ca = x509.load_pem_x509_certificate(ca_pem(app, "kaltim"))
    cert.verify_directly_issued_by(ca)                                           # issued by the agency CA
    assert cert.issuer == ca.subject and b"ENCRYPTED" in row["key"]
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment and not usage.key_cert_sign
    profile = holder.get("/users/userinfo/").get_data(as_text=True)
    assert "Kunci aktif" in profile and "WITA" in profile                         # Kaltim's zone

    # sign a licence with it
    office = offices["kaltim"]
    office.staff["kepala_dinas"] = signed_in(api_client, kaltim["holder"])
    workflow = office.data["workflows"]["kaltim_perizinan"]
    path = path_to(workflow, "penandatanganan")
    first = office.create("kaltim_akdp", path)
    office.drive(first, path)
    assert office.staff["kepala_dinas"].transition(first, "tandatangani", {"passphrase": PASSPHRASE}).status_code == 200
    licence = documents_of(app, first)["kaltim_izin"]
    pdf = licence["path"].read_bytes()
    ca_bytes = ca_pem(app, "kaltim")
    assert check_signature(pdf, row["cert"], trust_roots=[ca_bytes]).ok             # the chain to the agency CA
    assert not check_signature(pdf, row["cert"], trust_roots=[ca_pem(app, "bmkg")]).ok
    if PDFSIG:
        report = subprocess.run([PDFSIG, str(licence["path"])], capture_output=True, text=True).stdout
        assert "Signature is Valid" in report, report
        if CERTUTIL:   # told to trust the agency CA, pdfsig trusts the chain
            nss = tmp_path / "nss"
            nss.mkdir()
            (tmp_path / "ca.pem").write_bytes(ca_bytes)
            subprocess.run([CERTUTIL, "-N", "-d", f"sql:{nss}", "--empty-password"], check=True)
            subprocess.run([CERTUTIL, "-A", "-d", f"sql:{nss}", "-n", "ca-kaltim", "-t", "CT,C,C",
                            "-i", str(tmp_path / "ca.pem")], check=True)
            trusted = subprocess.run([PDFSIG, "-nssdir", f"sql:{nss}", str(licence["path"])],
                                     capture_output=True, text=True).stdout
            assert "Signature is Valid" in trusted and "Certificate is Trusted" in trusted, trusted
    verify = api_client.get(f"/verify/{licence['code']}").get_data(as_text=True)
    from app.documents.signing import readable_name
    assert "Dokumen terdaftar dan utuh" in verify and readable_name(ca.subject) in verify

    # the administrator revokes; the holder cannot sign any more; the licence stays valid
    revoked = post_form(admin, show_url(s), f"/instansi-saya/penandatangan/{s}/cabut", "", {})
    assert revoked.status_code == 302 and signatory_row(app, s)["key"] is None
    second = office.create("kaltim_akdp", path)
    office.drive(second, path)
    refused = office.staff["kepala_dinas"].transition(second, "tandatangani", {"passphrase": PASSPHRASE})
    assert refused.status_code == 422 and "dicabut" in refused.get_json()["field_errors"]["passphrase"]
    assert "kaltim_izin" not in documents_of(app, second)
    verify = api_client.get(f"/verify/{licence['code']}").get_data(as_text=True)
    assert "Dokumen terdaftar dan utuh" in verify and "sebelum sertifikat dicabut pada" in verify
    assert query(app, lambda x: x.scalar(select(GeneratedDocument.signed).where(
        GeneratedDocument.verify_code == licence["code"])))
    # every step audited, shown on the administrator's screen in the agency's zone
    assert events(app, s)[-3:] == ["signing_linked", "signing_enrolled", "signing_revoked"]
    show = admin.get(show_url(s)).get_data(as_text=True)
    assert "Kunci tanda tangan dicabut" in show and "WITA" in show


# --- hostile variants ----------------------------------------------------------------------
def test_hostile_attempts_change_nothing(app, kaltim):
    from models import Agency, Signatory

    s = kaltim["signatory"]
    before = signatory_row(app, s)
    bmkg_admin = browser_login(app, kaltim["bmkg_admin"][1])
    assert bmkg_admin.get(show_url(s)).status_code == 404
    own = query(app, lambda x: x.scalar(select(Signatory.id).join(Agency, Agency.id == Signatory.agency_id)
                                        .where(Agency.key == "bmkg").limit(1)))
    token = csrf_token(bmkg_admin.get(show_url(own)).get_data(as_text=True))   # a token of their own session
    for url, data in ((f"/instansi-saya/penandatangan/{s}/tautkan", {"holder": str(kaltim["bmkg_admin"][0])}),
                      (f"/instansi-saya/penandatangan/{s}/cabut", {})):
        assert bmkg_admin.post(url, data={**data, "csrf_token": token}).status_code == 404, url
    # another Kaltim officer, not the holder, posts to the holder's enrolment
    other = browser_login(app, kaltim["other_staff"][1])
    page = other.get("/users/userinfo/").get_data(as_text=True)
    assert "Tanda tangan elektronik" not in page
    for what in ("daftar", "passphrase", "impor", "cabut"):
        assert other.post(enrol_url(s, what), data={f"enrol{s}-passphrase": PASSPHRASE}).status_code == 404
    # a customer (no back-office profile permission)
    customer = sign_in(app.test_client(), kaltim["customer"][0])
    response = customer.post(enrol_url(s), data={f"enrol{s}-passphrase": PASSPHRASE,
                                                 f"enrol{s}-confirmation": PASSPHRASE})
    assert response.status_code in (302, 403, 404) and "/users/userinfo" not in response.headers.get("Location", "")
    # the holder without the CSRF token
    holder = browser_login(app, kaltim["holder"][1])
    no_token = post_form(holder, "/users/userinfo/", enrol_url(s), f"enrol{s}",
                         {"passphrase": PASSPHRASE, "confirmation": PASSPHRASE}, token=False)
    assert no_token.status_code == 422
    assert signatory_row(app, s) == before


def test_passphrase_change_needs_the_old_one(app, kaltim):
    from app.documents.signing import unlock_private_key
    from models import Signatory

    s = kaltim["signatory"]
    holder = browser_login(app, kaltim["holder"][1])
    assert post_form(holder, "/users/userinfo/", enrol_url(s), f"enrol{s}",
                     {"passphrase": PASSPHRASE, "confirmation": PASSPHRASE}).status_code == 302
    new = "Angin sore di Samarinda Seberang"
    wrong = post_form(holder, "/users/userinfo/", enrol_url(s, "passphrase"), f"pass{s}",
                      {"old_passphrase": "bukan passphrase lama", "passphrase": new, "confirmation": new})
    assert wrong.status_code == 422 and "Passphrase lama salah" in wrong.get_data(as_text=True)
    assert f'id="pass{s}-old_passphrase-error"' in wrong.get_data(as_text=True)
    weak = post_form(holder, "/users/userinfo/", enrol_url(s, "passphrase"), f"pass{s}",
                     {"old_passphrase": PASSPHRASE, "passphrase": "qwerty123456", "confirmation": "qwerty123456"})
    assert weak.status_code == 422 and "terlalu umum" in weak.get_data(as_text=True)
    done = post_form(holder, "/users/userinfo/", enrol_url(s, "passphrase"), f"pass{s}",
                     {"old_passphrase": PASSPHRASE, "passphrase": new, "confirmation": new})
    assert done.status_code == 302

    def opens(session):
        signatory = session.get(Signatory, s)
        return unlock_private_key(signatory, new) is not None, unlock_private_key(signatory, PASSPHRASE) is not None
    assert query(app, opens) == (True, False)
    assert events(app, s)[-1] == "signing_passphrase"
    # the holder revokes their own key
    assert post_form(holder, "/users/userinfo/", enrol_url(s, "cabut"), f"revoke{s}", {}).status_code == 302
    assert signatory_row(app, s)["key"] is None and events(app, s)[-1] == "signing_revoked"


# --- PKCS#12 (BSrE) --------------------------------------------------------------------------
def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _p12(password: bytes, *, expired=False, mismatched=False) -> tuple[bytes, bytes]:
    """A PKCS#12 file as BSrE would issue one: a key, its certificate, and the issuing CA."""
    now = datetime.now(timezone.utc)
    root_key = ec.generate_private_key(ec.SECP256R1())
    root = (x509.CertificateBuilder().subject_name(_name("BSrE Uji")).issuer_name(_name("BSrE Uji"))
            .public_key(root_key.public_key()).serial_number(1).not_valid_before(now - timedelta(days=10))
            .not_valid_after(now + timedelta(days=900))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
            .sign(root_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    start, end = (now - timedelta(days=800), now - timedelta(days=1)) if expired else (now - timedelta(days=1),
                                                                                       now + timedelta(days=700))
    leaf = (x509.CertificateBuilder().subject_name(_name("Kepala Dinas Uji")).issuer_name(root.subject)
            .public_key(key.public_key()).serial_number(2).not_valid_before(start).not_valid_after(end)
            .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True)
            .sign(root_key, hashes.SHA256()))
    if mismatched:   # another key beside the certificate (cryptography refuses to pair them itself)
        data = pkcs12.serialize_key_and_certificates(b"tte", ec.generate_private_key(ec.SECP256R1()), None,
                                                     [leaf, root], serialization.BestAvailableEncryption(password))
    else:
        data = pkcs12.serialize_key_and_certificates(b"tte", key, leaf, [root],
                                                     serialization.BestAvailableEncryption(password))
    return data, root.public_bytes(serialization.Encoding.PEM)


@pytest.mark.parametrize("case, message", [
    ("wrong_password", "Kata sandi berkas PKCS#12 salah"),
    ("mismatched", "tidak cocok dengan sertifikat"),
    ("expired", "kedaluwarsa"),
    ("not_p12", "bukan PKCS#12"),
])
def test_a_bad_pkcs12_file_is_refused(app, kaltim, case, message):
    s = kaltim["signatory"]
    holder = browser_login(app, kaltim["holder"][1])
    data, _ = _p12(b"rahasia-bsre", expired=case == "expired", mismatched=case == "mismatched")
    if case == "not_p12":
        data = b"%PDF-1.4 bukan sertifikat"
    response = post_form(holder, "/users/userinfo/", enrol_url(s, "impor"), f"p12{s}",
                         {"password": "salah" if case == "wrong_password" else "rahasia-bsre",
                          "passphrase": PASSPHRASE, "confirmation": PASSPHRASE},
                         files={"file": (io.BytesIO(data), "tte.p12")})
    assert response.status_code == 422 and message in response.get_data(as_text=True), case
    assert signatory_row(app, s)["key"] is None


def test_a_bsre_pkcs12_file_is_imported_and_signs(app, offices, kaltim, api_client):
    from app.documents.pades import check_signature

    s = kaltim["signatory"]
    holder = browser_login(app, kaltim["holder"][1])
    data, root = _p12(b"rahasia-bsre")
    response = post_form(holder, "/users/userinfo/", enrol_url(s, "impor"), f"p12{s}",
                         {"password": "rahasia-bsre", "passphrase": PASSPHRASE, "confirmation": PASSPHRASE},
                         files={"file": (io.BytesIO(data), "tte.p12")})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    row = signatory_row(app, s)
    assert x509.load_pem_x509_certificate(row["cert"]).issuer == _name("BSrE Uji")
    assert events(app, s)[-1] == "signing_imported"
    office = offices["kaltim"]
    office.staff["kepala_dinas"] = signed_in(api_client, kaltim["holder"])
    path = path_to(office.data["workflows"]["kaltim_perizinan"], "penandatanganan")
    app_id = office.create("kaltim_akdp", path)
    office.drive(app_id, path)
    assert office.staff["kepala_dinas"].transition(app_id, "tandatangani", {"passphrase": PASSPHRASE}).status_code == 200
    licence = documents_of(app, app_id)["kaltim_izin"]
    assert check_signature(licence["path"].read_bytes(), row["cert"], trust_roots=[root]).ok
    verify = api_client.get(f"/verify/{licence['code']}").get_data(as_text=True)
    assert "Dokumen terdaftar dan utuh" in verify and "BSrE Uji" in verify


def test_a_ca_key_that_no_longer_opens_is_reported_and_refuses_enrolment(app, kaltim, monkeypatch):
    from app.extensions import db
    from app.ops.checks import check_signing
    from app.documents.signing import SigningError, enrol, revoke
    from models import Signatory

    monkeypatch.setitem(app.config, "SIGNING_CA_SECRET", "another-secret-than-the-one-the-CAs-were-made-with")
    with app.app_context():
        problems = [r for r in check_signing() if r.name == "signing kaltim CA"]
        assert problems and not problems[0].ok and "SIGNING_CA_SECRET" in problems[0].fix
        signatory = db.session.get(Signatory, kaltim["signatory"])
        if signatory.encrypted_key_pem:
            revoke(signatory)
        with pytest.raises(SigningError, match="SIGNING_CA_SECRET"):
            enrol(signatory, PASSPHRASE)
        db.session.rollback()
    monkeypatch.setitem(app.config, "SIGNING_CA_SECRET", "")
    with app.app_context():
        assert not [r for r in check_signing() if r.name == "signing kaltim CA"]


@pytest.mark.parametrize("value, expected", [
    ("Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu Provinsi Kalimantan Timur",
     "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu Provinsi"),
    ("Balai Wilayah Sungai, Direktorat Jenderal Sumber Daya Air, Kementerian Pekerjaan Umum",
     "Balai Wilayah Sungai, Direktorat Jenderal Sumber Daya Air"),
    ("Balai  Uji\tKalibrasi", "Balai Uji Kalibrasi"),
    ("x" * 80, "x" * 64),
])
def test_certificate_names_are_cut_at_a_word_within_64_characters(value, expected):
    """X.509 limits an organisation or common name to 64 characters: a longer agency name is cut at
    the last whole word, not mid-word with a trailing space (pdfsig and Acrobat show it as is)."""
    from app.documents.signing import name_part

    assert name_part(value) == expected and len(name_part(value)) <= 64
