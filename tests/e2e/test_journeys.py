"""The three customer journeys of issue 5, in a phone-sized headless Chromium."""
from __future__ import annotations

import os
import re

from sqlalchemy import select

from config import DEMO_PASSWORD
from tests.e2e.helpers import (app_id_from, fill_registration, next_step, no_horizontal_scroll, pdf, png,
                               portal_login, staff_does, staff_login, verified_customer)

STRONG_PASSWORD = "Kemayoran#Angkasa27"


def submit(page) -> None:
    page.click("#submit-application")
    page.wait_for_load_state()
    assert page.locator("#submitted").count() == 1, page.locator(".error:visible, .flash").all_inner_texts()


def _downloaded(page, link) -> bytes:
    """The file behind a download link, fetched with the page's session (PDFs open inline)."""
    response = page.request.get(link.get_attribute("href"))
    assert response.status == 200, (link.get_attribute("href"), response.status, response.text()[:500])
    return response.body()


def test_bmkg_register_apply_pay_download_survey(page, app, offices, mailbox, deliver):
    box, _port = mailbox
    office = offices["bmkg"]
    email = f"budi.{os.getpid()}@contoh.test"
    shot = page.shot

    # register, then verify from the e-mail the test SMTP server received
    fill_registration(page, nik=f"647201150590{os.getpid() % 9000 + 1000:04d}", full_name="Budi Santoso, S.T.",
                      occupation="Peneliti", address="Jl. Angkasa No. 5", phone="081234567890", email=email,
                      password=STRONG_PASSWORD)   # 5a's cascading region selects included
    shot("daftar")
    page.click("form button[type=submit]:has-text('Daftar')")
    page.wait_for_load_state()
    assert "/portal/verifikasi" in page.url, page.locator(".error").all_inner_texts()
    deliver()
    link = box.link(email, r"http://127\.0\.0\.1:\d+/portal/verifikasi/tautan\?\S+")
    page.goto(link)
    shot("email-terverifikasi")
    portal_login(page, email, STRONG_PASSWORD)

    # catalogue → cart → "lanjutkan proses" → the wizard
    page.goto("/portal/layanan/bmkg_informasi/katalog")
    page.fill("#qty-INF-MET-01", "2")
    page.click("form:has(#qty-INF-MET-01) button[type=submit]")
    page.goto("/portal/keranjang")
    shot("keranjang")
    page.click("a:has-text('Lanjutkan proses')")
    assert "/portal/ajukan/bmkg_informasi" in page.url
    shot("wizard-pemohon")
    no_horizontal_scroll(page)
    next_step(page)                                   # company data (optional): skip
    next_step(page)
    page.select_option("[name='f.keperluan']", "komersial")
    page.fill("[name='f.rincian_permohonan']", "Stasiun Kemayoran, suhu udara, Januari–Februari 2026")
    shot("wizard-rincian")
    next_step(page)
    page.set_input_files("[name='doc.dokumen_permohonan']", pdf("ktp_surat_permohonan.pdf"))
    shot("wizard-dokumen")
    next_step(page)
    submit(page)
    shot("resi")
    receipt = page.inner_text("#receipt-big").strip()
    page.click("#to-detail")
    app_id = app_id_from(page)
    assert "Terkirim Menunggu Konfirmasi" in page.inner_text("#state-label")

    # staff confirm available → invoice; the customer sees it and uploads a proof
    staff_does(office, app_id, "tersedia", catatan="Data tersedia, silakan lakukan pembayaran.")
    deliver()
    assert any("Tersedia" in m["subject"] for m in box.to(email))
    page.reload()
    shot("upload-bukti")
    page.click("#view-invoice")
    assert "Rp 170.000" in page.inner_text("#invoice-total")
    shot("invoice")
    page.go_back()
    form = page.locator("#action-upload_bukti form")
    form.locator("select[name='a.rekening_tujuan']").select_option("bri")
    form.locator("input[name='a.bukti_bayar']").set_input_files(pdf("bukti_transfer.pdf"))
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "Pembayaran Sedang Diverifikasi" in page.inner_text("#state-label")

    # the treasurer suspends; the customer reads why and uploads again
    staff_does(office, app_id, "pembayaran_ditangguhkan", catatan="Nominal transfer kurang Rp 10.000.")
    page.reload()
    assert "Upload Bukti Pembayaran Terbaru" in page.inner_text("#state-label")
    assert "Nominal transfer kurang" in page.inner_text("#timeline")
    shot("ditangguhkan")
    form = page.locator("#action-upload_bukti form")
    form.locator("select[name='a.rekening_tujuan']").select_option("bri")
    form.locator("input[name='a.bukti_bayar']").set_input_files(png("bukti_transfer_baru.png"))
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "Pembayaran Sedang Diverifikasi" in page.inner_text("#state-label")

    staff_does(office, app_id, "pembayaran_valid")
    staff_does(office, app_id, "sediakan_dokumen", catatan="Data terlampir.")
    staff_does(office, app_id, "selesai")
    deliver()
    page.reload()
    assert "Transaksi Sukses" in page.inner_text("#state-label")
    shot("transaksi-sukses")
    no_horizontal_scroll(page)

    downloads = page.locator("#downloads")
    for label in ("Dokumen Pengantar", "Hasil layanan", "Kuitansi"):
        content = _downloaded(page, downloads.locator(f"a:has-text('{label}')").first)
        assert content.startswith(b"%PDF"), label

    page.click("#survey-button")
    for question in page.locator(".survey-q").all():
        question.locator("input[type=radio]").first.check()
    page.fill("[name='t.saran']", "Pelayanan cepat dan jelas.")
    shot("survei")
    page.click("#submit-survey")
    page.wait_for_load_state()
    assert page.locator("#survey-button").count() == 0
    assert "Survei kepuasan sudah Anda isi" in page.content()
    shot("setelah-survei")
    assert receipt and not page.js_errors, page.js_errors


