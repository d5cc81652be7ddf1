"""Field validation, identity numbers, guards and error messages — no rules file needed."""
from __future__ import annotations

import pytest

from app.workflow.snapshot import ApplicationSnapshot, Facts
from app.workflow.errors import N_, FormInvalidError, Message
from app.workflow.fields import (
    FieldContext,
    FieldValueError,
    UploadedFileInfo,
    clean_nik,
    clean_npwp,
    clean_phone,
    required_documents,
    validate_fields,
)
from app.workflow.snapshot import GuardContext
from app.workflow.guards import evaluate_guards


def one(spec: dict, value, **context):
    """Validate a single field; returns (cleaned value, error or None)."""
    spec = {"key": "f", "label": "F", **spec}
    files = {"f": value} if spec["type"] == "file" else {}
    cleaned, errors = validate_fields([spec], {"f": value}, files, context=FieldContext(**context))
    return cleaned.get("f"), errors.get("f")


# ---------------------------------------------------------------- identity numbers


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("3171014708900003", "3171014708900003"),  # woman born 07-08-1990 (day + 40)
        ("6472011505900001", "6472011505900001"),
        ("3171 0115 0590 0001", "3171011505900001"),
        ("3171012902000001", "3171012902000001"),  # 29 Feb 2000
    ],
)
def test_valid_nik(raw, expected):
    assert clean_nik(raw) == expected


@pytest.mark.parametrize(
    "raw, message",
    [
        ("317101150590001", "NIK harus 16 digit angka."),
        ("31710115059000AB", "NIK harus 16 digit angka."),
        ("0171011505900001", "NIK tidak valid: kode provinsi tidak dikenal."),
        ("4171011505900001", "NIK tidak valid: kode provinsi tidak dikenal."),
        ("3100011505900001", "NIK tidak valid: kode kabupaten/kota atau kecamatan tidak dikenal."),
        ("3171001505900001", "NIK tidak valid: kode kabupaten/kota atau kecamatan tidak dikenal."),
        ("3171013205900001", "NIK tidak valid: tanggal lahir tidak sesuai."),
        ("3171017205900001", "NIK tidak valid: tanggal lahir tidak sesuai."),
        ("3171011513900001", "NIK tidak valid: tanggal lahir tidak sesuai."),
        ("3171013002900001", "NIK tidak valid: tanggal lahir tidak sesuai."),
        ("3171011505900000", "NIK tidak valid: nomor urut tidak boleh 0000."),
    ],
)
def test_invalid_nik(raw, message):
    with pytest.raises(FieldValueError) as raised:
        clean_nik(raw)
    assert raised.value.message == message


@pytest.mark.parametrize("raw, expected", [
    # PMK 112/2022: the 16-digit form is canonical; a 15-digit NPWP is "0" + its 15 digits
    ("01.234.567.8-901.000", "0012345678901000"),
    ("01 234 567 8 901 000", "0012345678901000"),
    ("012345678901000", "0012345678901000"),
    ("12.345.678.9-012.345", "0123456789012345"),
    ("  01-234-567-8-901-000  ", "0012345678901000"),
    ("99.888.777.6-555.444", "0998887776555444"),
    ("0123456789012345", "0123456789012345"),              # already 16 digits: unchanged
    ("0012.3456.7890.1000", "0012345678901000"),
    ("6472015505900001", "6472015505900001"),              # a NIK used as NPWP (individuals)
    ("0 0123 4567 8901 000", "0012345678901000"),
    (12345678901234, None),                               # a number loses its leading zero: refused
])
def test_npwp_is_stored_in_its_16_digit_form(raw, expected):
    if expected is None:
        with pytest.raises(FieldValueError):
            clean_npwp(raw)
    else:
        assert clean_npwp(raw) == expected
        assert clean_npwp(expected) == expected   # idempotent: stored values clean to themselves
    # the rules' field type stores the same
    if expected is not None:
        assert one({"type": "npwp"}, raw) == (expected, None)


@pytest.mark.parametrize("raw", ["01.234.567.8-901.00", "01234567890123456", "01.234.567.8-901.00A",
                                 "0", "01_234_567_8_901_000", "٠١٢٣٤٥٦٧٨٩٠١٢٣٤٥", "0123456789012345678"])
def test_invalid_npwp(raw):
    assert one({"type": "npwp"}, raw) == (None, "NPWP harus 15 atau 16 digit angka.")


@pytest.mark.parametrize("raw", ["000000000000000", "00.000.000.0-000.000", "0000000000000000"])
def test_an_all_zero_npwp_is_refused(raw):
    assert one({"type": "npwp"}, raw) == (None, "NPWP tidak valid.")


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("081234567890", "6281234567890"),
        ("+62 812-3456-7890", "6281234567890"),
        ("6281234567890", "6281234567890"),
        ("(021) 4246321", "62214246321"),
    ],
)
def test_phone_is_normalised_to_62(raw, expected):
    assert clean_phone(raw) == expected


