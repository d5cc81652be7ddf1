"""The wizard's own checks in headless Chromium: the map shows a pin only where there are
coordinates, "Lanjut" refuses a number the server would refuse (on the field, with the server's
Indonesian message), and a draft is discarded only after the confirmation page."""
from __future__ import annotations

from sqlalchemy import select

from config import DEMO_PASSWORD
from tests.e2e.helpers import next_step, pdf, portal_login, verified_customer

PINS = "#map .leaflet-marker-icon"


def _to_details_step(page) -> None:
    """From the first step of kaltim_sipa to "Rincian Permohonan", placing the pin on the way."""
    next_step(page)                                    # Data Pemohon
    next_step(page)                                    # Data Perusahaan (optional)
    page.fill("[name='location.street']", "Jl. Mulawarman No. 8")
    page.fill("[name='location.village']", "Manggar")
    page.locator("#map").click(position={"x": 150, "y": 100})
    page.fill("#location-lat", "-1.214000")
    page.fill("#location-lng", "116.962000")
    next_step(page)
    assert page.is_visible("fieldset[data-step='rincian']"), page.locator(".error:visible").all_inner_texts()


def test_no_pin_without_coordinates_and_numbers_checked_on_their_step(page, app, factories):
    shot = page.shot
    _user_id, username = verified_customer(app, factories, "company")
    portal_login(page, username, DEMO_PASSWORD)
    page.goto("/portal/ajukan/kaltim_sipa")
    next_step(page)
    next_step(page)

    # empty coordinates: no pin anywhere, and the map says how to place one
    assert page.is_visible("#map") and page.input_value("#location-lat") == ""
    page.wait_for_function("document.querySelectorAll('#map .leaflet-overlay-pane path').length > 30")
    assert page.locator(PINS).count() == 0
    assert "Belum ada pin" in page.inner_text("#map-province")
    shot("lokasi-tanpa-pin")
    page.locator("#map").click(position={"x": 150, "y": 100})
    assert page.locator(PINS).count() == 1
    assert page.input_value("#location-lat") != "" and "Belum ada pin" not in page.inner_text("#map-province")
    # clearing both coordinates takes the pin away again
    page.fill("#location-lat", "")
    page.fill("#location-lng", "")
    assert page.locator(PINS).count() == 0 and "Belum ada pin" in page.inner_text("#map-province")
    page.goto("/portal/ajukan/kaltim_sipa")
    _to_details_step(page)

    page.select_option("[name='request_kind']", "baru")
    page.select_option("[name='f.peruntukan']", "industri")
    page.fill("[name='f.jumlah_sumur']", "2,5")        # Indonesian decimal comma on an integer field
    page.fill("[name='f.kedalaman_sumur']", "2,5")     # on a decimal field: 2.5, accepted
    page.fill("[name='f.debit_rencana']", "0,5")
    next_step(page)
    assert page.is_visible("fieldset[data-step='rincian']")
    assert page.inner_text("#f-jumlah_sumur-error") == "Isian ini harus bilangan bulat."
    assert page.get_attribute("#f-jumlah_sumur", "aria-invalid") == "true"
    assert "f-jumlah_sumur-error" in page.get_attribute("#f-jumlah_sumur", "aria-describedby")
    for key in ("kedalaman_sumur", "debit_rencana"):
        assert page.get_attribute(f"#f-{key}", "aria-invalid") is None, key
        assert not page.is_visible(f"#f-{key}-error"), key
    assert "done" not in (page.get_attribute("#steps li[data-step='rincian']", "class") or "")
    shot("rincian-bilangan-bulat")
    page.fill("[name='f.jumlah_sumur']", "abc")
    next_step(page)
    assert page.inner_text("#f-jumlah_sumur-error") == "Harus berupa angka."
    page.fill("[name='f.jumlah_sumur']", "0")          # min: 1 in the rules
    next_step(page)
    assert page.inner_text("#f-jumlah_sumur-error") == "Nilai minimal 1."
    page.fill("[name='f.jumlah_sumur']", "51")         # max: 50
    next_step(page)
    assert page.inner_text("#f-jumlah_sumur-error") == "Nilai maksimal 50."
    page.fill("[name='f.kedalaman_sumur']", "0,5")     # min: 1 on a decimal field
    page.fill("[name='f.jumlah_sumur']", "3")
    next_step(page)
    assert page.inner_text("#f-kedalaman_sumur-error") == "Nilai minimal 1."
    assert not page.is_visible("#f-jumlah_sumur-error")
    page.fill("[name='f.kedalaman_sumur']", "2,5")
    next_step(page)
    assert page.is_visible("fieldset[data-step='dokumen']")
    assert page.js_errors == []


def test_discarding_a_draft_asks_first(page, app, factories):
    from app.extensions import db
    from models import ApplicationDraft

    user_id, username = verified_customer(app, factories, "company")
    portal_login(page, username, DEMO_PASSWORD)
    page.goto("/portal/ajukan/kaltim_sipa")
    _to_details_step(page)
    page.select_option("[name='request_kind']", "baru")
    page.fill("[name='f.jumlah_sumur']", "2")
    next_step(page)
    page.set_input_files("[name='doc.ktp_npwp']", pdf("ktp.pdf"))
    # "Simpan sebagai Draf" (on the last step) skips the checks: show every step and use it
    page.evaluate("document.querySelectorAll('fieldset.step').forEach(s => s.classList.add('active'))")
    page.click("button[value='draft']")
    page.wait_for_load_state()

    def drafts() -> int:
        with app.app_context():
            return len(db.session.scalars(select(ApplicationDraft).where(ApplicationDraft.user_id == user_id)).all())

    assert drafts() == 1
    page.goto("/portal/ajukan/kaltim_sipa")
    page.click("#delete-draft")
    page.wait_for_load_state()
    assert page.inner_text("h1") == "Hapus draf permohonan?"
    assert "ktp.pdf" in page.inner_text("main")
    page.shot("hapus-draf-konfirmasi")
    page.click("a:has-text('Batal')")                 # cancelling keeps it
    page.wait_for_load_state()
    assert "/portal/ajukan/kaltim_sipa" in page.url and drafts() == 1
    # a cross-site POST (no CSRF token) with the confirmation is refused and deletes nothing
    forged = page.request.post("/portal/ajukan/kaltim_sipa/draf/hapus", form={"konfirmasi": "1"})
    assert forged.status == 400 and drafts() == 1
    page.click("#delete-draft")
    page.click("#confirm-delete-draft")
    page.wait_for_load_state()
    assert drafts() == 0 and "Draf dihapus." in page.inner_text("body")
    assert page.js_errors == []
