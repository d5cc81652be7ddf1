"""Repeatable groups (issue 13, item 3): a field of rows with their own sub-fields — the engine on
inline specs, the loader's refusals, and the research locations of tests/groups/rules through the
portal wizard (with and without a bad row, adding and removing rows without JavaScript), the REST
API, the staff page and the documents' context."""
from __future__ import annotations

import pytest
import yaml

from app.workflow.fields import validate_fields
from tests.rules.test_loader import VALID_RULES, problems_for

SERVICE = "izin_penelitian"
LOKASI = {"key": "lokasi", "label": "Lokasi penelitian", "type": "group", "min_items": 1, "max_items": 3,
          "fields": [{"key": "kota", "label": "Kota", "type": "text", "required": True},
                     {"key": "hari", "label": "Jumlah hari", "type": "integer", "min": 1, "max": 60},
                     {"key": "mulai", "label": "Mulai", "type": "date"},
                     {"key": "selesai", "label": "Selesai", "type": "date", "after": "mulai"}]}


def _errors(values, specs=(LOKASI,)):
    cleaned, errors = validate_fields(list(specs), values)
    return cleaned, {key: str(message) for key, message in errors.items()}


# ---------------------------------------------------------------- the engine

def test_rows_are_cleaned_and_blank_rows_dropped():
    cleaned, errors = _errors({"lokasi": [{"kota": " Bogor ", "hari": "3"}, {"kota": "", "hari": ""},
                                          {"kota": "Samarinda", "hari": 2, "mulai": "2026-12-01"}]})
    assert errors == {}
    assert cleaned["lokasi"] == [{"kota": "Bogor", "hari": 3, "mulai": None, "selesai": None},
                                 {"kota": "Samarinda", "hari": 2, "mulai": "2026-12-01", "selesai": None}]


def test_each_rows_errors_are_keyed_to_the_row_and_sub_field():
    _cleaned, errors = _errors({"lokasi": [{"kota": "Bogor", "hari": "3"}, {}, {"hari": "2,5"},
                                           {"kota": "Bandung", "mulai": "2026-12-05", "selesai": "2026-12-01"}]})
    assert errors == {"lokasi.3.kota": "Wajib diisi.", "lokasi.3.hari": "Isian ini harus bilangan bulat.",
                      "lokasi.4.selesai": "Tidak boleh sebelum Mulai."}


@pytest.mark.parametrize("rows, message", [
    ([], "Paling sedikit 1 baris."),
    ([{"kota": "A"}, {"kota": "B"}, {"kota": "C"}, {"kota": "D"}], "Paling banyak 3 baris."),
    ("Bogor", "Isian tidak valid."),
])
def test_row_count_limits_are_on_the_group(rows, message):
    assert _errors({"lokasi": rows})[1] == {"lokasi": message}


def test_a_row_that_is_not_an_object_is_refused_on_its_row():
    assert _errors({"lokasi": [{"kota": "Bogor"}, ["x"]]})[1] == {"lokasi.2": "Baris tidak valid."}


def test_an_optional_group_may_be_empty_and_a_required_one_may_not():
    optional = dict(LOKASI, min_items=0)
    assert _errors({}, [optional]) == ({"lokasi": []}, {})
    assert _errors({"lokasi": [{}]}, [dict(optional, required=True)])[1] == {"lokasi": "Wajib diisi."}


# ---------------------------------------------------------------- rules check

def _loader_text(tmp_path, field) -> str:
    data = yaml.safe_load(VALID_RULES)
    data["services"]["uji_tera"]["fields"].append(field)
    return "\n".join(problem.text("en") + "\n" + problem.text("id") for problem in problems_for(tmp_path, data))


SUB = [{"key": "kota", "label": "Kota", "type": "text"}]


