"""Uploaded files: checked by content (not by name), stored by hash, removed again if the transaction fails."""
from __future__ import annotations

import hashlib
import os
import uuid
import zipfile
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path

from flask import current_app

from app.errors import N_, ValidationError, translate

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
OLE2_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")


def sniff(data: bytes, filename: str = "") -> str | None:
    """The file's real type from its first bytes, or None when it is none we accept."""
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
        return "xls" if filename.lower().endswith(".xls") else "doc"
    if data.startswith(b"PK\x03\x04"):
        try:
            names = set(zipfile.ZipFile(BytesIO(data)).namelist())
        except zipfile.BadZipFile:
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


@dataclass
class IncomingFile:
    """An uploaded file read into memory, with its sniffed kind."""

    filename: str
    data: bytes
    kind: str | None = None
    sha256: str = ""

    @classmethod
    def from_storage(cls, storage) -> "IncomingFile":
        data = storage.read() if hasattr(storage, "read") else bytes(storage)
        name = getattr(storage, "filename", "") or ""
        return cls(filename=name, data=data, kind=sniff(data, name),
                   sha256=hashlib.sha256(data).hexdigest())

    @property
    def size(self) -> int:
        return len(self.data)


def filename_problem(filename: str) -> str | None:
    if not filename or not filename.strip():
        return translate(N_("Nama file kosong."))
    if "/" in filename or "\\" in filename or filename.startswith(".") or ".." in filename \
            or "\x00" in filename or len(filename) > 200:
        return translate(N_("Nama file tidak diizinkan."))
    return None


def check_file(incoming: IncomingFile, types, max_mb) -> str | None:
    """Why this file may not be accepted for a slot allowing ``types`` up to ``max_mb`` (None: fine)."""
    problem = filename_problem(incoming.filename)
    if problem:
        return problem
    allowed = normalise_types(types)
    if incoming.size == 0:
        return translate(N_("File kosong."))
    if incoming.kind is None or (allowed and incoming.kind not in allowed):
        labels = ", ".join(TYPE_LABELS.get(t, t.upper()) for t in sorted(allowed)) or "-"
        return translate(N_("Isi file bukan jenis yang diizinkan (hanya %(types)s)."), types=labels)
    if max_mb and incoming.size > float(max_mb) * 1024 * 1024:
        return translate(N_("Ukuran file melebihi %(max)s MB."), max=max_mb)
    return None


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
