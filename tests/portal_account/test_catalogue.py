"""Landing, search, agency and service pages (Standar Pelayanan), requirement templates, catalogue and cart."""
from __future__ import annotations

import pytest


def test_landing_lists_agencies_and_services(client):
    page = client.get("/portal/").get_data(as_text=True)
    for text in ("PTSP BMKG", "UPTD Metrologi Balikpapan", "DPMPTSP Provinsi Kalimantan Timur",
                 "Izin Pengusahaan Air Tanah (SIPA)", "/portal/layanan/bmkg_informasi", 'href="/lacak"',
                 'href="/portal/permohonan"', 'href="/portal/pengaduan"', 'href="/portal/inbox"',
                 'name="viewport"', "/static/portal/portal.css"):
        assert text in page, text
    assert "cdn" not in page.lower() and "googleapis" not in page


@pytest.mark.parametrize("query, present, absent", [
    ("air tanah", "Izin Pengusahaan Air Tanah", "Informasi Meteorologi"),
    ("gempa", "Informasi Meteorologi", "Air Tanah"),          # a catalogue item's name
    ("metrologi", "Tera", "SIPA"),
])
def test_search(client, query, present, absent):
    page = client.get("/portal/layanan", query_string={"q": query}).get_data(as_text=True)
    assert present in page and absent not in page.split("<main")[1]


def test_search_without_results_says_so(client):
    page = client.get("/portal/layanan?q=zzzzzz").get_data(as_text=True)
    assert "Tidak ada layanan yang cocok" in page


def test_standar_pelayanan_generated_from_rules(client):
    page = client.get("/portal/layanan/kaltim_sipa").get_data(as_text=True)
    for text in ("Standar Pelayanan", "14 hari kerja sejak berkas dinyatakan lengkap dan benar",
                 "Surat Izin Pengusahaan Air Tanah", "Tidak dipungut biaya", "Persyaratan",
                 "Gambar konstruksi sumur", "jika ada / opsional", "Alur layanan", "Proses — Verifikasi Berkas",
                 "giliran Anda", "Menu Pengaduan E-PTSP", "/portal/ajukan/kaltim_sipa"):
        assert text in page, text
    bmkg = client.get("/portal/layanan/bmkg_informasi").get_data(as_text=True)
    assert "Rp 85.000" in bmkg and "Pilih produk dari katalog" in bmkg and "Lengkapi Data" in bmkg
    assert client.get("/portal/layanan/tidak_ada").status_code == 404


def test_requirement_template_download(client):
    page = client.get("/portal/layanan/metrologi_tera").get_data(as_text=True)
    assert "/portal/layanan/metrologi_tera/persyaratan/" in page
    link = page.split("/portal/layanan/metrologi_tera/persyaratan/")[1].split('"')[0]
    response = client.get(f"/portal/layanan/metrologi_tera/persyaratan/{link}")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    assert client.get("/portal/layanan/metrologi_tera/persyaratan/tidak_ada").status_code == 404


def test_agency_page(client):
    page = client.get("/portal/instansi/metrologi").get_data(as_text=True)
    assert "UPTD Metrologi Legal Kota Balikpapan" in page and "diaktifkan oleh admin" in page
    assert client.get("/portal/instansi/tidak_ada").status_code == 404