@pytest.mark.parametrize("field, expected", [
    ({"key": "g", "label": "G", "type": "group", "fields": SUB + [{"key": "n", "label": "N", "type": "group", "fields": SUB}]},
     "field 'n' of field 'g' of service 'uji_tera': a field of a repeatable group may not be of type 'group'"),
    ({"key": "g", "label": "G", "type": "group", "fields": SUB + [{"key": "f", "label": "F", "type": "file"}]},
     "field 'f' of field 'g' of service 'uji_tera': a field of a repeatable group may not be of type 'file'"),
    ({"key": "g", "label": "G", "type": "group", "fields": SUB, "min_items": 5, "max_items": 2},
     "'max_items' of field 'g' of service 'uji_tera' is less than its 'min_items'"),
    ({"key": "g", "label": "G", "type": "group"},
     "field 'g' of service 'uji_tera' is a repeatable group and needs 'fields'"),
    ({"key": "g", "label": "G", "type": "text", "max_items": 2}, "'max_items' is not allowed on a text field"),
    ({"key": "g", "label": "G", "type": "group", "fields": []}, "'fields' of field 'g' of service 'uji_tera' must have at least one item"),
    ({"key": "g", "label": "G", "type": "group",
      "fields": SUB + [{"key": "n", "label": "N", "type": "integer", "max_field": "jumlah"}]},
     "'max_field' of field 'n' of field 'g' of service 'uji_tera' names field 'jumlah'"),
])
def test_loader_refuses_bad_groups_at_their_line(tmp_path, field, expected):
    text = _loader_text(tmp_path, field)
    assert expected in text
    assert "workflow_rules.yaml:" in text


def test_loader_refuses_a_group_in_a_transition_form(tmp_path):
    data = yaml.safe_load(VALID_RULES)
    transition = next(iter(data["workflows"].values()))["transitions"][0]
    transition["form"] = [{"key": "g", "label": "G", "type": "group", "fields": SUB}]
    text = "\n".join(problem.text("en") for problem in problems_for(tmp_path, data))
    assert "a repeatable group is allowed only among a service's fields" in text


# ---------------------------------------------------------------- the portal wizard

def _portal(app, factories):
    from tests.conftest import sign_in
    user_id, _username = factories.customer()
    return sign_in(app.test_client(), user_id), user_id


def _post(portal, **form):
    data = {"request_kind": "baru", "f.judul": "Kajian air tanah", **form}
    return portal.post(f"/portal/ajukan/{SERVICE}", data=data, content_type="multipart/form-data")


def test_the_wizard_shows_one_row_with_its_sub_fields_and_the_buttons(app, factories):
    portal, _user = _portal(app, factories)
    html = portal.get(f"/portal/ajukan/{SERVICE}").get_data(as_text=True)
    assert "Lokasi 1" in html and 'name="f.lokasi.1.kota"' in html and 'name="f.lokasi.1.hari"' in html
    assert 'name="f.lokasi.2.kota"' not in html
    assert 'value="group_add:lokasi"' in html and "Tambah baris" in html and "Hapus" in html