@pytest.mark.parametrize("raw", ["81234567890", "+6508123456", "0812", "+62 0812345678", "0812345678901234567", "08abc"])
def test_invalid_phone(raw):
    value, error = one({"type": "phone"}, raw)
    assert value is None and error.startswith("Nomor telepon tidak valid")


# ---------------------------------------------------------------- other types


@pytest.mark.parametrize(
    "spec, raw, expected",
    [
        ({"type": "text"}, "  halo ", "halo"),
        ({"type": "number"}, "12,5", 12.5),
        ({"type": "number"}, "7", 7),
        ({"type": "number", "min": 0, "max": 10}, 10, 10),
        ({"type": "money"}, "Rp 1.250.000,-", 1250000),
        ({"type": "money"}, 0, 0),
        ({"type": "date"}, "2026-02-28", "2026-02-28"),
        ({"type": "datetime"}, "2026-02-28 08:30", "2026-02-28T08:30:00"),
        ({"type": "checkbox"}, "on", True),
        ({"type": "email"}, "Budi@Contoh.GO.ID", "Budi@contoh.go.id"),
        ({"type": "coordinates"}, "-1.2654, 116.8312", {"lat": -1.2654, "lng": 116.8312}),
        ({"type": "coordinates"}, {"lat": "-6.2", "lng": 106.8}, {"lat": -6.2, "lng": 106.8}),
        ({"type": "select", "options": [{"value": 1, "label": "Satu"}, {"value": 2, "label": "Dua"}]}, "2", 2),
        ({"type": "file", "types": ["pdf"]}, UploadedFileInfo("a.pdf", 10, "pdf"), {"filename": "a.pdf", "size": 10, "kind": "pdf"}),
        ({"type": "file", "types": ["jpg"]}, UploadedFileInfo("a.jpeg", 10, "jpeg"), {"filename": "a.jpeg", "size": 10, "kind": "jpg"}),
    ],
)
def test_values_are_cleaned(spec, raw, expected):
    assert one(spec, raw) == (expected, None)


@pytest.mark.parametrize(
    "spec, raw, message",
    [
        ({"type": "number"}, "dua", "Harus berupa angka."),
        ({"type": "number", "max": 10}, 11, "Nilai maksimal 10."),
        ({"type": "money"}, "-5", "Masukkan jumlah rupiah berupa bilangan bulat, tidak negatif."),
        ({"type": "money"}, 10.5, "Masukkan jumlah rupiah berupa bilangan bulat, tidak negatif."),
        ({"type": "date"}, "2026-02-30", "Format tanggal tidak valid (TTTT-BB-HH)."),
        ({"type": "date", "min": "2026-01-01"}, "2025-12-31", "Tidak boleh sebelum 2026-01-01."),
        ({"type": "email"}, "budi@", "Alamat email tidak valid."),
        ({"type": "coordinates"}, "91,10", "Lintang harus di antara -90 dan 90."),
        ({"type": "coordinates"}, {"lat": 1, "lng": 181}, "Bujur harus di antara -180 dan 180."),
        ({"type": "coordinates"}, "utara", "Koordinat tidak valid; gunakan format lintang,bujur."),
        ({"type": "select", "options": [{"value": "a", "label": "A"}]}, "b", "Pilihan tidak valid."),
        ({"type": "text"}, {"x": 1}, "Isian tidak valid."),
        ({"type": "file", "types": ["pdf"]}, UploadedFileInfo("a.pdf", 10, None), "Jenis file tidak diizinkan (hanya PDF)."),
        ({"type": "file", "types": ["pdf"], "max_mb": 20}, UploadedFileInfo("a.pdf", 20 * 1024 * 1024 + 1, "pdf"), "Ukuran file melebihi 20 MB."),
        ({"type": "file", "max_mb": 2.5}, UploadedFileInfo("a.pdf", 3 * 1024 * 1024, "pdf"), "Ukuran file melebihi 2,5 MB."),
        ({"type": "file"}, UploadedFileInfo("a.pdf", 0, "pdf"), "File kosong."),
        ({"type": "bank_account"}, "bca", "Rekening tujuan tidak dikenal."),
    ],
)
def test_invalid_values(spec, raw, message):
    assert one(spec, raw) == (None, message)


def test_required_and_optional_empty_values():
    specs = [
        {"key": "nama", "label": "Nama", "type": "text", "required": True},
        {"key": "catatan", "label": "Catatan", "type": "textarea"},
        {"key": "setuju", "label": "Setuju", "type": "checkbox", "required": True},
        {"key": "lampiran", "label": "Lampiran", "type": "file", "required": True},
    ]
    cleaned, errors = validate_fields(specs, {"nama": "  ", "tidak_dikenal": "x"}, {})
    assert errors == {"nama": "Wajib diisi.", "setuju": "Wajib dicentang.", "lampiran": "Wajib diisi."}
    assert cleaned == {"nama": None, "catatan": None, "setuju": False, "lampiran": None}


