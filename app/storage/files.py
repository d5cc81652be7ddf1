"""Uploaded files: checked by content (not by name), stored by hash, removed again if the transaction fails."""
from __future__ import annotations

import hashlib
import os
import struct
import uuid
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from io import BytesIO
from pathlib import Path

from flask import current_app

from app.core.errors import N_, ValidationError, translate
from app.storage.file_checks import ZIP_TOO_MANY, inspect_content, upload_setting

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "gif": "image/gif",
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "dwg": "image/vnd.dwg",
}
TYPE_LABELS = {"jpg": "JPG", "png": "PNG", "pdf": "PDF", "gif": "GIF", "doc": "DOC", "docx": "DOCX",
               "xls": "XLS", "xlsx": "XLSX", "dwg": "DWG"}
# the extensions a file of each sniffed kind may be named with
EXTENSIONS = {"pdf": {"pdf"}, "png": {"png"}, "jpg": {"jpg", "jpeg", "jpe", "jfif"}, "gif": {"gif"},
              "doc": {"doc"}, "xls": {"xls"}, "docx": {"docx"}, "xlsx": {"xlsx"}, "dwg": {"dwg"}}
OLE2_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
READ_CHUNK = 64 * 1024


def sniff(data: bytes, filename: str = "") -> str | None:
    """The file's real type from its bytes (never from its name), or None when it is none we accept."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if data.startswith(b"AC10") and data[4:6].isdigit():
        return "dwg"
    if data.startswith(OLE2_MAGIC):
        return _ole_kind(data)
    if data.startswith(b"PK\x03\x04"):
        return _ooxml_kind(data)
    return None


def _ole_kind(data: bytes) -> str | None:
    import olefile

    try:
        with olefile.OleFileIO(BytesIO(data)) as ole:
            streams = {"/".join(path).lower() for path in ole.listdir(streams=True, storages=False)}
    except Exception:  # olefile raises many kinds on malformed input
        return None
    if "worddocument" in streams:
        return "doc"
    if "workbook" in streams or "book" in streams:
        return "xls"
    return None


def _zip_entry_count(data: bytes) -> int | None:
    """Entries declared by the zip's end-of-central-directory record, read without parsing the
    directory itself (so a zip with 200k entries costs nothing to refuse); None: no valid record."""
    tail = data[-(0xFFFF + 22):]
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        return None
    return struct.unpack("<H", tail[at + 10:at + 12])[0]   # 0xFFFF: zip64, 65535 entries or more


def _ooxml_kind(data: bytes) -> str | None:
    count = _zip_entry_count(data)
    if count is None or count > upload_setting("UPLOAD_ZIP_MAX_ENTRIES", 5000):
        return ZIP_TOO_MANY if count else None
    try:
        names = set(zipfile.ZipFile(BytesIO(data)).namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return None
    if "[Content_Types].xml" in names:
        if any(n.startswith("word/") for n in names):
            return "docx"
        if any(n.startswith("xl/") for n in names):
            return "xlsx"
    return None


# "jpeg" in a rules file means the same as "jpg"
def normalise_types(types) -> set[str]:
    return {"jpg" if t == "jpeg" else t for t in (types or [])}


def read_limited(stream, limit: int) -> tuple[bytes, bool]:
    """Read ``stream`` in chunks and stop once more than ``limit`` bytes came: (data, too_large).
    The bytes past the limit are never read, and a too-large upload keeps nothing in memory."""
    chunks, total = [], 0
    while True:
        chunk = stream.read(READ_CHUNK)
        if not chunk:
            return b"".join(chunks), False
        total += len(chunk)
        if total > limit:
            return b"", True
        chunks.append(chunk)


def upload_limit_bytes() -> int:
    """The largest single upload read at all (the per-slot ``max_mb`` is checked afterwards)."""
    mb = upload_setting("UPLOAD_MAX_MB", None)
    if mb:
        return int(float(mb) * 1024 * 1024)
    return int(upload_setting("MAX_CONTENT_LENGTH", None) or 60 * 1024 * 1024)


@dataclass
class IncomingFile:
    """An uploaded file read into memory, with its sniffed kind."""

    filename: str
    data: bytes
    kind: str | None = None
    sha256: str = ""
    too_large: bool = False     # reading stopped at the limit
    inspected: bool = False     # the content checks ran and ``data`` holds what may be stored

    @classmethod
    def from_storage(cls, storage, max_bytes: int | None = None) -> "IncomingFile":
        limit = max_bytes if max_bytes is not None else upload_limit_bytes()
        if hasattr(storage, "read"):
            data, too_large = read_limited(storage, limit)
        else:
            data = bytes(storage)
            too_large = len(data) > limit
            data = b"" if too_large else data
        name = getattr(storage, "filename", "") or ""
        return cls(filename=name, data=data, kind=None if too_large else sniff(data, name),
                   sha256=hashlib.sha256(data).hexdigest(), too_large=too_large)

    @classmethod
    def trusted(cls, filename: str, data: bytes, kind: str, sha256: str = "") -> "IncomingFile":
        """Bytes the platform produced itself or already inspected (generated PDFs, library files)."""
        return cls(filename=filename, data=data, kind=kind,
                   sha256=sha256 or hashlib.sha256(data).hexdigest(), inspected=True)

    @property
    def size(self) -> int:
        return len(self.data)

    def replace_data(self, data: bytes) -> None:
        self.data = data
        self.sha256 = hashlib.sha256(data).hexdigest()


def filename_problem(filename: str) -> str | None:
    if not filename or not filename.strip():
        return translate(N_("Nama file kosong."))
    if "/" in filename or "\\" in filename or filename.startswith(".") or ".." in filename \
            or "\x00" in filename or len(filename) > 200:
        return translate(N_("Nama file tidak diizinkan."))
    return None


def extension_problem(incoming: IncomingFile) -> str | None:
    """The name's extension must say what the content is (a PNG named .pdf is refused)."""
    if incoming.kind not in EXTENSIONS:
        return None
    ext = incoming.filename.rsplit(".", 1)[-1].lower() if "." in incoming.filename else ""
    label = TYPE_LABELS.get(incoming.kind, incoming.kind.upper())
    if not ext or len(ext) > 10:
        return translate(N_("Nama file harus berakhiran ekstensi yang sesuai dengan isinya (%(kind)s)."), kind=label)
    if ext not in EXTENSIONS[incoming.kind]:
        return translate(N_("Nama file berakhiran .%(ext)s tetapi isinya %(kind)s. Simpan dengan ekstensi "
                            "yang sesuai lalu unggah lagi."),
                         ext=ext, kind=label)
    return None


