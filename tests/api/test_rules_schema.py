"""``GET /api/v1/rules/schema``: the committed JSON Schema, public, cacheable with an ETag, and in
the OpenAPI document as a public operation."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

URL = "/api/v1/rules/schema"
COMMITTED = Path(__file__).resolve().parents[2] / "docs" / "rules.schema.json"


def test_anyone_gets_the_committed_schema_as_schema_json(client):
    response = client.get(URL)
    assert response.status_code == 200
    assert response.mimetype == "application/schema+json"
    assert response.get_data() == COMMITTED.read_bytes()
    assert json.loads(response.get_data())["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert "Set-Cookie" not in response.headers


def test_it_is_cacheable_and_revalidates_with_its_etag(client):
    first = client.get(URL)
    etag = first.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith('W/')
    assert first.headers["Cache-Control"] == "public, max-age=3600" and "Pragma" not in first.headers
    again = client.get(URL, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b"" and again.headers["ETag"] == etag
    assert "no-store" not in again.headers.get("Cache-Control", "")


@pytest.mark.parametrize("if_none_match", ['"0123"', "*x", "", 'W/"nope"'])
def test_another_etag_gets_the_whole_schema(client, if_none_match):
    response = client.get(URL, headers={"If-None-Match": if_none_match})
    assert response.status_code == 200 and response.get_data() == COMMITTED.read_bytes()


def test_a_token_changes_nothing(client, shared):
    token = shared.api_login(client, "admin")
    response = client.get(URL, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200 and response.get_data() == COMMITTED.read_bytes()


def test_the_openapi_document_shows_a_public_operation_answering_schema_json(client, shared):
    token = shared.api_login(client, "admin")
    spec = client.get("/api/v1/_openapi", headers={"Authorization": f"Bearer {token}"}).get_json()
    operation = spec["paths"][URL]["get"]
    assert operation["security"] == []
    assert "401" not in operation["responses"] and "403" not in operation["responses"]
    assert set(operation["responses"]["200"]["content"]) == {"application/schema+json"}
    assert {"ETag", "Cache-Control"} <= set(operation["responses"]["200"]["headers"])
    assert "304" in operation["responses"]
