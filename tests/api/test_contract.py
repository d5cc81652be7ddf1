"""The API's contract over tables of hostile variants: every bad token is a 401, every body that is
not the documented object a 4xx, every id beyond int64 a 404, every duplicate in the security API a
409 — never a 5xx, always JSON."""
from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest

PATHS = ["/api/v1/application/", "/api/v1/application/1", "/api/v1/complaint/", "/api/v1/agency/",
         "/api/v1/security/users/", "/api/v1/_openapi"]


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def bad_tokens(app) -> dict[str, str | None]:
    """Authorization header values that must all be refused with 401."""
    import jwt
    from flask_jwt_extended import create_access_token, create_refresh_token

    with app.app_context():
        from app.extensions import appbuilder
        admin = appbuilder.sm.find_user(username="admin")
        expired = create_access_token(str(admin.id), expires_delta=timedelta(seconds=-60))
        refresh = create_refresh_token(str(admin.id))
        ghost = create_access_token("987654321")
        valid = create_access_token(str(admin.id))
    header, payload, _signature = valid.split(".")
    forged = jwt.encode({"sub": str(1), "fresh": False, "type": "access"}, "not-the-secret-key-at-all-0123456789",
                        algorithm="HS256")
    unsigned = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{payload}."
    return {
        "missing": None,
        "empty": "",
        "bearer only": "Bearer",
        "bearer space": "Bearer ",
        "junk": "Bearer junk",
        "three dots": "Bearer a.b.c",
        "two segments": f"Bearer {header}.{payload}",
        "not base64": "Bearer !!!.???.***",
        "json junk": f"Bearer {_b64({'x': 1})}.{_b64({'y': 2})}.{_b64({'z': 3})}",
        "wrong signature": f"Bearer {forged}",
        "tampered payload": f"Bearer {header}.{_b64({'sub': '1', 'type': 'access'})}.{valid.split('.')[2]}",
        "alg none": f"Bearer {unsigned}",
        "expired": f"Bearer {expired}",
        "refresh as access": f"Bearer {refresh}",
        "unknown user": f"Bearer {ghost}",
        "basic scheme": "Basic YWRtaW46RGVtbzEyMzQ1",
        "token without scheme": valid,
        "lower-case scheme, junk": "bearer x.y.z",
        "api key prefix, unknown": "Bearer sp_00000000000000000000000000000000",
    }


@pytest.fixture(scope="module")
def tokens(app):
    return bad_tokens(app)


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("variant", [
    "missing", "empty", "bearer only", "bearer space", "junk", "three dots", "two segments", "not base64",
    "json junk", "wrong signature", "tampered payload", "alg none", "expired", "refresh as access",
    "unknown user", "basic scheme", "token without scheme", "lower-case scheme, junk",
    "api key prefix, unknown"])
def test_every_bad_token_is_a_401(client, tokens, path, variant):
    value = tokens[variant]
    headers = {} if value is None else {"Authorization": value}
    response = client.get(path, headers=headers)
    assert response.status_code == 401, (variant, response.status_code, response.get_data(as_text=True)[:200])
    assert response.is_json and response.get_json().get("message")


@pytest.mark.parametrize("variant", ["junk", "three dots", "expired", "wrong signature", "alg none"])
def test_bad_tokens_on_writes_are_401_too(client, tokens, variant):
    headers = {"Authorization": tokens[variant]}
    for path in ("/api/v1/application/", "/api/v1/application/1/transition", "/api/v1/application/1/survey",
                 "/api/v1/security/roles/"):
        response = client.post(path, json={"action": "x"}, headers=headers)
        assert response.status_code == 401, (path, response.get_data(as_text=True)[:200])
        assert "Bearer" in response.headers.get("WWW-Authenticate", "")


# --- bodies -------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def admin_headers(app, shared):
    return {"Authorization": f"Bearer {shared.api_login(app.test_client(), 'admin')}"}


@pytest.fixture(scope="module")
def customer_headers(app, shared, factories):
    return {"Authorization": f"Bearer {shared.api_login(app.test_client(), factories.customer()[1])}"}


