"""The slot picked inside the apply wizard (step "Pilih Jadwal"): shown in the agency's zone with its
free seats (full ones not selectable), booked when the application is submitted in the same
transaction, refused on the slot field (Indonesian) with no application stored, and the tariff of
``booked_days`` counting the slot booked at submission. The REST create path takes ``slot_id`` too."""
from __future__ import annotations

import itertools
from datetime import datetime, time, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from .helpers import AGENCY, OTHER, new_application, offer, whole_days

PAID = "sewa_aula_bayar"         # booking.wizard: required; "kirim" invoices booked_days * 1.000.000
OPTIONAL = "sewa_aula"           # no wizard key, picked in the initial state: optional
UNAVAILABLE = "Jadwal yang dipilih tidak tersedia."
FULL = "Jadwal yang dipilih sudah penuh; pilih jadwal lain."
CHOOSE = "Pilih salah satu jadwal."


def wizard(app, user):
    from tests.conftest import sign_in

    return sign_in(app.test_client(), user[0])


def submit(browser, service: str = PAID, **data):
    form = {"action": "submit", "f.acara": "Rapat Kerja Tahunan", **data}
    return browser.post(f"/portal/ajukan/{service}", data=form, content_type="multipart/form-data")


def applications_of(app, user_id: int) -> list:
    from app.extensions import db
    from models import Application

    with app.app_context():
        rows = db.session.execute(select(Application.id, Application.state, Application.total_amount)
                                  .where(Application.customer_id == user_id)).all()
        db.session.remove()
        return rows


def seats_taken(app, slot_id: int) -> int:
    from app.extensions import db
    from models import Booking

    with app.app_context():
        count = db.session.scalar(select(func.count(Booking.id)).where(Booking.slot_id == slot_id,
                                                                       Booking.seat.is_not(None)))
        db.session.remove()
        return count


def slot_error(html: str) -> str:
    """The message under the slot field (``<p class="error" id="slot_id-error">``), or ''."""
    marker = 'id="slot_id-error" role="alert">'
    if marker not in html:
        return ""
    return html.split(marker, 1)[1].split("</p>", 1)[0]


_past_weeks = itertools.count(3)


def past_slot(app, staff_id: int) -> int:
    """A whole-day slot on a Monday weeks ago, offered "back then" (the command refuses past slots now)."""
    from app.commands.booking import OfferSlotsCommand, SlotRequest
    from app.extensions import db
    from models import Agency, User

    today = datetime.now(timezone.utc).date()
    day = today - timedelta(days=today.weekday() + 7 * next(_past_weeks))
    with app.test_request_context():
        agency_id = db.session.scalar(select(Agency.id).where(Agency.key == AGENCY))
        [slot] = OfferSlotsCommand(db.session.get(User, staff_id), agency_id, "aula", [SlotRequest(day, last_day=day)],
                                   now=datetime.combine(day - timedelta(days=1), time(0), timezone.utc)).run()
        slot_id = slot.id
        db.session.remove()
    return slot_id


# -- the step ---------------------------------------------------------------------------------
def test_the_wizard_shows_the_open_slots_in_the_agency_zone_and_full_ones_not_selectable(app, factories, signed_in, monday):
    staff = factories.staff(AGENCY, "pengelola_aula")
    free_id, full_id = offer(app, staff[0], "aula", whole_days(monday, monday + timedelta(days=1)),
                             whole_days(monday + timedelta(days=2), monday + timedelta(days=2)))
    taker = signed_in(factories.customer())
    booked = new_application(taker, OPTIONAL)
    assert taker.post(f"/api/v1/booking/application/{booked}", {"slot_id": full_id}).status_code == 201

    html = wizard(app, factories.customer()).get(f"/portal/ajukan/{PAID}").get_data(as_text=True)
    assert 'data-step="jadwal"' in html and "Pilih Jadwal" in html and "Jadwal Aula Serbaguna" in html
    assert "Waktu ditampilkan dalam WITA" in html
    free_row = html.split(f'value="{free_id}"', 1)[1].split("</label>", 1)[0]
    full_row = html.split(f'value="{full_id}"', 1)[1].split("</label>", 1)[0]
    # 08:00 WITA on Monday: the agency's wall clock, not UTC (00:00)
    assert "08.00 WITA" in free_row and "1 dari 1 kosong" in free_row and "required" in free_row
    assert "disabled" in full_row and "penuh" in full_row
    assert "Pilih nanti" not in html          # required: no "later"


