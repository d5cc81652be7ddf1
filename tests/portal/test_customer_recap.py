"""The customer's counters and own recap (search, Export Excel), the staff recap's Perihal column
(the field the rules mark ``subject: true``) and the integrity statement on the staff page."""
from __future__ import annotations

import io
import re
from datetime import datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from models import Application
from tests.backoffice.conftest import html_login
from tests.portal.conftest import sign_in
from tests.portal.test_track_by_email import melasti_form, submit_melasti


def _submit(app, client, user_id, subject: str) -> int:
    response = client.post("/portal/ajukan/melasti_data", data=melasti_form(**{"f.perihal": subject}),
                           content_type="multipart/form-data")
    assert response.status_code == 302
    with app.app_context():
        from app.extensions import db
        return db.session.scalar(select(Application.id).where(Application.customer_id == user_id)
                                 .order_by(Application.id.desc()))


def _counters(html: str) -> dict[str, int]:
    return {key: int(n) for key, n in re.findall(r'id="counter-(\w+)">(\d+)<', html)}


def _act(app, app_id: int, user_id: int, action: str, **kwargs) -> None:
    from app.commands.application.transition import ApplicationTransitionCommand
    from app.extensions import db
    from models import User
    with app.app_context():
        ApplicationTransitionCommand(app_id, db.session.get(User, user_id), action, **kwargs).run()


@pytest.fixture
def two_customers(app, factories):
    """Two customers with MELASTI requests: (client, user id, [app ids]) each."""
    result = []
    for subjects in (["Data gelombang Sanur", "Uji model pemecah gelombang"], ["Rahasia milik orang lain"]):
        user_id, _name = factories.customer()
        client = sign_in(app.test_client(), user_id)
        result.append((client, user_id, [_submit(app, client, user_id, s) for s in subjects]))
    return result


def test_the_counters_follow_the_manual(app, two_customers, factories):
    (client, _uid, (first, second)), _other = two_customers
    assert _counters(client.get("/portal/permohonan").get_data(as_text=True)) == \
        {"waiting": 2, "approved": 0, "rejected": 0, "completed": 0, "total": 2}
    admin_id, _ = factories.staff("melasti", "admin_layanan")
    _act(app, first, admin_id, "terima")
    _act(app, second, admin_id, "tolak", fields={"catatan": "Di luar lingkup layanan."})
    assert _counters(client.get("/portal/permohonan/rekap").get_data(as_text=True)) == \
        {"waiting": 0, "approved": 1, "rejected": 1, "completed": 0, "total": 2}


@pytest.mark.parametrize("query, expected", [
    ("", {"Data gelombang Sanur", "Uji model pemecah gelombang"}),
    ("sanur", {"Data gelombang Sanur"}),
    ("PEMECAH", {"Uji model pemecah gelombang"}),
    ("Rahasia milik orang lain", set()),          # another customer's subject
    ("%", set()),                                 # no SQL wildcard
    ("' OR 1=1 --", set()),
    ("<script>", set()),
])
def test_the_recap_searches_only_my_own_requests(app, two_customers, query, expected):
    (client, _uid, _ids), (_c2, _u2, (foreign,)) = two_customers
    page = client.get("/portal/permohonan/rekap", query_string={"q": query})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    shown = {s for s in ("Data gelombang Sanur", "Uji model pemecah gelombang", "Rahasia milik orang lain")
             if f">{s}<" in html}
    assert shown == expected
    assert f"/portal/permohonan/{foreign}\"" not in html
    sheet = load_workbook(io.BytesIO(client.get("/portal/permohonan/rekap/excel",
                                                query_string={"q": query}).data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][5] == "Perihal"
    assert {r[5] for r in rows[1:]} == expected


def test_my_own_receipt_search_and_the_excel_times_are_local(app, two_customers):
    (client, _uid, (first, _second)), (_c2, _u2, (foreign,)) = two_customers
    with app.app_context():
        from app.extensions import db
        mine = db.session.get(Application, first)
        receipt, submitted = mine.receipt, mine.submitted_at or mine.created_at
        their_receipt = db.session.get(Application, foreign).receipt
    assert ">Data gelombang Sanur<" in client.get("/portal/permohonan/rekap", query_string={"q": receipt.lower()}).get_data(as_text=True)
    assert "Rahasia" not in client.get("/portal/permohonan/rekap", query_string={"q": their_receipt}).get_data(as_text=True)
    response = client.get("/portal/permohonan/rekap/excel")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    rows = list(load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))
    header, data = rows[0], {r[2]: dict(zip(rows[0], r)) for r in rows[1:]}
    assert len(data) == 2 and receipt in data and their_receipt not in data
    from zoneinfo import ZoneInfo
    local = submitted.astimezone(ZoneInfo("Asia/Makassar")).replace(tzinfo=None, second=0, microsecond=0)
    got = data[receipt]["Tanggal pengajuan"]
    assert isinstance(got, datetime) and got.replace(second=0, microsecond=0) == local
    assert data[receipt]["Zona waktu"] == "WITA" and "Zona waktu" in header


@pytest.mark.parametrize("path", ["/portal/permohonan/rekap", "/portal/permohonan/rekap/excel"])
def test_the_recap_needs_a_signed_in_customer(app, path):
    response = app.test_client().get(path)
    assert response.status_code in (302, 401, 403) and b"Data gelombang" not in response.data


def test_staff_recap_has_the_subject_and_the_page_shows_the_integrity_statement(app, two_customers, factories):
    (_client, _uid, (first, _second)), _other = two_customers
    _staff_id, username = factories.staff("melasti", "admin_layanan")
    staff = html_login(app, username)
    page = staff.get("/backoffice/rekap/", query_string={"from": "2000-01-01"}).get_data(as_text=True)
    assert "<th>Perihal</th>" in page and "<td>Data gelombang Sanur</td>" in page
    rows = list(load_workbook(io.BytesIO(staff.get("/backoffice/rekap/excel?from=2000-01-01").data))
                .active.iter_rows(values_only=True))
    column = rows[0].index("Perihal")
    assert "Data gelombang Sanur" in {r[column] for r in rows[1:]}
    show = staff.get(f"/backoffice/permohonan/{first}").get_data(as_text=True)
    block = show.split('id="declaration"', 1)[1].split("</div>\n</div>", 1)[0]
    assert "Pernyataan integritas" in block and 'id="declaration-accepted"' in block
    assert re.search(r"saat mengajukan, \d{1,2} \w+ \d{4}, \d{2}\.\d{2} WITA", block), block