NOT_OBJECTS = ["[]", "[1, 2]", '"text"', "42", "null", "true", '[{"action": "kirim"}]']
MALFORMED = ["{", '{"action": }', "{'a': 1}", "\x00", '{"a": NaN'] 
ENDPOINTS = ["/api/v1/application/", "/api/v1/application/1/transition", "/api/v1/application/1/survey",
             "/api/v1/security/roles/", "/api/v1/security/users/", "/api/v1/security/login"]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("body", NOT_OBJECTS + MALFORMED)
def test_a_body_that_is_not_an_object_is_refused_not_a_500(client, customer_headers, endpoint, body):
    response = client.post(endpoint, data=body, content_type="application/json", headers=customer_headers)
    assert response.status_code in (400, 403, 422), (response.status_code, response.get_data(as_text=True)[:200])
    assert response.is_json


WRONG_SHAPES = [
    ("/api/v1/application/", {"service": ["x"]}, "service"),
    ("/api/v1/application/", {"service": "bmkg_informasi", "fields": []}, "fields"),
    ("/api/v1/application/", {"service": "bmkg_informasi", "fields": "a=1"}, "fields"),
    ("/api/v1/application/", {"service": "bmkg_informasi", "cart": {"code": "x"}}, "cart"),
    ("/api/v1/application/", {"service": "bmkg_informasi", "cart": [{"code": "x", "quantity": 1e308}]},
     "cart.0.quantity"),
    ("/api/v1/application/", {"service": "bmkg_informasi", "cart": ["x"]}, "cart.0"),
    ("/api/v1/application/", {"service": "bmkg_informasi", "asset_id": 2 ** 70}, "asset_id"),
    ("/api/v1/application/", {"service": "bmkg_informasi", "asset_id": True}, "asset_id"),
    ("/api/v1/application/", {"service": "bmkg_informasi", "company": [1]}, "company"),
    ("/api/v1/application/", {"service": "bmkg_informasi", "location": "Samarinda"}, "location"),
    ("/api/v1/application/", {}, "service"),
    ("/api/v1/application/1/transition", {"action": {"a": 1}}, "action"),
    ("/api/v1/application/1/transition", {"action": "kirim", "fields": [1]}, "fields"),
    ("/api/v1/application/1/transition", {"action": "kirim", "updates": "x"}, "updates"),
    ("/api/v1/application/1/transition", {"action": "kirim", "version": "x"}, "version"),
    ("/api/v1/application/1/transition", {"fields": {}}, "action"),
    ("/api/v1/application/1/survey", {"answers": [4, 4]}, "answers"),
    ("/api/v1/application/1/survey", {"answers": "4"}, "answers"),
    ("/api/v1/application/1/survey", {"answers": {"q1": "sangat baik"}}, "answers"),
    ("/api/v1/application/1/survey", {"answers": {"q1": 1e400}}, "answers"),
    ("/api/v1/application/1/survey", {"answers": {}, "free_text": ["x"]}, "free_text"),
    ("/api/v1/application/1/survey", {}, "answers"),
]


@pytest.mark.parametrize("endpoint,body,field", WRONG_SHAPES)
def test_wrong_shapes_are_a_422_naming_the_field(client, customer_headers, endpoint, body, field):
    response = client.post(endpoint, data=json.dumps(body), content_type="application/json",
                           headers=customer_headers)
    answer = response.get_json()
    assert response.status_code == 422, answer
    assert any(key == field or key.startswith(field + ".") for key in answer["field_errors"]), answer


@pytest.mark.parametrize("path", [
    f"/api/v1/application/{2 ** 63}", f"/api/v1/application/{2 ** 64}/timeline", f"/api/v1/complaint/{2 ** 63}",
    f"/api/v1/agency/{10 ** 30}", f"/api/v1/application/{2 ** 63}/actions", "/api/v1/application/-1",
    f"/api/v1/application/-{2 ** 63 + 1}", f"/api/v1/security/users/{2 ** 63}", f"/api/v1/message/{2 ** 100}",
])
def test_ids_beyond_int64_are_404(client, admin_headers, path):
    response = client.get(path, headers=admin_headers)
    assert response.status_code == 404, response.get_data(as_text=True)[:200]
    assert response.is_json


