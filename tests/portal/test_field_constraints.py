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


def test_documents_write_integers_the_indonesian_way():
    from app.documents.context import _field_value
    assert _field_value({"fields": INTEGER}, "peneliti", 1200) == "1.200"


# ---------------------------------------------------------------- cross-field constraints

PERIOD = [
    {"key": "mulai", "label": "Tanggal mulai", "type": "date", "required": True, "before": "selesai"},
    {"key": "selesai", "label": "Tanggal selesai", "type": "date", "required": True},
    {"key": "anggaran", "label": "Anggaran penelitian", "type": "money"},
    {"key": "biaya_lapangan", "label": "Biaya lapangan", "type": "money", "max_field": "anggaran"},
    {"key": "peserta_min", "label": "Peserta paling sedikit", "type": "integer"},
    {"key": "peserta", "label": "Jumlah peserta", "type": "integer", "min_field": "peserta_min"},
]


@pytest.mark.parametrize("values, errors", [
    ({"mulai": "2026-12-17", "selesai": "2026-12-18"}, {}),
    ({"mulai": "2026-12-18", "selesai": "2026-12-18"}, {}),                      # the same day: on or before
    ({"mulai": "2026-12-19", "selesai": "2026-12-18"}, {"mulai": "Tidak boleh setelah Tanggal selesai."}),
    ({"mulai": "2026-12-19", "selesai": "18-12"}, {"selesai": "*"}),               # the other invalid: its own message only
    ({"mulai": "2026-12-17", "selesai": "2026-12-18", "anggaran": "1000000", "biaya_lapangan": "1000000"}, {}),
    ({"mulai": "2026-12-17", "selesai": "2026-12-18", "anggaran": "1000000", "biaya_lapangan": "1000001"},
     {"biaya_lapangan": "Tidak boleh lebih dari Anggaran penelitian."}),
    ({"mulai": "2026-12-17", "selesai": "2026-12-18", "biaya_lapangan": "5000000"}, {}),  # no budget: nothing to compare
    ({"mulai": "2026-12-17", "selesai": "2026-12-18", "peserta_min": "5", "peserta": "4"},
     {"peserta": "Tidak boleh kurang dari Peserta paling sedikit."}),
    ({"mulai": "2026-12-17", "selesai": "2026-12-18", "peserta_min": "5", "peserta": "5"}, {}),
])
def test_comparisons_with_another_field(values, errors):
    found = _errors(PERIOD, values)
    assert set(found) == set(errors)
    for key, text in errors.items():
        if text != "*":
            assert found[key] == text


def test_comparisons_look_at_the_application_data_in_a_transition_form():
    from app.workflow.fields import FieldContext
    form = [{"key": "diterima", "label": "Jumlah diterima", "type": "money", "max_field": "tagihan"}]
    context = FieldContext(data={"tagihan": 50000}, labels={"tagihan": {"id": "Besaran tagihan", "en": "Amount billed"}})
    assert str(validate_fields(form, {"diterima": "60000"}, context=context)[1]["diterima"]) == \
        "Tidak boleh lebih dari Besaran tagihan."
    assert validate_fields(form, {"diterima": "50000"}, context=context)[1] == {}


@pytest.mark.parametrize("fields, expected", [
    ([{"key": "a", "label": "A", "type": "date", "before": "b"}],
     "'before' of field 'a' of service 'uji_tera' names field 'b', which is not another field of this form"),
    ([{"key": "a", "label": "A", "type": "date", "before": "a"}], "which is not another field of this form"),
    ([{"key": "a", "label": "A", "type": "date", "before": "jenis"}],
     "'before' of field 'a' of service 'uji_tera' names field 'jenis' of type select; only date, datetime fields can be compared"),
    ([{"key": "a", "label": "A", "type": "money", "max_field": "jenis"}], "only integer, money, number fields can be compared"),
    ([{"key": "a", "label": "A", "type": "integer", "min_field": "pagu"}], "names field 'pagu', which is not another field"),
    ([{"key": "a", "label": "A", "type": "text", "before": "jenis"}], "'before' is not allowed on a text field"),
    ([{"key": "a", "label": "A", "type": "date", "max_field": "jenis"}], "'max_field' is not allowed on a date field"),
])
def test_loader_refuses_bad_comparisons(tmp_path, fields, expected):
    assert expected in _loader_text(tmp_path, *fields)