def test_optional_step_offers_later_and_none_open_says_so(app, factories):
    html = wizard(app, factories.customer()).get(f"/portal/ajukan/{OPTIONAL}").get_data(as_text=True)
    assert 'data-step="jadwal"' in html and "(opsional)" in html and "Pilih nanti" in html
    html = wizard(app, factories.customer()).get("/portal/ajukan/sewa_ruang_lain").get_data(as_text=True)
    assert 'id="no-slots"' in html
    assert "Belum ada jadwal Ruang Rapat yang dibuka petugas." in html and "simpan sebagai draf" in html


# -- submitting -----------------------------------------------------------------------------
def test_the_slot_is_booked_with_the_application_and_the_fee_counts_its_days(app, factories, monday):
    staff = factories.staff(AGENCY, "pengelola_aula")
    [slot_id] = offer(app, staff[0], "aula", whole_days(monday, monday + timedelta(days=2)))
    user = factories.customer()
    browser = wizard(app, user)
    response = submit(browser, slot_id=str(slot_id))
    assert response.status_code == 302, slot_error(response.get_data(as_text=True)) or response.get_data(as_text=True)[:2000]
    [(app_id, state, total)] = applications_of(app, user[0])
    # sent at once ("kirim": guard slot_chosen), invoiced per booked day: Monday..Wednesday = 3 days
    assert state == "menunggu_bayar" and total == Decimal("3000000")
    assert seats_taken(app, slot_id) == 1
    page = browser.get(f"/portal/permohonan/{app_id}").get_data(as_text=True)
    assert "Dipesan:" in page and "Jadwal dipilih" in page


def test_optional_step_left_empty_creates_the_application_without_a_booking(app, factories, monday):
    user = factories.customer()
    response = submit(wizard(app, user), OPTIONAL, slot_id="")
    assert response.status_code == 302
    [(_app_id, state, _total)] = applications_of(app, user[0])
    assert state == "draf"        # "kirim" waits for a slot (slot_chosen), picked on the application page

    staff = factories.staff(AGENCY, "pengelola_aula")
    [slot_id] = offer(app, staff[0], "aula", whole_days(monday, monday))
    other = factories.customer()
    assert submit(wizard(app, other), OPTIONAL, slot_id=str(slot_id)).status_code == 302
    [(_app_id, state, _total)] = applications_of(app, other[0])
    assert state == "terkirim" and seats_taken(app, slot_id) == 1


HOSTILE = [
    ("missing", CHOOSE),
    ("other_agency", UNAVAILABLE),
    ("other_resource", UNAVAILABLE),
    ("full", FULL),
    ("past", UNAVAILABLE),
    ("withdrawn", UNAVAILABLE),
    ("no_such_id", UNAVAILABLE),
    ("letters", UNAVAILABLE),
    ("negative", UNAVAILABLE),
    ("huge", UNAVAILABLE),
    ("float", UNAVAILABLE),
]


def hostile_slot(app, factories, signed_in, monday, case: str) -> str:
    if case == "missing":
        return ""
    if case in ("letters", "negative", "huge", "float"):
        return {"letters": "satu", "negative": "-1", "huge": "9" * 40, "float": "1.5"}[case]
    if case == "no_such_id":
        return str(2 ** 31 - 7)
    if case == "other_agency":
        staff = factories.staff(OTHER, "petugas")
        return str(offer(app, staff[0], "aula", whole_days(monday, monday), agency=OTHER)[0])
    staff = factories.staff(AGENCY, "pengelola_aula", "petugas")
    if case == "other_resource":
        return str(offer(app, staff[0], "spektro", (monday, "09:00", "10:00"))[0])
    if case == "past":
        return str(past_slot(app, staff[0]))
    [slot_id] = offer(app, staff[0], "aula", whole_days(monday, monday))
    if case == "full":
        taker = signed_in(factories.customer())
        assert taker.post(f"/api/v1/booking/application/{new_application(taker, OPTIONAL)}",
                          {"slot_id": slot_id}).status_code == 201
    if case == "withdrawn":
        from app.commands.booking import WithdrawSlotCommand
        from app.extensions import db
        from models import User

        with app.test_request_context():
            WithdrawSlotCommand(db.session.get(User, staff[0]), slot_id).run()
            db.session.remove()
    return str(slot_id)