def test_show_if_hides_fields_and_drops_their_values():
    specs = [
        {"key": "kategori", "label": "Kategori", "type": "select", "required": True,
         "options": [{"value": "a", "label": "A"}, {"value": "b", "label": "B"}]},
        {"key": "rincian", "label": "Rincian", "type": "text", "required": True, "show_if": {"field": "kategori", "equals": "b"}},
        {"key": "lain", "label": "Lain", "type": "text", "show_if": {"field": "kategori", "in": ["a", "b"]}},
        {"key": "alasan", "label": "Alasan", "type": "text", "required": True, "show_if": {"field": "rincian", "filled": True}},
        {"key": "induk", "label": "Induk", "type": "text", "required": True, "show_if": {"field": "dari_data", "equals": True}},
    ]
    cleaned, errors = validate_fields(specs, {"kategori": "a", "rincian": "tersembunyi", "lain": "x", "alasan": "y"})
    assert errors == {}
    assert cleaned == {"kategori": "a", "lain": "x"}
    cleaned, errors = validate_fields(specs, {"kategori": "b", "rincian": "ada"}, context=FieldContext(data={"dari_data": True}))
    assert errors == {"alasan": "Wajib diisi.", "induk": "Wajib diisi."}


def test_assignee_slot_and_slots():
    context = {"assignee_candidates": {"analis": {3}}, "offered_slot_ids": frozenset({11})}
    assert one({"type": "assignee", "role": "analis"}, 3, **context) == (3, None)
    assert one({"type": "assignee", "role": "analis"}, "x", **context)[1] == "Petugas yang dipilih tidak valid."
    assert one({"type": "slot"}, 12, **context) == (None, "Jadwal yang dipilih tidak tersedia.")
    assert one({"type": "slots", "required": True}, []) == (None, "Wajib diisi.")
    assert one({"type": "slots"}, [{"start": "besok"}])[1] == (
        "Jadwal ke-1: waktu mulai dan selesai wajib diisi (TTTT-BB-HH JJ:MM)."
    )


def test_required_documents_follow_when():
    service = {"documents": [
        {"key": "ktp", "label": "KTP", "required": True},
        {"key": "skhp", "label": "SKHP", "required": True, "when": {"field": "jenis", "equals": "tera_ulang"}},
    ]}
    assert [d["key"] for d in required_documents(service, {"jenis": "tera"})] == ["ktp"]
    assert [d["key"] for d in required_documents(service, {"jenis": "tera_ulang"})] == ["ktp", "skhp"]


# ---------------------------------------------------------------- guards


SERVICE = {"fields": [{"key": "jenis", "label": "Jenis", "type": "select",
                       "options": [{"value": "a", "label": "Alfa"}, {"value": "b", "label": "Beta"}]},
                      {"key": "catatan", "label": "Catatan", "type": "text"}]}


def reasons(guards, data=None, **facts):
    return evaluate_guards(guards, GuardContext(SERVICE, ApplicationSnapshot("s", "x", data or {}, Facts(**facts))))


def test_guards_pass_and_fail_with_indonesian_reasons():
    assert reasons([{"field_in": {"field": "jenis", "values": ["a", "b"]}}], {"jenis": "a"}) == []
    assert reasons([{"field_in": {"field": "jenis", "values": ["a", "b"]}}], {}) == ["Hanya untuk Jenis: Alfa, Beta."]
    assert reasons([{"field_filled": {"field": "catatan"}}], {"catatan": " "}) == ["Catatan belum diisi."]
    assert reasons(["cart_not_empty", "has_assignee", "slot_chosen", "payment_proof_uploaded"]) == [
        "Keranjang masih kosong.", "Permohonan belum ditugaskan kepada petugas.", "Jadwal belum dipilih.",
        "Bukti pembayaran belum diunggah.",
    ]
    assert reasons(["cart_not_empty", {"has_assignee": {}}], cart_lines=2, has_assignee=True) == []


# ---------------------------------------------------------------- messages


def test_messages_keep_their_template_for_translation():
    message = Message(N_("Ukuran file melebihi %(max_mb)s MB."), max_mb="20")
    assert message == "Ukuran file melebihi 20 MB."
    assert message.template == "Ukuran file melebihi %(max_mb)s MB." and message.params == {"max_mb": "20"}
    error = FormInvalidError({"f": message})
    assert error.to_dict() == {
        "code": "form_invalid", "message": "Periksa kembali isian formulir.", "action": None,
        "field_errors": {"f": "Ukuran file melebihi 20 MB."},
    }


@pytest.mark.parametrize("raw", ["３１71014708900003", "٣١٧١٠١٤٧٠٨٩٠٠٠٠٣"])
def test_only_ascii_digits_count(raw):
    with pytest.raises(FieldValueError):
        clean_nik(raw)
    assert one({"type": "money"}, "１０００")[1] is not None