def test_loader_refuses_bad_comparisons_in_a_transition_form_with_the_line(tmp_path):
    data = yaml.safe_load(VALID_RULES)
    form = data["workflows"]["sederhana"]["transitions"][0].setdefault("form", [])
    form.append({"key": "tanggal", "label": "Tanggal", "type": "date", "before": "tidak_ada"})
    problems = problems_for(tmp_path, data)
    text = "\n".join(problem.text("en") for problem in problems)
    assert "names field 'tidak_ada', which is neither another field of this form nor a field of service 'uji_tera'" in text
    line = next(problem.line for problem in problems if "tidak_ada" in problem.text("en"))
    lines = (tmp_path / "workflow_rules.yaml").read_text().splitlines()
    assert "before: tidak_ada" in lines[line - 1]


def test_loader_accepts_comparisons_with_a_later_field(tmp_path):
    from app.rules.loader import check_rules
    from tests.rules.test_loader import write_rules
    data = yaml.safe_load(VALID_RULES)
    data["services"]["uji_tera"]["fields"] += PERIOD
    rules, problems = check_rules(write_rules(tmp_path, yaml.safe_dump(data, sort_keys=False)))
    assert problems == [] and rules is not None


# ---------------------------------------------------------------- a research-permit office, through the portal and the API

RESEARCH = "melasti_penelitian_uji"
RESEARCH_FIELDS = [
    {"key": "judul", "label": {"id": "Judul penelitian", "en": "Research title"}, "type": "text", "required": True,
     "max_length": 255, "subject": True},
    {"key": "jumlah_peneliti", "label": {"id": "Jumlah peneliti", "en": "Number of researchers"}, "type": "integer",
     "required": True, "min": 1, "max": 20},
    {"key": "tanggal_mulai", "label": {"id": "Tanggal mulai penelitian", "en": "Research start date"}, "type": "date",
     "required": True, "before": "tanggal_selesai"},
    {"key": "tanggal_selesai", "label": {"id": "Tanggal selesai penelitian", "en": "Research end date"}, "type": "date",
     "required": True},
    {"key": "anggaran", "label": {"id": "Anggaran penelitian", "en": "Research budget"}, "type": "money"},
    {"key": "biaya_lapangan", "label": {"id": "Biaya kegiatan lapangan", "en": "Field work costs"}, "type": "money",
     "max_field": "anggaran"},
    {"key": "sampel_minimal", "label": {"id": "Jumlah sampel minimal", "en": "Minimum number of samples"},
     "type": "integer", "min": 1},
    {"key": "sampel_rencana", "label": {"id": "Jumlah sampel yang direncanakan", "en": "Planned number of samples"},
     "type": "integer", "min_field": "sampel_minimal"},
    {"key": "nomor_surat", "label": {"id": "Nomor surat pengantar kampus", "en": "University cover letter number"},
     "type": "text", "required": True, "pattern": "[0-9]{1,4}/[A-Z0-9.]{2,20}/[0-9]{4}",
     "pattern_message": {"id": "Tulis nomor surat seperti 123/UN1.FT/2026.", "en": "Write the number like 123/UN1.FT/2026."}},
]
RESEARCH_OK = {"judul": "Abrasi pantai Kuta", "jumlah_peneliti": "3", "tanggal_mulai": "2026-12-17",
               "tanggal_selesai": "2026-12-18", "anggaran": "10000000", "biaya_lapangan": "2500000",
               "sampel_minimal": "10", "sampel_rencana": "12", "nomor_surat": "123/UN1.FT/2026"}