def test_kaltim_wizard_revision_licence_tracking_verification(page, app, offices, factories, deliver, browser,
                                                              live_server):
    office = offices["kaltim"]
    shot = page.shot
    user_id, username = verified_customer(app, factories, "company")
    portal_login(page, username, DEMO_PASSWORD)

    page.goto("/portal/ajukan/kaltim_sipb")
    shot("wizard-pemohon")
    next_step(page)
    assert "done" in page.get_attribute("#steps li[data-step='pemohon']", "class")
    page.fill("[name='company.name']", "PT Batu Mahakam Sejahtera")
    page.fill("[name='company.nib']", "9120001234567")
    page.select_option("[name='company.form']", "PT")
    shot("wizard-perusahaan")
    next_step(page)
    # "Lanjut" checks the step: the required street and point, marked on their fields, step not done
    page.fill("[name='location.street']", "")
    page.fill("#location-lat", "")
    page.fill("#location-lng", "")
    next_step(page)
    assert page.is_visible("fieldset[data-step='lokasi']")
    assert page.get_attribute("#location-street", "aria-invalid") == "true"
    assert "location-street-error" in page.get_attribute("#location-street", "aria-describedby")
    assert page.inner_text("#location-street-error") == "Wajib diisi."
    assert "peta" in page.inner_text("#location-lat-error")
    assert "done" not in (page.get_attribute("#steps li[data-step='lokasi']", "class") or "")
    shot("wizard-lokasi-wajib")
    page.fill("[name='location.street']", "Jl. Poros Samarinda–Bontang Km 21")
    page.fill("[name='location.rt_rw']", "004/002")
    page.fill("[name='location.village']", "Sungai Siring")
    page.locator("#map").click(position={"x": 120, "y": 90})     # the pin: coordinates filled in
    lat = page.input_value("#location-lat")
    assert re.fullmatch(r"-?\d+\.\d{6}", lat), lat
    page.fill("#location-lat", "-0.402106")                    # typed, as when there are no tiles
    page.fill("#location-lng", "117.253709")
    # offline base layer: the province boundaries are drawn and name the province under the pin
    page.wait_for_function("document.querySelectorAll('#map .leaflet-overlay-pane path').length > 30")
    page.wait_for_function("document.getElementById('map-province').textContent.indexOf('Kalimantan Timur') >= 0")
    assert not page.is_visible("#location-lat-error") and not page.is_visible("#location-street-error")
    assert page.get_attribute("#location-street", "aria-invalid") is None
    shot("wizard-lokasi")
    no_horizontal_scroll(page)
    next_step(page)
    page.select_option("[name='request_kind']", "baru")
    page.select_option("[name='f.komoditas']", "andesit")
    page.fill("[name='f.luas_wilayah']", "4,5")
    page.fill("[name='f.rencana_produksi']", "12000")
    next_step(page)
    for key in ("ktp_npwp", "peta_wilayah", "persetujuan_lingkungan", "rencana_penambangan", "bukti_lahan"):
        page.set_input_files(f"[name='doc.{key}']", pdf(f"{key}.pdf"))
    shot("wizard-dokumen")
    next_step(page)
    # the last step: a summary of everything entered, with the files' names, and no "Lanjut"
    summary = page.inner_text("#summary")
    for text in ("PT Batu Mahakam Sejahtera", "Jl. Poros Samarinda–Bontang Km 21", "-0.402106", "12000",
                 "peta_wilayah.pdf", "bukti_lahan.pdf"):
        assert text in summary, (text, summary)
    assert not page.is_visible("#step-nav [data-next]")
    assert page.is_visible("#submit-application") and page.is_visible("button[value='draft']")
    done = page.eval_on_selector_all("#steps li.done", "els => els.map(e => e.dataset.step)")
    assert done == ["pemohon", "perusahaan", "lokasi", "rincian", "dokumen"], done
    shot("wizard-ringkasan")
    no_horizontal_scroll(page)
    page.check("#declaration")
    submit(page)
    receipt = page.inner_text("#receipt-big").strip()
    assert re.fullmatch(r"[0-9A-F]{6}", receipt), receipt
    shot("resi")
    page.click("#to-detail")
    app_id = app_id_from(page)

    # the verifier returns it with a note; the customer revises, replacing a document
    staff_does(office, app_id, "kembalikan_revisi", catatan="Peta wilayah belum mencantumkan titik koordinat batas.")
    page.reload()
    assert "Revisi" in page.inner_text("#state-label")
    assert "Peta wilayah belum mencantumkan" in page.inner_text("#timeline")
    shot("revisi-diminta")
    page.click("#action-kirim_revisi a")
    assert page.input_value("[name='f.rencana_produksi']") == "12000"      # prefilled
    page.set_input_files("[name='doc.peta_wilayah']", pdf("peta_wilayah_revisi.pdf"))
    page.check("#declaration")
    shot("form-revisi")
    page.click("#submit-revision")
    page.wait_for_load_state()
    assert "Verifikasi Berkas" in page.inner_text("#state-label")

    staff_does(office, app_id, "lolos_verifikasi")
    staff_does(office, app_id, "setujui")
    staff_does(office, app_id, "tandatangani", passphrase=DEMO_PASSWORD)
    deliver()
    page.reload()
    assert "Selesai" in page.inner_text("#state-label")
    shot("izin-terbit")
    licence = _downloaded(page, page.locator("#downloads a:has-text('Surat Izin')"))
    assert licence.startswith(b"%PDF")

    # public tracking by receipt, without login: the timeline, the name masked
    public = browser.new_context(base_url=live_server, viewport={"width": 375, "height": 812}).new_page()
    public.goto("/lacak")
    public.fill("#nomor", receipt)
    public.click("#track-form button[type=submit]")
    public.wait_for_selector("#track-result")
    timeline = public.inner_text("#timeline")
    assert "dikembalikan kepada pemohon untuk revisi" in timeline and "Pemohon mengirim revisi" in timeline
    assert "Pelanggan" not in public.inner_text("#track-applicant") or "*" in public.inner_text("#track-applicant")
    public.screenshot(path=str(page.shot.dir / "90-lacak-publik.png"), full_page=True)

    # public verification of the licence by its code
    with app.app_context():
        from app.extensions import db
        from models import GeneratedDocument
        code = db.session.scalar(select(GeneratedDocument.verify_code).where(
            GeneratedDocument.application_id == app_id, GeneratedDocument.kind == "licence"))
    public.fill("#kode", code)
    public.click("#verify-form button[type=submit]")
    public.wait_for_load_state()
    text = public.inner_text("body")
    assert "/verify/" in public.url and ("sah" in text.lower() or "valid" in text.lower()), text[:1000]
    public.screenshot(path=str(page.shot.dir / "91-verifikasi-publik.png"), full_page=True)
    public.context.close()

    # staff see the customer's pin on the same offline map on the application page
    _staff_id, staff_name = factories.staff("kaltim", "verifikator")
    desk = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900}).new_page()
    staff_login(desk, staff_name)
    desk.goto(f"/backoffice/permohonan/{app_id}")
    desk.wait_for_function("document.querySelectorAll('#app-map .leaflet-overlay-pane path').length > 30")
    assert desk.locator("#app-map .leaflet-marker-icon").count() == 1
    desk.locator("#app-map").scroll_into_view_if_needed()
    desk.screenshot(path=str(page.shot.dir / "92-petugas-peta.png"), full_page=False)
    desk.context.close()
    assert not page.js_errors, page.js_errors


