"""A citizen renting the hall picks the day inside the apply wizard (step "Pilih Jadwal"), in
headless Chromium: the slots in WITA with their free seats, a full day not selectable, the step
refusing to go on without a choice, the choice in the summary; the day taken by someone else just
before sending brings the wizard back on that step with the message, and another day goes through.
Screenshots in artifacts/e2e/<test>/."""
from __future__ import annotations

from datetime import date, timedelta

from tests.booking.helpers import AGENCY, offer, whole_days
from tests.e2e.helpers import off_loop, portal_login, verified_customer


def take_the_day(app, factories, slot_id: int) -> None:
    """Another customer's application books the slot (the same path as the wizard's, without a browser)."""
    from app.commands.application.create import CreateApplicationCommand
    from app.extensions import db
    from models import User

    user_id, _name = factories.customer()
    with app.test_request_context():
        CreateApplicationCommand(db.session.get(User, user_id), "sewa_aula_bayar", fields={"acara": "Lain"},
                                 slot_id=slot_id).run()
        db.session.remove()


def next_step(page) -> None:
    page.click("#step-nav [data-next]")


def test_the_hall_day_is_picked_in_the_wizard(page, app, factories):
    today = date.today()
    monday = today + timedelta(days=(7 - today.weekday()) % 7 + 14)
    staff = factories.staff(AGENCY, "pengelola_aula")
    first, second, full = offer(app, staff[0], "aula", whole_days(monday, monday + timedelta(days=1)),
                                whole_days(monday + timedelta(days=2), monday + timedelta(days=2)),
                                whole_days(monday + timedelta(days=3), monday + timedelta(days=3)))
    off_loop(take_the_day, app, factories, full)
    _user_id, username = verified_customer(app, factories)
    portal_login(page, username)

    page.goto("/portal/ajukan/sewa_aula_bayar")
    next_step(page)                                         # Data Pemohon -> Rincian
    page.fill("[name='f.acara']", "Rapat Kerja Tahunan")
    next_step(page)                                         # -> Pilih Jadwal
    step = page.locator("fieldset.step.active")
    assert step.get_attribute("data-step") == "jadwal"
    text = step.inner_text()
    assert "WITA" in text and "08.00 WITA" in text and "1 dari 1 kosong" in text and "penuh" in text
    assert page.locator(f"input[name=slot_id][value='{full}']").is_disabled()
    page.shot("pilih-jadwal")
    next_step(page)                                         # nothing chosen: refused here
    assert page.locator("fieldset.step.active").get_attribute("data-step") == "jadwal"
    assert "Wajib diisi." in page.locator("fieldset.step.active").inner_text()
    page.shot("pilih-jadwal-wajib")

    page.check(f"input[name=slot_id][value='{first}']")
    next_step(page)                                         # -> Dokumen
    next_step(page)                                         # -> Kirim, with the summary
    summary = page.locator("#summary").inner_text()
    assert "Jadwal Aula Serbaguna" in summary and "08.00 WITA" in summary
    page.shot("ringkasan")

    off_loop(take_the_day, app, factories, first)           # someone else is quicker
    page.click("#submit-application")
    page.wait_for_load_state()
    active = page.locator("fieldset.step.active")
    assert active.get_attribute("data-step") == "jadwal"
    assert "Jadwal yang dipilih sudah penuh; pilih jadwal lain." in active.inner_text()
    assert page.locator(f"input[name=slot_id][value='{first}']").is_disabled()
    page.shot("jadwal-sudah-diambil")

    page.check(f"input[name=slot_id][value='{second}']")
    next_step(page)
    next_step(page)
    page.click("#submit-application")
    page.wait_for_load_state()
    assert "/terkirim" in page.url, page.url
    page.shot("terkirim")
    assert page.js_errors == []


def test_the_step_has_no_serious_axe_violation(browser, live_server, app, factories):
    """WCAG 2.1 AA on the step "Pilih Jadwal", a full slot included, and after a refused send."""
    from tests.e2e.test_accessibility import axe_violations, report

    today = date.today()
    monday = today + timedelta(days=(7 - today.weekday()) % 7 + 21)
    staff = factories.staff(AGENCY, "pengelola_aula")
    free, full = offer(app, staff[0], "aula", whole_days(monday, monday),
                       whole_days(monday + timedelta(days=1), monday + timedelta(days=1)))
    off_loop(take_the_day, app, factories, full)
    _user_id, username = verified_customer(app, factories)
    context = browser.new_context(base_url=live_server, viewport={"width": 375, "height": 812},
                                  locale="id-ID", bypass_csp=True)
    context.set_default_timeout(15000)
    page = context.new_page()
    try:
        portal_login(page, username)
        page.goto("/portal/ajukan/sewa_aula_bayar")
        next_step(page)
        page.fill("[name='f.acara']", "Rapat")
        next_step(page)
        assert page.locator("fieldset.step.active").get_attribute("data-step") == "jadwal"
        found = {"step": axe_violations(page)}
        page.check(f"input[name=slot_id][value='{free}']")
        off_loop(take_the_day, app, factories, free)
        next_step(page)
        next_step(page)
        page.click("#submit-application")
        page.wait_for_load_state()
        assert page.locator("#slot_id-error").is_visible()
        found["refused"] = axe_violations(page)
        assert not any(found.values()), report(found)
    finally:
        context.close()