def content_problem(incoming: IncomingFile) -> str | None:
    """Inspect the content of a file of a known kind: the extension agrees, PDFs carry no active
    content, office files are no zip bombs, images are re-encoded (``incoming.data`` replaced).
    None: the file may be stored. Runs once per file."""
    if incoming.inspected or incoming.kind is None:
        return None
    problem = extension_problem(incoming)
    if problem:
        return problem
    problem = inspect_content(incoming)
    if problem is None:
        incoming.inspected = True
    return problem


def too_large_message(max_mb) -> str:
    limit_mb = upload_limit_bytes() / (1024 * 1024)
    shown = min(float(max_mb), limit_mb) if max_mb else limit_mb
    return translate(N_("Ukuran file melebihi %(max)s MB."), max=f"{shown:g}")


def check_file(incoming: IncomingFile, types, max_mb) -> str | None:
    """Why this file may not be accepted for a slot allowing ``types`` up to ``max_mb`` (None: fine).
    On success images have been re-encoded: store ``incoming.data``, not what was uploaded."""
    problem = filename_problem(incoming.filename)
    if problem:
        return problem
    if incoming.too_large:
        return too_large_message(max_mb)
    allowed = normalise_types(types)
    if incoming.size == 0:
        return translate(N_("File kosong."))
    if incoming.kind == ZIP_TOO_MANY:
        return translate(N_("Berkas Office berisi terlalu banyak bagian; berkas ditolak."))
    if incoming.kind is None or (allowed and incoming.kind not in allowed):
        labels = ", ".join(TYPE_LABELS.get(t, t.upper()) for t in sorted(allowed)) or "-"
        return translate(N_("Isi file bukan jenis yang diizinkan (hanya %(types)s)."), types=labels)
    if max_mb and incoming.size > float(max_mb) * 1024 * 1024:
        return too_large_message(max_mb)
    return content_problem(incoming)