def test_metrologi_instrument_tera_ulang_slot_payment(page, app, offices, factories, deliver):
    office = offices["metrologi"]
    shot = page.shot
    user_id, username = verified_customer(app, factories, "person")
    portal_login(page, username, DEMO_PASSWORD)

    page.goto("/portal/alat/baru")
    page.fill("#name", "Timbangan Sentisimal")
    page.fill("#brand", "Nagata")
    page.fill("#serial_number", "NG-2024-0077")
    page.fill("#capacity", "500 kg")
    page.set_input_files("#foto", png("timbangan.png"))
    shot("alat-baru")
    page.click("#asset-form button[type=submit]")
    page.wait_for_load_state()
    shot("alat-detail")
    page.click("#apply-metrologi_tera")
    next_step(page)                                   # applicant → company (optional)
    next_step(page)                                   # → location (optional)
    next_step(page)                                   # → details
    assert page.locator("[name=asset_id] option:checked").inner_text().startswith("Timbangan Sentisimal")
    page.select_option("[name='f.jenis_layanan']", "tera_ulang")
    page.select_option("[name='f.jenis_uttp']", "timbangan")
    page.fill("[name='f.no_skhp_lama']", "0123/SKHP/UPTD-MET-BPN/V/2025")     # shown for tera ulang only
    page.fill("[name='f.tgl_uji_lama']", "2025-05-10")
    page.fill("[name='f.tgl_skhp_lama']", "2025-05-12")
    shot("wizard-tera-ulang")
    next_step(page)
    assert page.locator("[name='doc.persetujuan_tipe']").is_hidden()
    page.set_input_files("[name='doc.foto_kondisi']", png("kondisi.png"))
    page.set_input_files("[name='doc.surat_permohonan']", pdf("surat_permohonan.pdf"))
    page.set_input_files("[name='doc.skhp_lama']", pdf("skhp_lama.pdf"))
    shot("wizard-dokumen")
    next_step(page)
    submit(page)
    page.click("#to-detail")
    app_id = app_id_from(page)
    assert "Baru" in page.inner_text("#state-label")

    staff_does(office, app_id, "terima")
    staff_does(office, app_id, "tawarkan_jadwal", retribusi=75000)
    page.reload()
    shot("pilih-jadwal")
    form = page.locator("#action-atur_jadwal form")
    form.locator("input[type=radio]").first.check()
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "Menunggu Pembayaran" in page.inner_text("#state-label")
    form = page.locator("#action-bayar form")
    form.locator("[name='a.nomor_bukti']").fill("TRX-889900")
    form.locator("[name='a.tanggal_bayar']").fill("2026-11-20")
    form.locator("[name='a.foto_bukti']").set_input_files(png("struk.png"))
    shot("bayar")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "Pembayaran Sedang Diverifikasi" in page.inner_text("#state-label")

    staff_does(office, app_id, "pembayaran_valid")
    staff_does(office, app_id, "sah")
    deliver()
    page.reload()
    assert "Selesai (Sah)" in page.inner_text("#state-label")
    shot("selesai")
    page.click(f"a[href$='/portal/alat/{_asset_of(app, app_id)}']")
    assert "Selesai (Sah)" in page.inner_text("#asset-history")
    shot("riwayat-alat")
    no_horizontal_scroll(page)
    assert not page.js_errors, page.js_errors


def _asset_of(app, app_id: int) -> int:
    with app.app_context():
        from app.extensions import db
        from models import Application
        return db.session.get(Application, app_id).asset_id
