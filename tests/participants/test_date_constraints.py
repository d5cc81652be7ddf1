"""Date constraints of form fields (``not_future``, ``after``): the engine on inline specs, the
loader's checks, and the Metrologi fields on the API and the portal wizard."""
from __future__ import annotations

import copy
from datetime import date, timedelta

import pytest
import yaml

from app.workflow.fields import FieldContext, validate_fields
from tests.rules.test_loader import VALID_RULES, messages, problems_for, write_rules

SPECS = [
    {"key": "tgl_uji", "label": "Tanggal pengujian", "type": "date", "required": True, "not_future": True},
    {"key": "tgl_skhp", "label": "Tanggal SKHP", "type": "date", "required": True, "not_future": True,
     "after": "tgl_uji"},
]
TODAY = FieldContext(today="2026-11-30")


@pytest.mark.parametrize("uji, skhp, errors", [
    ("2026-11-01", "2026-11-02", {}),
    ("2026-11-01", "2026-11-01", {}),                                             # same day: on or after
    ("2026-11-30", "2026-11-30", {}),                                             # today is not future
    ("2026-12-01", "2026-12-02", {"tgl_uji": "Tanggal tidak boleh melewati hari ini.",
                                  "tgl_skhp": "Tanggal tidak boleh melewati hari ini."}),
    ("2026-11-10", "2026-11-09", {"tgl_skhp": "Tidak boleh sebelum Tanggal pengujian."}),
    ("2026-11-10", "2026-12-09", {"tgl_skhp": "Tanggal tidak boleh melewati hari ini."}),
    ("31-02-2026", "2026-11-09", {"tgl_uji": "*"}),                               # bad date: its own message only
])
def test_date_constraints_on_the_field(uji, skhp, errors):
    _cleaned, found = validate_fields(SPECS, {"tgl_uji": uji, "tgl_skhp": skhp}, context=TODAY)
    assert set(found) == set(errors)
    for key, text in errors.items():
        if text != "*":
            assert str(found[key]) == text


def test_after_looks_at_the_application_data_in_a_transition_form():
    form = [{"key": "tanggal", "label": "Tanggal", "type": "date", "after": "tgl_uji"}]
    context = FieldContext(data={"tgl_uji": "2026-11-10"}, today="2026-11-30")
    assert "tanggal" in validate_fields(form, {"tanggal": "2026-11-09"}, context=context)[1]
    assert validate_fields(form, {"tanggal": "2026-11-10"}, context=context)[1] == {}


def test_a_datetime_against_a_date_compares_days():
    specs = [{"key": "a", "label": "A", "type": "date"},
             {"key": "b", "label": "B", "type": "datetime", "after": "a", "not_future": True}]
    assert validate_fields(specs, {"a": "2026-11-10", "b": "2026-11-10T08:00"}, context=TODAY)[1] == {}
    assert "b" in validate_fields(specs, {"a": "2026-11-10", "b": "2026-11-09T23:00"}, context=TODAY)[1]


@pytest.mark.parametrize("field, expected", [
    ({"key": "x", "label": "X", "type": "text", "not_future": True}, "'not_future' is not allowed on a text field"),
    ({"key": "x", "label": "X", "type": "number", "after": "jenis"}, "'after' is not allowed on a number field"),
    ({"key": "x", "label": "X", "type": "date", "after": "nanti"}, "names 'nanti', which is not an earlier date field"),
    ({"key": "x", "label": "X", "type": "date", "not_future": "ya"}, "not_future"),
])
def test_loader_refuses_misused_date_constraints(tmp_path, field, expected):
    data = yaml.safe_load(VALID_RULES)
    data["services"]["uji_tera"]["fields"].append(field)
    assert expected in "\n".join(problem.text("en") for problem in problems_for(tmp_path, data))


def test_loader_accepts_date_constraints(tmp_path):
    from app.rules.loader import check_rules
    data = yaml.safe_load(VALID_RULES)
    data["services"]["uji_tera"]["fields"] += copy.deepcopy(SPECS)
    rules, problems = check_rules(write_rules(tmp_path, yaml.safe_dump(data, sort_keys=False)))
    assert problems == [] and rules is not None


# ---------------------------------------------------------------- Metrologi, end to end

def _tera_ulang(uji: str, skhp: str) -> dict:
    return {"jenis_layanan": "tera_ulang", "jenis_uttp": "timbangan", "no_skhp_lama": "0001/SKHP/2025",
            "tgl_uji_lama": uji, "tgl_skhp_lama": skhp}


TOMORROW = (date.today() + timedelta(days=2)).isoformat()
CASES = [
    ("future test", TOMORROW, TOMORROW, "tgl_uji_lama", "Tanggal tidak boleh melewati hari ini."),
    ("SKHP before test", "2025-03-05", "2025-03-04", "tgl_skhp_lama", "Tidak boleh sebelum Tanggal tera/pengujian lama."),
]


@pytest.fixture
def metrologi_customer(app, factories):
    from app.extensions import db
    from models import Asset
    from tests.conftest import ApiClient, api_login
    user_id, username = factories.customer("person")
    with app.app_context():
        asset = Asset(owner_id=user_id, kind="uttp", name="Timbangan Meja", serial_number=f"TM-{user_id}")
        db.session.add(asset)
        db.session.commit()
        asset_id = asset.id
    client = app.test_client()
    return ApiClient(client, api_login(client, username), user_id, username), asset_id


@pytest.mark.parametrize("name, uji, skhp, field, message", CASES)
def test_api_refuses_bad_dates_on_the_field(app, metrologi_customer, name, uji, skhp, field, message):
    from models import Application
    from tests.portal.conftest import count
    api, asset_id = metrologi_customer
    before = count(app, Application)
    response = api.create("metrologi_tera", fields=_tera_ulang(uji, skhp), asset_id=asset_id, declaration=True)
    assert response.status_code == 422
    assert response.get_json()["field_errors"][field] == message
    assert count(app, Application) == before


@pytest.mark.parametrize("name, uji, skhp, field, message", CASES)
def test_wizard_refuses_bad_dates_on_the_field(app, metrologi_customer, name, uji, skhp, field, message):
    from tests.conftest import sign_in
    api, asset_id = metrologi_customer
    portal = sign_in(app.test_client(), api.user_id)
    data = {"asset_id": str(asset_id), "action": "submit", **{f"f.{k}": v for k, v in _tera_ulang(uji, skhp).items()}}
    response = portal.post("/portal/ajukan/metrologi_tera", data=data, content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html
    # the message sits with its own field
    assert message in html.split(f'name="f.{field}"', 1)[1][:1500]