@dataclass
class FileStore:
    """Writes files under UPLOAD_FOLDER/<aa>/<sha256>-<random>; remembers what it created so a rollback can undo it."""

    root: Path
    created: list[Path] = field(default_factory=list)

    @classmethod
    def current(cls) -> "FileStore":
        return cls(Path(current_app.config["UPLOAD_FOLDER"]))

    def save(self, incoming: IncomingFile) -> str:
        # One file per upload (never shared), so undoing a failed transaction removes only its own bytes.
        relative = Path(incoming.sha256[:2]) / f"{incoming.sha256}-{uuid.uuid4().hex[:12]}"
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".part")
        tmp.write_bytes(incoming.data)
        os.replace(tmp, path)
        self.created.append(path)
        return str(relative)

    def discard_created(self) -> None:
        for path in self.created:
            try:
                path.unlink()
            except FileNotFoundError:
                pass
        self.created.clear()

    def path_of(self, storage_path: str) -> Path:
        return self.root / storage_path


def store_file(store: FileStore, incoming: IncomingFile, *, owner_id: int | None, label: str = "",
               in_library: bool = False):
    from models import StoredFile

    return StoredFile(owner_id=owner_id, original_name=incoming.filename, label=label or incoming.filename,
                      kind=incoming.kind or "bin",
                      content_type=CONTENT_TYPES.get(incoming.kind or "", "application/octet-stream"),
                      size=incoming.size, sha256=incoming.sha256,
                      storage_path=store.save(incoming), in_library=in_library)


def raise_field_errors(errors: dict[str, str]) -> None:
    if errors:
        raise ValidationError(details={"field_errors": errors})


def sweep_orphans(*, older_than_minutes: float | None = None, dry_run: bool = False,
                  now: float | None = None) -> list[dict]:
    """Remove files under UPLOAD_FOLDER that no StoredFile row names and that are older than
    ``older_than_minutes`` (default UPLOAD_ORPHAN_MINUTES, an hour): the bytes of a request that
    died between writing and committing. Returns what was (or, dry run, would be) removed."""
    import time

    from sqlalchemy import select

    from app.extensions import db
    from models import StoredFile

    minutes = older_than_minutes if older_than_minutes is not None else \
        float(current_app.config.get("UPLOAD_ORPHAN_MINUTES", 60))
    cutoff = (now if now is not None else time.time()) - minutes * 60
    root = Path(current_app.config["UPLOAD_FOLDER"])
    candidates: dict[str, Path] = {}
    for path in root.rglob("*"):
        try:
            if path.is_file() and not path.is_symlink() and path.stat().st_mtime < cutoff:
                candidates[path.relative_to(root).as_posix()] = path
        except FileNotFoundError:   # removed meanwhile
            continue
    removed = []
    names = sorted(candidates)
    for start in range(0, len(names), 500):
        batch = names[start:start + 500]
        known = set(db.session.scalars(select(StoredFile.storage_path).where(StoredFile.storage_path.in_(batch))))
        for name in batch:
            if name in known:
                continue
            path = candidates[name]
            try:
                stat = path.stat()
                if not dry_run:
                    path.unlink()
            except FileNotFoundError:
                continue
            removed.append({"path": name, "size": stat.st_size,
                            "modified": datetime.fromtimestamp(stat.st_mtime, timezone.utc).isoformat(timespec="seconds")})
    db.session.rollback()
    return removed
