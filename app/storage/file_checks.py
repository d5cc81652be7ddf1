"""Content inspection of uploads, by kind: PDFs must carry no active content, images are re-encoded,
office files are inspected as archives (never extracted), legacy OLE files carry no macros.

Every check reads the bytes in memory with a maintained parser (pikepdf, Pillow, zipfile, olefile)
and answers an Indonesian message for the field, or None when the file may be stored.
"""
from __future__ import annotations

import warnings
import zipfile
from io import BytesIO
from typing import Protocol

from flask import current_app

from app.core.errors import N_, translate

IMAGE_KINDS = {"png", "jpg", "gif"}
ZIP_TOO_MANY = "zip:too-many-entries"   # sniffed: a zip whose entry count alone refuses it


class Upload(Protocol):
    """What the checks read of an upload (``app.storage.files.IncomingFile``), and rewrite for images."""

    kind: str | None
    data: bytes

    def replace_data(self, data: bytes) -> None: ...


def upload_setting(name: str, default):
    """An upload limit from the configuration; outside an app context (plain unit tests) the default."""
    try:
        return current_app.config.get(name, default)
    except RuntimeError:
        return default


# PDF: what makes a document act instead of being read
PDF_ACTIVE_KEYS = {
    "/JS": N_("JavaScript"), "/JavaScript": N_("JavaScript"),
    "/AA": N_("aksi otomatis (AA)"),
    "/EmbeddedFiles": N_("file sisipan (EmbeddedFile)"), "/EF": N_("file sisipan (EmbeddedFile)"),
    "/RichMediaContent": N_("konten multimedia (RichMedia)"), "/RichMediaSettings": N_("konten multimedia (RichMedia)"),
    "/XFA": N_("formulir XFA"),
}
PDF_ACTION_TYPES = {
    "/JavaScript": N_("JavaScript"), "/Launch": N_("perintah menjalankan program (Launch)"),
    "/ImportData": N_("aksi impor data"), "/SubmitForm": N_("aksi kirim formulir"),
    # opening another file, possibly on a remote share (\\\\host\\x.pdf leaks Windows credentials)
    "/GoToR": N_("tautan ke berkas lain (GoToR)"),
    "/GoToE": N_("file sisipan (EmbeddedFile)"), "/Rendition": N_("konten multimedia (RichMedia)"),
    "/RichMediaExecute": N_("konten multimedia (RichMedia)"),
}
PDF_TYPES = {"/EmbeddedFile": N_("file sisipan (EmbeddedFile)"), "/RichMedia": N_("konten multimedia (RichMedia)")}
PDF_SUBTYPES = {"/RichMedia": N_("konten multimedia (RichMedia)"), "/FileAttachment": N_("file sisipan (EmbeddedFile)"),
                "/Screen": N_("konten multimedia (RichMedia)"), "/Movie": N_("konten multimedia (RichMedia)"),
                "/3D": N_("konten multimedia (RichMedia)")}
PDF_MAX_OBJECTS = 500_000

# office (OOXML) parts that run code or carry other programs
OOXML_ACTIVE_PARTS = ("vbaproject.bin", "/activex/", "/embeddings/")
# a part whose bytes are another archive or a program, under any name (zip, PE, ELF, Mach-O, OLE2)
NESTED_MAGIC = (b"PK\x03\x04", b"MZ", b"\x7fELF", b"\xcf\xfa\xed\xfe", b"\xfe\xed\xfa",
                bytes.fromhex("D0CF11E0A1B11AE1"), b"Rar!", b"7z\xbc\xaf")
# the only external relationship Office follows on a click, never on opening: a web or mail link
OOXML_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
SAFE_LINK_SCHEMES = ("http://", "https://", "mailto:")