RESEARCH_CASES = [
    ("2.5 researchers", {"jumlah_peneliti": "2.5"}, "jumlah_peneliti", "Isian ini harus bilangan bulat."),
    ("2,5 researchers", {"jumlah_peneliti": "2,5"}, "jumlah_peneliti", "Isian ini harus bilangan bulat."),
    ("end before start", {"tanggal_mulai": "2026-12-19"}, "tanggal_mulai",
     "Tidak boleh setelah Tanggal selesai penelitian."),
    ("costs above the budget", {"biaya_lapangan": "10000001"}, "biaya_lapangan",
     "Tidak boleh lebih dari Anggaran penelitian."),
    ("fewer samples than the minimum", {"sampel_rencana": "9"}, "sampel_rencana",
     "Tidak boleh kurang dari Jumlah sampel minimal."),
    ("a cover letter number in another shape", {"nomor_surat": "UN1/123"}, "nomor_surat",
     "Tulis nomor surat seperti 123/UN1.FT/2026."),
    ("a cover letter number with more after it", {"nomor_surat": "123/UN1.FT/2026 lama"}, "nomor_surat",
     "Tulis nomor surat seperti 123/UN1.FT/2026."),
]


@pytest.fixture(scope="module")
def research_office(app):
    """The shipped rules plus a test-only MELASTI research-recommendation service using the new
    field kinds, activated as a rules version; the shipped rules are put back afterwards."""
    import copy

    from app.commands.rules.activate import ActivateRulesCommand
    from app.extensions import db
    from app.rules.format import RulesSpec
    from app.rules.loader import load_rules
    from app.rules.model import Rules

    shipped = load_rules(app.config["RULES_PATH"])
    data = copy.deepcopy(shipped.to_dict())
    service = copy.deepcopy(data["services"]["melasti_data"])
    service.update(code="L.Uji", name={"id": "Rekomendasi Penelitian (uji)", "en": "Research recommendation (test)"},
                   fields=RESEARCH_FIELDS, documents=[])
    data["services"][RESEARCH] = service
    RulesSpec.model_validate(data)
    with app.app_context():
        ActivateRulesCommand(Rules.from_dict(data, base_dir=shipped.base_dir)).run()
        db.session.commit()
    yield RESEARCH
    with app.app_context():
        ActivateRulesCommand(shipped).run()
        db.session.commit()


@pytest.mark.parametrize("name, changes, field, message", RESEARCH_CASES)
def test_api_refuses_research_values_on_the_field(app, research_office, kaltim_customer, name, changes, field, message):
    response = kaltim_customer.create(research_office, fields={**RESEARCH_OK, **changes}, declaration=True)
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["field_errors"] == {field: message}