@pytest.mark.parametrize("case, message", HOSTILE, ids=[c for c, _ in HOSTILE])
def test_a_refused_slot_is_told_on_its_field_and_nothing_is_stored(app, factories, signed_in, monday, case, message):
    raw = hostile_slot(app, factories, signed_in, monday, case)
    user = factories.customer()
    response = submit(wizard(app, user), slot_id=raw)
    html = response.get_data(as_text=True)
    assert response.status_code == 422, html[:2000]
    assert slot_error(html) == message
    assert 'class="step" data-step="jadwal"' in html and 'aria-describedby="slot_id-error"' in html
    assert applications_of(app, user[0]) == []
    if raw.isdigit() and len(raw) < 10:
        assert seats_taken(app, int(raw)) == (1 if case == "full" else 0)


def test_every_problem_is_shown_at_once_and_a_refused_form_holds_no_seat(app, factories, monday):
    staff = factories.staff(AGENCY, "pengelola_aula")
    [slot_id] = offer(app, staff[0], "aula", whole_days(monday, monday))
    user = factories.customer()
    response = submit(wizard(app, user), **{"f.acara": "", "slot_id": str(slot_id)})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "wajib" in html.lower()
    assert slot_error(html) == ""                       # the slot was fine ...
    assert "checked" in html.split(f'value="{slot_id}"', 1)[1].split(">", 1)[0]   # the choice stays
    assert seats_taken(app, slot_id) == 0               # ... and is still free: nothing booked
    assert applications_of(app, user[0]) == []

    # a missing field and a missing slot: both messages in one answer
    response = submit(wizard(app, user), **{"f.acara": "", "slot_id": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and slot_error(html) == CHOOSE and "wajib" in html.lower()


def test_a_draft_keeps_the_chosen_slot(app, factories, monday):
    staff = factories.staff(AGENCY, "pengelola_aula")
    [slot_id] = offer(app, staff[0], "aula", whole_days(monday, monday))
    browser = wizard(app, factories.customer())
    response = browser.post(f"/portal/ajukan/{PAID}", data={"action": "draft", "slot_id": str(slot_id)},
                            content_type="multipart/form-data")
    assert response.status_code == 302
    html = browser.get(f"/portal/ajukan/{PAID}").get_data(as_text=True)
    row = html.split(f'value="{slot_id}"', 1)[1].split(">", 1)[0]
    assert "checked" in row
    assert seats_taken(app, slot_id) == 0               # a draft books nothing


# -- the REST create path -----------------------------------------------------------------
def test_the_api_books_the_slot_with_the_application(app, factories, signed_in, monday):
    staff = factories.staff(AGENCY, "pengelola_aula")
    [slot_id] = offer(app, staff[0], "aula", whole_days(monday, monday + timedelta(days=1)))
    customer = signed_in(factories.customer())
    response = customer.create(PAID, fields={"acara": "Seminar"}, slot_id=slot_id)
    assert response.status_code == 201, response.get_json()
    result = response.get_json()["result"]
    assert result["booking"]["slot_id"] == slot_id and result["booking"]["start"].endswith("+08:00")
    assert seats_taken(app, slot_id) == 1


@pytest.mark.parametrize("case", ["missing", "other_agency", "full", "past", "no_such_id", "letters", "huge"])
def test_the_api_refuses_a_bad_slot_on_the_slot_id_field(app, factories, signed_in, monday, case):
    raw = hostile_slot(app, factories, signed_in, monday, case)
    customer = signed_in(factories.customer())
    body = {"fields": {"acara": "Seminar"}}
    if case in ("letters", "huge"):
        body["slot_id"] = raw if case == "letters" else int(raw)
    elif raw:
        body["slot_id"] = int(raw)
    response = customer.create(PAID, **body)
    payload = response.get_json()
    assert response.status_code in (400, 422), payload
    assert "slot_id" in (payload.get("field_errors") or {}), payload
    assert applications_of(app, customer.user_id) == []