def inspect_content(incoming: Upload) -> str | None:
    """Check (and for images, re-encode) ``incoming`` by its sniffed kind."""
    if incoming.kind == ZIP_TOO_MANY:
        return translate(N_("Berkas Office berisi terlalu banyak bagian; berkas ditolak."))
    if incoming.kind == "pdf":
        return pdf_problem(incoming.data)
    if incoming.kind in IMAGE_KINDS:
        data, problem = reencode_image(incoming.data, incoming.kind)
        if problem is None:
            incoming.replace_data(data)
        return problem
    if incoming.kind in ("docx", "xlsx"):
        return office_zip_problem(incoming.data)
    if incoming.kind in ("doc", "xls"):
        return ole_problem(incoming.data)
    return None   # dwg: opaque, only ever sent as an attachment


# ------------------------------------------------------------------------------------------ PDF
def _pdf_refusal(what: str) -> str:
    return translate(N_("PDF ditolak karena berisi %(what)s. Simpan ulang atau cetak ke PDF biasa tanpa "
                        "skrip, lampiran, atau formulir aktif, lalu unggah lagi."), what=translate(what))


def pdf_problem(data: bytes) -> str | None:
    """Open the PDF with pikepdf (qpdf) and walk everything reachable from the trailer — the catalog
    (OpenAction, AA, Names with its JavaScript and EmbeddedFiles name trees, AcroForm), the page
    tree, each page's annotations and their actions — refusing active content. A PDF that does not
    parse, or is encrypted, is refused as well: what cannot be read cannot be checked."""
    import pikepdf

    try:
        pdf = pikepdf.open(BytesIO(data))
    except pikepdf.PasswordError:
        return translate(N_("PDF dilindungi kata sandi sehingga tidak dapat diperiksa. Unggah PDF tanpa kata sandi."))
    except Exception:   # pikepdf raises PdfError, ValueError, RuntimeError… on broken input
        return translate(N_("PDF rusak atau tidak dapat dibaca. Simpan ulang sebagai PDF lalu unggah lagi."))
    try:
        if pdf.is_encrypted:
            return translate(N_("PDF dilindungi kata sandi sehingga tidak dapat diperiksa. Unggah PDF tanpa kata sandi."))
        root = pdf.Root
        open_action = root.get("/OpenAction")
        if isinstance(open_action, pikepdf.Dictionary):   # a destination array only turns to a page
            return _pdf_refusal(N_("aksi otomatis saat dibuka (OpenAction)"))
        found = _walk_pdf(pdf, pikepdf) or _walk_recovered(data, pikepdf)
        return _pdf_refusal(found) if found else None
    except Exception:
        return translate(N_("PDF rusak atau tidak dapat dibaca. Simpan ulang sebagai PDF lalu unggah lagi."))
    finally:
        pdf.close()


def _walk_recovered(data: bytes, pikepdf) -> str | None:
    """The same walk over the file as a lenient viewer may read it: with every ``startxref`` hidden,
    qpdf rebuilds the cross-reference table by scanning the bytes, the last definition of each
    object winning. Objects appended after ``%%EOF`` without a new xref (a second catalog with an
    OpenAction — accepted in the attacker walk) are invisible to the first walk but not to this one.
    A file that cannot be rebuilt this way is judged by the first walk alone."""
    try:
        recovered = pikepdf.open(BytesIO(data.replace(b"startxref", b"startxre_")))
    except Exception:
        return None
    try:
        return _walk_pdf(recovered, pikepdf)
    except Exception:
        return None
    finally:
        recovered.close()