def test_cart_add_update_remove_and_continue(client):
    assert client.get("/portal/keranjang").status_code == 200
    page = client.get("/portal/layanan/bmkg_informasi/katalog").get_data(as_text=True)
    assert "INF-MET-02" in page and "Masukkan" in page and "Lihat keranjang" in page
    assert client.post("/portal/layanan/bmkg_informasi/katalog",
                       data={"code": "INF-MET-02", "quantity": "2"}).status_code == 302
    client.post("/portal/layanan/bmkg_informasi/katalog", data={"code": "INF-MET-02", "quantity": "1"})
    client.post("/portal/layanan/bmkg_informasi/katalog", data={"code": "INF-GEO-01", "quantity": "4"})
    response = client.post("/portal/layanan/bmkg_informasi/katalog", data={"code": "INF-GEO-01", "quantity": "abc"})
    assert response.status_code == 400 and "Isi jumlah dengan angka 1 sampai 999" in response.get_data(as_text=True)
    with client.session_transaction() as sess:
        assert sess["cart"] == {"bmkg_informasi": [{"code": "INF-MET-02", "quantity": 3},
                                                   {"code": "INF-GEO-01", "quantity": 4}]}
    page = client.get("/portal/keranjang").get_data(as_text=True)
    # 3 × 175.000 + 4 × 50.000 = 725.000
    assert "Rp 725.000" in page and "Petugas Layanan" in page and "Lokasi (alamat/koordinat)" in page
    assert 'href="/portal/ajukan/bmkg_informasi"' in page and "Lanjutkan proses" in page
    client.post("/portal/keranjang", data={"service": "bmkg_informasi", "qty-INF-MET-02": "1", "qty-INF-GEO-01": "4"})
    client.post("/portal/keranjang", data={"service": "bmkg_informasi", "remove": "INF-GEO-01",
                                           "qty-INF-MET-02": "1"})
    with client.session_transaction() as sess:
        assert sess["cart"] == {"bmkg_informasi": [{"code": "INF-MET-02", "quantity": 1}]}
    response = client.post("/portal/keranjang", data={"service": "bmkg_informasi", "qty-INF-MET-02": "-1"})
    assert response.status_code == 400 and "0 sampai 999" in response.get_data(as_text=True)
    client.post("/portal/keranjang", data={"service": "bmkg_informasi", "qty-INF-MET-02": "0"})
    assert "Keranjang Anda masih kosong" in client.get("/portal/keranjang").get_data(as_text=True)


def test_catalogue_refuses_unknown_items_and_non_cart_services(client):
    assert client.post("/portal/layanan/bmkg_informasi/katalog", data={"code": "XXX", "quantity": "1"}).status_code == 400
    response = client.get("/portal/layanan/kaltim_sipa/katalog")
    assert response.status_code == 302 and response.location.endswith("/portal/layanan/kaltim_sipa")


def test_cart_survives_login(app, client, registered):
    form, _ = registered()
    client.post("/portal/layanan/bmkg_informasi/katalog", data={"code": "INF-MET-01", "quantity": "2"})
    client.post("/portal/masuk", data={"identifier": form["email"], "password": form["password"],
                                       "next": "/portal/ajukan/bmkg_informasi"})
    with client.session_transaction() as sess:
        assert sess["cart"]["bmkg_informasi"] == [{"code": "INF-MET-01", "quantity": 2}]


def test_language_switch_and_mobile_layout(client):
    page = client.get("/portal/").get_data(as_text=True)
    assert 'href="/lang/en"' in page and 'href="/lang/id"' in page
    assert "width=device-width" in page


def _section(page: str, element_id: str) -> str:
    """The text of one list of the page (tags dropped)."""
    import re
    start = page.index(f'id="{element_id}"')
    end = page.index("</ol>" if element_id == "main-path" else "</ul>", start)
    return " ".join(re.sub(r"<[^>]+>", " ", page[start:end]).split())


def test_alur_layanan_reads_main_path_first_then_marked_branches(client):
    bmkg = client.get("/portal/layanan/bmkg_informasi").get_data(as_text=True)
    main = _section(bmkg, "main-path")
    order = ["Terkirim Menunggu Konfirmasi", "Upload Bukti Pembayaran", "Pembayaran Sedang Diverifikasi",
             "Pembayaran Valid", "Verifikasi Akhir", "Transaksi Sukses"]
    assert [main.index(label) for label in order] == sorted(main.index(label) for label in order)
    assert "Ditolak" not in main and "Terbaru" not in main
    branches = _section(bmkg, "branches")
    assert "Cabang: Upload Bukti Pembayaran Terbaru (dari Pembayaran Sedang Diverifikasi)" in branches
    kaltim = client.get("/portal/layanan/kaltim_sipa").get_data(as_text=True)
    assert "Revisi" not in _section(kaltim, "main-path")
    assert "Cabang: Revisi (dari Proses — Verifikasi Berkas)" in _section(kaltim, "branches")


@pytest.mark.parametrize("service, last, doubled", [
    ("kaltim_sipb", "Selesai", "Selesai selesai"),            # the label already says it: no badge
    ("bmkg_informasi", "Transaksi Sukses selesai", None),     # another label keeps the "selesai" badge
])
def test_the_success_state_is_not_named_twice(client, service, last, doubled):
    main = _section(client.get(f"/portal/layanan/{service}").get_data(as_text=True), "main-path")
    assert main.endswith(last), main
    assert doubled is None or doubled.lower() not in main.lower()