def test_add_and_remove_rows_without_javascript(app, factories):
    portal, _user = _portal(app, factories)
    response = _post(portal, action="group_add:lokasi", **{"f.lokasi.1.kota": "Bogor", "f.lokasi.1.hari": "3"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'name="f.lokasi.2.kota"' in html and 'name="f.lokasi.3.kota"' not in html
    assert 'value="Bogor"' in html and "Lokasi 2" in html and '<p class="error"' not in html   # not validated
    response = _post(portal, action="group_remove:lokasi:1",
                     **{"f.lokasi.1.kota": "Bogor", "f.lokasi.2.kota": "Samarinda"})
    html = response.get_data(as_text=True)
    assert 'value="Samarinda"' in html and 'value="Bogor"' not in html


def test_the_wizard_puts_a_bad_sub_field_value_on_its_row(app, factories):
    from models import Application
    from tests.portal.conftest import count
    portal, _user = _portal(app, factories)
    before = count(app, Application)
    response = _post(portal, action="submit", **{"f.lokasi.1.kota": "Bogor", "f.lokasi.1.hari": "3",
                                                 "f.lokasi.2.kota": "Samarinda", "f.lokasi.2.hari": "2,5"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert count(app, Application) == before
    message = "Isian ini harus bilangan bulat."
    assert message in html.split('name="f.lokasi.2.hari"', 1)[1][:1500]
    assert message not in html.split('name="f.lokasi.2.hari"', 1)[0]
    assert 'value="Samarinda"' in html


def test_the_wizard_stores_the_rows_as_a_list(app, factories):
    from sqlalchemy import select
    from app.extensions import db
    from models import Application
    portal, user_id = _portal(app, factories)
    response = _post(portal, action="submit", **{"f.lokasi.1.kota": "Bogor", "f.lokasi.1.hari": "3",
                                                 "f.lokasi.2.kota": "", "f.lokasi.3.kota": "Samarinda"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    with app.app_context():
        application = db.session.scalars(select(Application).where(Application.customer_id == user_id)).one()
        assert application.data["lokasi"] == [{"kota": "Bogor", "hari": 3, "mulai": None},
                                              {"kota": "Samarinda", "hari": None, "mulai": None}]


# ---------------------------------------------------------------- the REST API, the staff page, documents

ROWS = [{"kota": "Bogor", "hari": 45, "mulai": "2026-12-01"}, {"kota": "Samarinda", "hari": 2}]


def test_api_takes_an_array_and_keys_a_bad_row(app, factories, signed_in):
    customer = signed_in(factories.customer())
    response = customer.create(SERVICE, request_kind="baru",
                               fields={"judul": "Kajian", "lokasi": [{"kota": "Bogor"}, {"hari": "dua"}]})
    assert response.status_code == 422
    assert response.get_json()["field_errors"] == {"lokasi.2.kota": "Wajib diisi.",
                                                   "lokasi.2.hari": "Harus berupa angka."}
    response = customer.create(SERVICE, request_kind="baru",
                               fields={"judul": "Kajian", "lokasi": [{"kota": "Bogor"}, {"kota": "Balikpapan"}] * 2})
    assert response.status_code == 422 and response.get_json()["field_errors"] == {"lokasi": "Paling banyak 3 baris."}
    response = customer.create(SERVICE, request_kind="baru", fields={"judul": "Kajian", "lokasi": ROWS})
    assert response.status_code == 201, response.get_json()
    body = customer.get(f"/api/v1/application/{response.get_json()['result']['id']}").get_json()["result"]
    assert body["data"]["lokasi"] == [{"kota": "Bogor", "hari": 45, "mulai": "2026-12-01"},
                                      {"kota": "Samarinda", "hari": 2, "mulai": None}]


def test_the_staff_page_shows_the_rows_as_a_table(app, factories, signed_in):
    from tests.conftest import sign_in
    customer = signed_in(factories.customer())
    app_id = customer.create(SERVICE, request_kind="baru", fields={"judul": "Kajian", "lokasi": ROWS}).get_json()["result"]["id"]
    staff = sign_in(app.test_client(), factories.staff("balitbang", "petugas")[0])
    response = staff.get(f"/backoffice/permohonan/{app_id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html[:500]
    table = html.split('class="table table-bordered table-condensed field-group"', 1)[1].split("</table>", 1)[0]
    assert [cell in table for cell in ("<th>Kota</th>", "<th>Jumlah hari</th>", "<td>Bogor</td>",
                                       "<td>45</td>", "<td>1 Desember 2026</td>", "<td>Samarinda</td>")] == [True] * 6


def test_documents_get_the_rows_written_the_indonesian_way():
    from app.documents.context import _field_value, _typed_data
    spec = {"fields": [LOKASI]}
    data = {"lokasi": [{"kota": "Bogor", "hari": 1200, "mulai": None}]}
    assert _typed_data(spec, data, "id")["lokasi"] == [{"kota": "Bogor", "hari": "1.200", "mulai": None}]
    assert _field_value(spec, "lokasi", data["lokasi"]) == "Kota: Bogor, Jumlah hari: 1.200"


def test_row_buttons_and_the_rows_shown():
    """What the wizard and the revision form share: the buttons' actions and the rows shown."""
    from app.portal.apply import WizardForm, group_action, group_display_rows
    form = WizardForm(fields={"lokasi": [{"kota": "Bogor"}]})
    assert group_action(form, {"fields": [LOKASI]}, "group_add:lokasi") and form.group_grown == "lokasi"
    assert group_display_rows(LOKASI, form.fields["lokasi"], grown=True) == [{"kota": "Bogor"}, {}]
    assert group_display_rows(LOKASI, [{"kota": "Bogor"}]) == [{"kota": "Bogor"}, {}]
    assert group_display_rows(LOKASI, [{"kota": "A"}, {"kota": "B"}, {"kota": "C"}]) == \
        [{"kota": "A"}, {"kota": "B"}, {"kota": "C"}]   # full: no blank row
    assert not group_action(form, {"fields": [LOKASI]}, "group_add:judul")


def test_sample_values_fill_a_group():
    from app.demo.autofill import sample_value
    rows = sample_value(dict(LOKASI, min_items=2))
    assert len(rows) == 2 and rows[0]["kota"] and rows[0]["hari"] == 1
    assert validate_fields([LOKASI], {"lokasi": rows})[1] == {}


def test_the_openapi_contract_takes_a_group_as_an_array_of_objects():
    from views.api import CreateApplicationSchema
    loaded = CreateApplicationSchema().load({"service": SERVICE, "fields": {"lokasi": ROWS}})
    assert loaded["fields_"]["lokasi"] == ROWS
    assert "array of objects" in CreateApplicationSchema().fields["fields_"].metadata["description"]


def test_a_document_template_prints_the_rows(app, factories, signed_in):
    """The HTML a PDF is rendered from (tests/groups/rules/templates/rekomendasi.html) loops over
    ``app.data.lokasi``; ``details`` gives the group on one line."""
    from app.documents.produce import render_draft_html
    from app.extensions import db
    from models import Application
    customer = signed_in(factories.customer())
    app_id = customer.create(SERVICE, request_kind="baru", fields={"judul": "Kajian", "lokasi": ROWS}).get_json()["result"]["id"]
    with app.app_context():
        html = render_draft_html(db.session.get(Application, app_id), "rekomendasi")
    table = html.split('<table class="lokasi">', 1)[1].split("</table>", 1)[0]
    assert "<td>1</td><td>Bogor</td><td>45</td><td>2026-12-01</td>" in table
    assert "<td>2</td><td>Samarinda</td><td>2</td><td>-</td>" in table
    assert "Lokasi penelitian: Kota: Bogor, Jumlah hari: 45, Tanggal mulai: 1 Desember 2026; Kota: Samarinda, Jumlah hari: 2" in html


def test_the_revision_form_edits_the_rows(app, factories, signed_in):
    """A revision asked by the staff: the customer's form shows the rows, adds one without
    JavaScript, puts a bad value on its row and stores the corrected list."""
    from tests.conftest import sign_in
    from app.extensions import db
    from models import Application
    customer_user = factories.customer()
    customer = signed_in(customer_user)
    app_id = customer.create(SERVICE, request_kind="baru", fields={"judul": "Kajian", "lokasi": ROWS}).get_json()["result"]["id"]
    assert customer.transition(app_id, "ajukan").status_code == 200
    staff = signed_in(factories.staff("balitbang", "petugas"))
    assert staff.transition(app_id, "minta_perbaikan").status_code == 200
    portal = sign_in(app.test_client(), customer_user[0])
    url = f"/portal/permohonan/{app_id}/revisi/kirim_perbaikan"
    html = portal.get(url).get_data(as_text=True)
    assert 'name="f.lokasi.2.kota"' in html and 'value="Samarinda"' in html
    # the two rows and a blank one reach max_items (3): no "Tambah baris" then
    assert 'name="f.lokasi.3.kota"' in html and "Tambah baris" not in html
    form = {"f.judul": "Kajian", "f.lokasi.1.kota": "Bogor", "f.lokasi.1.hari": "45", "f.lokasi.2.kota": "Samarinda"}
    response = portal.post(url, data={**form, "action": "group_add:lokasi"})
    assert response.status_code == 200 and 'name="f.lokasi.3.kota"' in response.get_data(as_text=True)
    response = portal.post(url, data={**form, "f.lokasi.3.kota": "Balikpapan", "f.lokasi.3.hari": "0"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Nilai minimal 1." in html.split('name="f.lokasi.3.hari"', 1)[1][:1500]
    response = portal.post(url, data={**form, "f.lokasi.3.kota": "Balikpapan", "f.lokasi.3.hari": "4"})
    assert response.status_code == 302, response.get_data(as_text=True)[:1500]
    with app.app_context():
        application = db.session.get(Application, app_id)
        assert application.state == "diajukan"
        assert [row["kota"] for row in application.data["lokasi"]] == ["Bogor", "Samarinda", "Balikpapan"]
        assert application.data["lokasi"][2]["hari"] == 4


def test_a_blank_row_does_not_make_the_browser_require_its_inputs(app, factories):
    """The blank row offered to fill in is dropped when left blank, so its inputs carry no
    ``required`` (the browser would refuse to send the form); a filled row's do."""
    portal, _user = _portal(app, factories)
    html = _post(portal, action="group_add:lokasi", **{"f.lokasi.1.kota": "Bogor"}).get_data(as_text=True)
    first = html.split('name="f.lokasi.1.kota"', 1)[1].split(">", 1)[0]
    second = html.split('name="f.lokasi.2.kota"', 1)[1].split(">", 1)[0]
    assert "required" in first and "required" not in second