@pytest.mark.parametrize("query", [
    "page=abc", "page=-1", f"page={2 ** 63}", "page_size=0", f"page_size={10 ** 20}", "page=1e5",
])
def test_bad_list_paging_is_a_422(client, customer_headers, query):
    response = client.get(f"/api/v1/application/?{query}", headers=customer_headers)
    assert response.status_code == 422, response.get_data(as_text=True)[:200]


@pytest.mark.parametrize("q", [
    "(page:1.5e", "(", "(filters:!((col:agency_id,opr:eq,value:99999999999999999999999)))",
    "(page_size:99999999999999999999,page:99999999999999999999)", "(order_column:'",
    "(filters:!((col:agency_id,opr:eq,value:(a:b))))",
])
def test_unreadable_rison_queries_are_4xx(client, admin_headers, q):
    for path in ("/api/v1/agency/", "/api/v1/bank_account/", "/api/v1/security/users/"):
        response = client.get(path, query_string={"q": q}, headers=admin_headers)
        assert 400 <= response.status_code < 500, (path, q, response.get_data(as_text=True)[:200])


# --- Flask-AppBuilder's security API: duplicates ----------------------------------------------
@pytest.mark.parametrize("make", [
    lambda n: ("/api/v1/security/roles/", {"name": "Admin"}),
    lambda n: ("/api/v1/security/roles/", {"name": "customer"}),
    lambda n: ("/api/v1/security/users/", {"username": "admin", "first_name": "A", "last_name": "B",
                                           "email": f"{n}@example.test", "password": "Rahasia123!", "roles": [1]}),
    lambda n: ("/api/v1/security/users/", {"username": f"user{n}", "first_name": "A", "last_name": "B",
                                           "email": "admin@satupintu.local", "password": "Rahasia123!", "roles": [1]}),
    lambda n: ("/api/v1/security/resources/", {"name": "Application"}),
    lambda n: ("/api/v1/security/permissions-resources/", {"permission_id": 1, "view_menu_id": 1}),
    lambda n: ("/api/v1/security/groups/", {"name": "dup-group"}),
])
def test_duplicates_in_the_security_api_are_409_or_422(client, admin_headers, make):
    path, body = make(abs(hash(str(make))) % 10 ** 6)
    first = client.post(path, json=body, headers=admin_headers)   # may create it (a new group, pair)
    assert first.status_code in (201, 409, 422), first.get_data(as_text=True)[:300]
    response = client.post(path, json=body, headers=admin_headers)
    assert response.status_code in (409, 422), (response.status_code, response.get_data(as_text=True)[:300])
    assert response.is_json


def test_a_browser_error_page_is_in_the_users_language_and_keeps_the_status(client):
    """Outside /api/, a 404/405 is a page in Bahasa Indonesia (English with the English locale),
    not Werkzeug's bare "Not Found"; the status and headers (Allow) stay; /api/ stays JSON."""
    missing = client.get("/backoffice/halaman-yang-tidak-ada")
    page = missing.get_data(as_text=True)
    assert missing.status_code == 404 and missing.content_type.startswith("text/html")
    assert '<html lang="id">' in page and "Halaman tidak ditemukan" in page and "Not Found" not in page
    portal = client.get("/portal/tidak-ada").get_data(as_text=True)
    assert 'href="/portal/"' in portal
    wrong_method = client.delete("/login/")
    assert wrong_method.status_code == 405 and "GET" in wrong_method.headers["Allow"]
    assert "tidak diizinkan" in wrong_method.get_data(as_text=True)
    client.get("/lang/en")                                  # the language menu
    english = client.get("/backoffice/halaman-yang-tidak-ada")
    assert english.status_code == 404 and "Page not found" in english.get_data(as_text=True)
    assert '<html lang="en">' in english.get_data(as_text=True)
    client.get("/lang/id")
    api = client.get("/api/v1/tidak-ada")
    assert api.status_code == 404 and api.get_json()["error"] == "not_found"
