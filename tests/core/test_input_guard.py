"""A NUL (U+0000) in any text a request supplies is a 400 before a view runs (app/security/input_guard.py).

Found in the attacker walk on PostgreSQL: PostgreSQL text cannot hold U+0000, so every one of these
answered 500 there (SQLite stores the byte, which is why only the walk found it). The table covers
each place a request carries text — path, query key and value, form key and value, an upload's
file name, JSON keys, values and nested strings — on the portal, the back office, public pages and
the API.
"""
from __future__ import annotations

from io import BytesIO

import pytest

NUL = "\x00"

CASES = {
    "tracking_query": ("GET", "/lacak", {"query_string": {"nomor": "PTSP-202611-00001" + NUL}}),
    "tracking_email": ("GET", "/lacak", {"query_string": {"nomor": "X", "email": "a@b.id" + NUL}}),
    "query_key": ("GET", "/portal/layanan", {"query_string": {"q" + NUL: "x"}}),
    "verify_path": ("GET", "/verify/ab" + NUL + "c", {}),
    "portal_path": ("GET", "/portal/layanan/x" + NUL, {}),
    "portal_login_identifier": ("POST", "/portal/masuk", {"data": {"identifier": "budi" + NUL, "password": "x"}}),
    "portal_login_password": ("POST", "/portal/masuk", {"data": {"identifier": "budi", "password": NUL}}),
    "portal_register_nik": ("POST", "/portal/daftar", {"data": {"nik": "6472" + NUL, "email": "a@b.id"}}),
    "portal_forgot": ("POST", "/portal/lupa-sandi", {"data": {"nik": NUL * 16}}),
    "form_key": ("POST", "/portal/masuk", {"data": {"identifier" + NUL: "budi", "password": "x"}}),
    "staff_login_username": ("POST", "/login/", {"data": {"username": "adm" + NUL + "in", "password": "x"}}),
    "staff_queue_filter": ("GET", "/backoffice/antrean/", {"query_string": {"q": NUL}}),
    "upload_file_name": ("POST", "/portal/file-saya", {"data": {"berkas": (BytesIO(b"%PDF-1.4"), "a" + NUL + ".pdf")},
                                                       "content_type": "multipart/form-data"}),
    "api_login_username": ("POST", "/api/v1/security/login", {"json": {"username": "a" + NUL, "password": "x",
                                                                        "provider": "db"}}),
    "api_json_key": ("POST", "/api/v1/security/login", {"json": {"username" + NUL: "a", "password": "x"}}),
    "api_json_nested": ("POST", "/api/v1/application/", {"json": {"data": {"nama": ["ok", {"x": NUL}]}}}),
    "api_query": ("GET", "/api/v1/application/", {"query_string": {"q": "(filters:!((col:receipt,opr:eq,value:'" + NUL + "')))"}}),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_nul_anywhere_in_a_request_is_a_400(client, case):
    method, path, kwargs = CASES[case]
    response = client.open(path, method=method, **kwargs)
    assert response.status_code == 400, (case, response.status_code)
    if path.startswith("/api/"):
        body = response.get_json()
        assert body["error"] == "bad_request" and "NUL" in body["message"]
    else:
        assert "NUL" in response.get_data(as_text=True)


@pytest.mark.parametrize("path,kwargs", [
    ("/lacak", {"query_string": {"nomor": "PTSP-202611-00001", "email": "a@b.id"}}),
    ("/portal/layanan", {"query_string": {"q": "izin \u00e9 \u200b tab\there"}}),
    ("/api/v1/security/login", {"json": {"username": "nobody\\u0000", "password": "x", "provider": "db"}}),
])
def test_text_without_a_nul_is_not_refused(client, path, kwargs):
    method = "POST" if "json" in kwargs else "GET"
    response = client.open(path, method=method, **kwargs)
    assert response.status_code != 400 or "NUL" not in response.get_data(as_text=True)


SIGNED_IN = {
    "staff_queue_filter": ("staff", "GET", "/backoffice/antrean/", {"query_string": {"q": "a" + NUL}}),
    "staff_message": ("staff", "POST", "/backoffice/permohonan/1/pesan", {"data": {"body": "halo" + NUL}}),
    "staff_user_search": ("staff", "GET", "/users/list/", {"query_string": {"_flt_0_username": NUL}}),
    "customer_profile": ("customer", "POST", "/portal/profil", {"data": {"phone": "0812" + NUL}}),
    "customer_requests_filter": ("customer", "GET", "/portal/permohonan", {"query_string": {"status": NUL}}),
    "customer_complaint": ("customer", "POST", "/portal/pengaduan", {"data": {"subject": NUL, "body": "x"}}),
}


@pytest.mark.parametrize("case", sorted(SIGNED_IN))
def test_a_nul_from_a_signed_in_user_is_a_400_page_too(app, factories, case):
    """Signed in, the error page renders with the user's menu (the guard runs after the login hooks)."""
    from tests.conftest import sign_in
    from config import DEMO_PASSWORD

    who, method, path, kwargs = SIGNED_IN[case]
    client = app.test_client()
    if who == "staff":
        login = {"username": app.config["ADMIN_USERNAME"], "password": DEMO_PASSWORD}
        assert client.post("/login/", data=login).status_code == 302
    else:
        user_id, _username = factories.customer()
        sign_in(client, user_id)
    response = client.open(path, method=method, **kwargs)
    assert response.status_code == 400, (case, response.status_code)
    assert "NUL" in response.get_data(as_text=True)