def _walk_pdf(pdf, pikepdf) -> str | None:
    """Depth-first over every object reachable from the trailer (each indirect object once)."""
    seen: set[tuple[int, int]] = set()
    stack = [pdf.trailer]
    visited = 0
    while stack:
        obj = stack.pop()
        if not isinstance(obj, (pikepdf.Dictionary, pikepdf.Stream, pikepdf.Array)):
            continue   # numbers, strings, names: nothing below them
        if obj.is_indirect:
            key = obj.objgen
            if key in seen:
                continue
            seen.add(key)
        visited += 1
        if visited > PDF_MAX_OBJECTS:
            return N_("struktur yang terlalu rumit untuk diperiksa")
        if isinstance(obj, (pikepdf.Dictionary, pikepdf.Stream)):
            mapping = obj.stream_dict if isinstance(obj, pikepdf.Stream) else obj
            for name in mapping.keys():
                if name in PDF_ACTIVE_KEYS:
                    return PDF_ACTIVE_KEYS[name]
            kind = mapping.get("/S")
            if isinstance(kind, pikepdf.Name) and str(kind) in PDF_ACTION_TYPES:
                return PDF_ACTION_TYPES[str(kind)]
            type_ = mapping.get("/Type")
            if isinstance(type_, pikepdf.Name) and str(type_) in PDF_TYPES:
                return PDF_TYPES[str(type_)]
            subtype = mapping.get("/Subtype")
            if isinstance(subtype, pikepdf.Name) and str(subtype) in PDF_SUBTYPES:
                return PDF_SUBTYPES[str(subtype)]
            if "/OpenAction" in mapping and isinstance(mapping.get("/OpenAction"), pikepdf.Dictionary):
                return N_("aksi otomatis saat dibuka (OpenAction)")
            stack.extend(mapping[name] for name in mapping.keys())
        elif isinstance(obj, pikepdf.Array):
            stack.extend(obj)
    return None


# --------------------------------------------------------------------------------------- images
def _max_pixels() -> int:
    return int(upload_setting("UPLOAD_MAX_IMAGE_PIXELS", 40_000_000))