@pytest.mark.parametrize("name, changes, field, message", RESEARCH_CASES)
def test_wizard_refuses_research_values_on_the_field(app, research_office, kaltim_customer, name, changes, field, message):
    from tests.conftest import sign_in
    portal = sign_in(app.test_client(), kaltim_customer.user_id)
    data = {"action": "submit", **{f"f.{k}": v for k, v in {**RESEARCH_OK, **changes}.items()}}
    response = portal.post(f"/portal/ajukan/{research_office}", data=data, content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    before, after = html.split(f'name="f.{field}"', 1)
    assert message in after[:1500] and message not in before


def test_research_values_that_hold_are_accepted_by_the_api(app, research_office, kaltim_customer):
    response = kaltim_customer.create(research_office, fields=RESEARCH_OK, declaration=True)
    assert response.status_code in (200, 201), response.get_json()
    data = response.get_json()["result"]["data"]
    assert data["jumlah_peneliti"] == 3 and data["biaya_lapangan"] == 2500000


# ---------------------------------------------------------------- patterns

PATTERNED = [
    {"key": "kode", "label": "Kode", "type": "text", "pattern": "[A-Z]{2}-[0-9]{4}"},
    {"key": "nomor", "label": "Nomor", "type": "text", "pattern": "[0-9]+",
     "pattern_message": {"id": "Hanya angka.", "en": "Digits only."}},
]


@pytest.mark.parametrize("values, errors", [
    ({"kode": "AB-1234", "nomor": "0042"}, {}),
    ({"kode": "  AB-1234 "}, {}),                                                   # trimmed first
    ({"kode": "xAB-1234"}, {"kode": "Isian tidak sesuai format yang diminta."}),   # anchored at the start…
    ({"kode": "AB-12345"}, {"kode": "Isian tidak sesuai format yang diminta."}),   # …and at the end
    ({"kode": "AB-1234\nCD-5678"}, {"kode": "Isian tidak sesuai format yang diminta."}),
    ({"nomor": "12a"}, {"nomor": "Hanya angka."}),
    ({"nomor": "1" * 1001}, {"nomor": "Hanya angka."}),                            # too long to match
])
def test_patterns_match_the_whole_value(values, errors):
    assert _errors(PATTERNED, values) == errors


@pytest.mark.parametrize("pattern, expected", [
    ("[", "not a valid regular expression: unterminated character set"),
    ("(a+)+b", "repeats something that already repeats"),
    ("([a-z]+\\.)+id", "repeats something that already repeats"),
    ("(a|b?)*", "repeats something that already repeats"),
    ("(a)\\1", "must not use back-references or lookahead/lookbehind"),
    ("(?!x)[a-z]+", "must not use back-references or lookahead/lookbehind"),
    ("a" * 201, "too long (at most 200 characters)"),
])
def test_loader_refuses_bad_patterns_at_their_line(tmp_path, pattern, expected):
    data = yaml.safe_load(VALID_RULES)
    data["services"]["uji_tera"]["fields"].append({"key": "x", "label": "X", "type": "text", "pattern": pattern})
    problems = problems_for(tmp_path, data)
    found = [problem for problem in problems if expected in problem.text("en")]
    assert found, "\n".join(problem.text("en") for problem in problems)
    assert "field 'x' of service 'uji_tera'" in found[0].text("en")
    assert "pattern:" in (tmp_path / "workflow_rules.yaml").read_text().splitlines()[found[0].line - 1]


@pytest.mark.parametrize("field, expected", [
    ({"key": "x", "label": "X", "type": "integer", "pattern": "[0-9]+"}, "'pattern' is not allowed on a integer field"),
    ({"key": "x", "label": "X", "type": "date", "pattern_message": "Salah"}, "'pattern_message' is not allowed on a date field"),
])
def test_loader_refuses_patterns_off_text_fields(tmp_path, field, expected):
    assert expected in _loader_text(tmp_path, field)


@pytest.mark.parametrize("pattern", ["(\\d{3}-)*\\d{3}", "[0-9]{1,4}/[A-Z0-9.]{2,20}/[0-9]{4}", "\\d+(\\.\\d+)?"])
def test_loader_accepts_safe_patterns(tmp_path, pattern):
    from app.rules.loader import check_rules
    from tests.rules.test_loader import write_rules
    data = yaml.safe_load(VALID_RULES)
    data["services"]["uji_tera"]["fields"].append({"key": "x", "label": "X", "type": "text", "pattern": pattern})
    rules, problems = check_rules(write_rules(tmp_path, yaml.safe_dump(data, sort_keys=False)))
    assert problems == [] and rules is not None


def test_the_staff_page_writes_integers_the_indonesian_way(app):
    from views.backoffice.desk import field_rows
    with app.test_request_context():
        rows = dict(field_rows(INTEGER + PATTERNED, {"peneliti": 1200, "kode": "AB-1234"}))
    assert rows["Jumlah peneliti"] == "1.200" and rows["Kode"] == "AB-1234"
