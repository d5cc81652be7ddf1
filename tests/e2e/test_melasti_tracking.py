"""MELASTI in a phone-sized headless Chromium: a new customer registers, submits a request, finds it
at /lacak with the receipt shown right away (timeline: done, in progress, pending), asks for the
list by email alone and gets it in the mailbox (the test SMTP server), then sees the counters and
the recap with Export Excel."""
from __future__ import annotations

import io
import os
import re

from openpyxl import load_workbook

from tests.e2e.helpers import (fill_registration, next_step, no_horizontal_scroll, pdf, portal_login,
                               staff_login)

PASSWORD = "Pantai#Gerokgak24"


def _wizard_until_submit(page) -> None:
    """Fill the MELASTI wizard step by step until the submit button shows."""
    for _ in range(8):
        if page.locator("#submit-application:visible").count():
            return
        if page.locator("[name='f.jenis_permintaan']:visible").count():
            page.select_option("[name='f.jenis_permintaan']", "data_informasi")
            page.fill("[name='f.perihal']", "Data pasang surut Teluk Benoa 2025")
            page.fill("[name='f.deskripsi']", "Untuk kajian tugas akhir tentang abrasi pantai.")
            page.shot("wizard-isian")
        if page.locator("[name='doc.dokumen_pendukung']:visible").count():
            page.set_input_files("[name='doc.dokumen_pendukung']", pdf("surat_permohonan.pdf"))
        if page.locator("#declaration:visible").count():
            page.check("#declaration")
        if page.locator("#submit-application:visible").count():
            return
        next_step(page)
    raise AssertionError("no submit button in the MELASTI wizard")


def test_melasti_new_customer_tracks_at_once_and_by_email(page, app, mailbox, deliver, factories):
    box, _port = mailbox
    shot = page.shot
    email = f"wayan.{os.getpid()}@contoh.test"

    fill_registration(page, nik=f"510801150590{os.getpid() % 9000 + 1000:04d}", full_name="I Wayan Pantai",
                      occupation="Mahasiswa", address="Jl. Singaraja No. 3", phone="081234567891", email=email,
                      password=PASSWORD)
    page.click("form button[type=submit]:has-text('Daftar')")
    page.wait_for_load_state()
    assert "/portal/verifikasi" in page.url, page.locator(".error").all_inner_texts()
    deliver()
    page.goto(box.link(email, r"http://127\.0\.0\.1:\d+/portal/verifikasi/tautan\?\S+"))
    portal_login(page, email, PASSWORD)

    page.goto("/portal/ajukan/melasti_data")
    _wizard_until_submit(page)
    page.check("#declaration")                       # the integrity statement
    shot("wizard-pernyataan")
    page.click("#submit-application")
    page.wait_for_load_state()
    if page.locator("#submitted").count() != 1:
        shot("wizard-ditolak")
    assert page.locator("#submitted").count() == 1, page.locator(".has-error, .field-error, .error").all_inner_texts()
    shot("resi")
    receipt = page.inner_text("#receipt-big").strip()
    assert re.fullmatch(r"BTP-[0-9A-F]{6}", receipt), receipt

    # /lacak with the receipt alone, right away, signed out
    page.context.clear_cookies()
    page.goto("/lacak")
    page.fill("#nomor", receipt)
    page.click("#track-form button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("#track-result").count() == 1
    assert "Menunggu verifikasi Admin Layanan" in page.inner_text("#track-state")
    current = page.locator("#timeline li.current")
    assert current.count() == 1 and "Sedang diproses" in current.inner_text()
    assert page.locator("#timeline li.pending").count() == 7
    assert "WITA" in page.locator("#timeline li.done").first.inner_text()
    no_horizontal_scroll(page)
    shot("lacak-resi")

    # email only: the screen says the same for anyone; the list arrives in the mailbox
    deliver()                                        # the acknowledgement of the submission
    assert any(receipt in m["subject"] for m in box.to(email))
    before = len(box.to(email))
    page.goto("/lacak")
    page.fill("#list-email", email)
    page.click("#track-email-form button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("#list-sent").count() == 1 and receipt not in page.content()
    shot("lacak-email-terkirim")
    deliver()
    mails = box.to(email)[before:]
    assert len(mails) == 1 and receipt in mails[0]["body"], [m["subject"] for m in box.to(email)]
    assert "WITA" in mails[0]["body"]
    page.goto("/lacak")
    page.fill("#list-email", "bukan.pelanggan@contoh.test")
    page.click("#track-email-form button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("#list-sent").count() == 1
    shot("lacak-email-tidak-terdaftar")

    # the link in the mail opens the application's tracking page
    link = re.search(r"http://127\.0\.0\.1:\d+/lacak\?\S+", mails[0]["body"]).group(0)
    page.goto(link)
    assert page.locator("#track-result").count() == 1
    shot("lacak-dari-email")

    # counters and the recap with Export Excel
    portal_login(page, email, PASSWORD)
    page.goto("/portal/permohonan")
    assert page.inner_text("#counter-waiting") == "1" and page.inner_text("#counter-total") == "1"
    shot("permohonan-saya")
    page.click("#to-recap")
    page.fill("#q", "benoa")
    page.click("#recap-search button[type=submit]")
    page.wait_for_load_state()
    assert "Data pasang surut Teluk Benoa 2025" in page.inner_text("#recap")
    shot("rekap")
    with page.expect_download() as download:
        page.click("#recap-excel")
    rows = list(load_workbook(io.BytesIO(open(download.value.path(), "rb").read())).active.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][2] == receipt and rows[1][5] == "Data pasang surut Teluk Benoa 2025"

    # staff: the integrity statement on the application page, the subject in the recap
    from sqlalchemy import select

    from app.extensions import db
    from models import Application
    with app.app_context():
        app_id = db.session.scalar(select(Application.id).where(Application.receipt == receipt))
    _staff_id, username = factories.staff("melasti", "admin_layanan")
    page.context.clear_cookies()
    page.set_viewport_size({"width": 1280, "height": 900})
    staff_login(page, username)
    page.goto(f"/backoffice/permohonan/{app_id}")
    assert "Pemohon menyetujui pernyataan ini saat mengajukan" in page.inner_text("#declaration")
    page.locator("#declaration").scroll_into_view_if_needed()
    shot("petugas-pernyataan", full_page=False)
    page.goto("/backoffice/rekap/?from=2000-01-01")
    assert "Data pasang surut Teluk Benoa 2025" in page.content()
    shot("petugas-rekap")