def reencode_image(data: bytes, kind: str) -> tuple[bytes, str | None]:
    """Decode and re-encode with Pillow: metadata (EXIF, comments, text chunks, ICC) and anything
    after the image data (an HTML page appended to a JPEG) are not carried over. The pixel count is
    checked before decoding, so a decompression bomb is refused without allocating it."""
    from PIL import Image, ImageOps, ImageSequence

    unreadable = translate(N_("Gambar rusak atau tidak dapat dibaca. Simpan ulang gambar lalu unggah lagi."))
    max_pixels = _max_pixels()
    too_big = translate(N_("Resolusi gambar terlalu besar (maksimal %(mp)s megapiksel)."),
                        mp=f"{max_pixels / 1_000_000:g}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(BytesIO(data))
            frames = getattr(image, "n_frames", 1)
            if image.width * image.height * max(frames, 1) > max_pixels or frames > 1000:
                return b"", too_big
            expected = {"jpg": "JPEG", "png": "PNG", "gif": "GIF"}[kind]
            if image.format != expected:
                return b"", unreadable
            out = BytesIO()
            if kind == "jpg":
                image = ImageOps.exif_transpose(image)
                if image.mode not in ("RGB", "L"):
                    image = image.convert("RGB")
                clean = image.copy()
                clean.info = {}
                clean.save(out, "JPEG", quality=90, optimize=True)
            elif kind == "png":
                image.load()
                clean = image.copy()
                keep = {k: v for k, v in image.info.items() if k == "transparency"}
                clean.info = {}
                clean.save(out, "PNG", optimize=True, **keep)
            else:
                frames_out = []
                for frame in ImageSequence.Iterator(image):
                    copy = frame.copy()
                    copy.info = {k: v for k, v in frame.info.items() if k in ("duration", "transparency")}
                    frames_out.append(copy)
                first, rest = frames_out[0], frames_out[1:]
                first.save(out, "GIF", save_all=bool(rest), append_images=rest,
                           loop=image.info.get("loop", 0) if rest else None)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return b"", too_big
    except Exception:   # Pillow raises OSError, SyntaxError, ValueError… on broken images
        return b"", unreadable
    return out.getvalue(), None


# ------------------------------------------------------------------------------------ office zips
def office_zip_problem(data: bytes) -> str | None:
    """Inspect a docx/xlsx as an archive without extracting it: entry count, total uncompressed
    size, compression ratio, no macros/ActiveX/embedded programs. Each entry is then inflated in
    memory chunk by chunk — never to disk — to prove it is no larger than it claims."""
    max_entries = int(upload_setting("UPLOAD_ZIP_MAX_ENTRIES", 5000))
    max_total = int(float(upload_setting("UPLOAD_ZIP_MAX_UNCOMPRESSED_MB", 200)) * 1024 * 1024)
    max_ratio = float(upload_setting("UPLOAD_ZIP_MAX_RATIO", 100))
    bomb = translate(N_("Berkas Office ditolak: isinya setelah dibuka jauh lebih besar dari ukurannya "
                        "(indikasi zip bomb)."))
    try:
        archive = zipfile.ZipFile(BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return translate(N_("Berkas Office rusak atau tidak dapat dibaca."))
    if len(entries) > max_entries:
        return translate(N_("Berkas Office berisi terlalu banyak bagian; berkas ditolak."))
    total = sum(info.file_size for info in entries)
    if total > max_total:
        return bomb
    for info in entries:
        name = info.filename.lower()
        if any(part in "/" + name for part in OOXML_ACTIVE_PARTS):
            return translate(N_("Berkas Office berisi makro atau objek aktif; simpan tanpa makro lalu unggah lagi."))
        if info.file_size > 1024 * 1024 and info.file_size > max_ratio * max(info.compress_size, 1):
            return bomb
    if total > 1024 * 1024 and total > max_ratio * max(len(data), 1):
        return bomb
    active = translate(N_("Berkas Office berisi makro atau objek aktif; simpan tanpa makro lalu unggah lagi."))
    try:
        for info in entries:
            inflated = 0
            rels = info.filename.lower().endswith(".rels")
            kept = bytearray()
            with archive.open(info) as stream:
                while chunk := stream.read(64 * 1024):
                    if inflated == 0 and not info.is_dir() and chunk.startswith(NESTED_MAGIC):
                        return active   # another archive or a program hidden as a part
                    inflated += len(chunk)
                    if inflated > info.file_size:
                        return bomb
                    if rels:
                        kept += chunk
            if rels and _external_relationship(bytes(kept)):
                return translate(N_("Berkas Office ditolak karena memuat tautan ke berkas atau templat di luar "
                                    "dokumen (hubungan eksternal). Simpan ulang tanpa templat/objek tertaut."))
    except Exception:   # bad CRC, unsupported compression, encrypted entry
        return translate(N_("Berkas Office rusak atau tidak dapat dibaca."))
    return None


def _external_relationship(data: bytes) -> bool:
    """True when a relationships part points outside the package at anything but a web/mail link
    on a hyperlink: remote templates (attachedTemplate), linked OLE objects (``mhtml:`` — the
    Follina class), frames, subdocuments, external images (web beacons) and external workbook
    links are all fetched by Office on opening. A DTD in a part is refused too (entity tricks)."""
    import xml.etree.ElementTree as ElementTree

    if b"<!DOCTYPE" in data.upper() or b"<!ENTITY" in data.upper():
        return True
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError:
        return True
    for rel in root.iter(OOXML_REL_NS):
        if (rel.get("TargetMode") or "").lower() != "external":
            continue
        kind = (rel.get("Type") or "").rsplit("/", 1)[-1].lower()
        target = (rel.get("Target") or "").strip().lower()
        if kind != "hyperlink" or not target.startswith(SAFE_LINK_SCHEMES):
            return True
    return False


def ole_problem(data: bytes) -> str | None:
    """Legacy .doc/.xls (OLE2): parsed with olefile; macros (VBA) and embedded objects are refused."""
    import olefile

    try:
        with olefile.OleFileIO(BytesIO(data)) as ole:
            paths = ["/".join(p).lower() for p in ole.listdir(streams=True, storages=True)]
    except Exception:
        return translate(N_("Berkas Office rusak atau tidak dapat dibaca."))
    if any(p.startswith(("macros", "_vba_project_cur", "objectpool")) or "/vba" in p or p == "vba" for p in paths):
        return translate(N_("Berkas Office berisi makro atau objek aktif; simpan tanpa makro lalu unggah lagi."))
    return None
