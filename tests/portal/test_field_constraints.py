"""Richer form fields (issue 13, item 3): whole numbers (``integer``), cross-field constraints
(``before``, ``min_field``/``max_field``) and text ``pattern``s — the engine on inline specs, the
loader's refusals of bad declarations, and each one through the portal wizard and the REST API with
the Indonesian message on the field that carries it."""
from __future__ import annotations

import pytest
import yaml

from app.workflow.fields import validate_fields
from tests.rules.test_loader import VALID_RULES, problems_for


def _errors(specs, values):
    return {key: str(message) for key, message in validate_fields(specs, values)[1].items()}


def _loader_text(tmp_path, *fields) -> str:
    data = yaml.safe_load(VALID_RULES)
    data["services"]["uji_tera"]["fields"].extend(fields)
    return "\n".join(problem.text("en") + "\n" + problem.text("id") for problem in problems_for(tmp_path, data))


# ---------------------------------------------------------------- integer

INTEGER = [{"key": "peneliti", "label": "Jumlah peneliti", "type": "integer", "required": True, "min": 1, "max": 20}]


@pytest.mark.parametrize("raw, value, error", [
    ("3", 3, None),
    (3, 3, None),
    ("3,0", 3, None),
    ("2.5", None, "Isian ini harus bilangan bulat."),
    ("2,5", None, "Isian ini harus bilangan bulat."),
    (2.5, None, "Isian ini harus bilangan bulat."),
    ("dua", None, "Harus berupa angka."),
    ("0", None, "Nilai minimal 1."),
    ("21", None, "Nilai maksimal 20."),
    (True, None, "Harus berupa angka."),
])
def test_integer_values(raw, value, error):
    cleaned, errors = validate_fields(INTEGER, {"peneliti": raw})
    if error is None:
        assert errors == {} and cleaned["peneliti"] == value and type(cleaned["peneliti"]) is int
    else:
        assert {k: str(m) for k, m in errors.items()} == {"peneliti": error}


@pytest.mark.parametrize("field, expected", [
    ({"key": "x", "label": "X", "type": "integer", "min": 1.5}, "'min' of field 'x' of service 'uji_tera' must be a whole number"),
    ({"key": "x", "label": "X", "type": "integer", "max": "10"}, "must be a whole number"),
    ({"key": "x", "label": "X", "type": "integer", "min": 5, "max": 2}, "'max' of field 'x' of service 'uji_tera' is less than its 'min'"),
    ({"key": "x", "label": "X", "type": "integer", "after": "jenis"}, "'after' is not allowed on a integer field"),
    ({"key": "x", "label": "X", "type": "bilangan"}, "bilangan"),
])
def test_loader_refuses_bad_integer_fields(tmp_path, field, expected):
    assert expected in _loader_text(tmp_path, field)


# ---------------------------------------------------------------- through the portal and the API

SIPA_OK = {"peruntukan": "industri", "jumlah_sumur": "2", "kedalaman_sumur": "60", "debit_rencana": "12,5"}

# (name, the fields changed, the field that carries the message, the message)
CASES = [
    ("half a well", {"jumlah_sumur": "2.5"}, "jumlah_sumur", "Isian ini harus bilangan bulat."),
    ("half a well, comma", {"jumlah_sumur": "2,5"}, "jumlah_sumur", "Isian ini harus bilangan bulat."),
    ("too many wells", {"jumlah_sumur": "51"}, "jumlah_sumur", "Nilai maksimal 50."),
]


@pytest.fixture
def kaltim_customer(app, factories):
    from tests.conftest import ApiClient, api_login
    user_id, username = factories.customer("company")
    client = app.test_client()
    return ApiClient(client, api_login(client, username), user_id, username)


@pytest.mark.parametrize("name, changes, field, message", CASES)
def test_api_refuses_bad_values_on_the_field(app, kaltim_customer, name, changes, field, message):
    from models import Application
    from tests.portal.conftest import count
    before = count(app, Application)
    response = kaltim_customer.create("kaltim_sipa", fields={**SIPA_OK, **changes}, request_kind="baru",
                                      declaration=True)
    assert response.status_code == 422
    errors = response.get_json()["field_errors"]
    assert errors[field] == message
    assert not {key for key in SIPA_OK if key != field} & set(errors)
    assert count(app, Application) == before


@pytest.mark.parametrize("name, changes, field, message", CASES)
def test_wizard_refuses_bad_values_on_the_field(app, kaltim_customer, name, changes, field, message):
    from tests.conftest import sign_in
    portal = sign_in(app.test_client(), kaltim_customer.user_id)
    data = {"action": "submit", "request_kind": "baru",
            **{f"f.{k}": v for k, v in {**SIPA_OK, **changes}.items()}}
    response = portal.post("/portal/ajukan/kaltim_sipa", data=data, content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html
    # the message sits with its own field, not with the one before it
    assert message in html.split(f'name="f.{field}"', 1)[1][:1500]
    assert message not in html.split(f'name="f.{field}"', 1)[0]


def test_documents_and_the_staff_page_write_integers_the_indonesian_way():
    from app.documents.context import _field_value
    assert _field_value({"fields": INTEGER}, "peneliti", 1200) == "1.200"
