"""Which files a workspace may touch, and its draft of them.

The live rules set sits beside ``RULES_PATH``: the entry file, ``rules/*.yaml`` (included office
files) and ``templates/documents/*.html``. A workspace is an agency's (key = the agency's key) or
the platform's shared one (``SHARED``: the entry file, shared files, new offices). An agency's
files are the included files whose ``agencies`` section defines that agency, and the document
templates its files name that no other agency's file names, plus new templates it uploads.

A path is accepted only in the one spelling it is stored under (``rules/kaltim.yaml``): ASCII
letters, digits, ``_`` and ``-``, one extension, in one of those folders — so ``../``, absolute
paths, backslashes, NUL, fullwidth or invisible characters are refused, never "cleaned". Files are
read and written without following symbolic links. The draft keeps only the files changed, under
``RULES_WORKSPACE_FOLDER/<workspace>/`` with the same relative paths.
"""
from __future__ import annotations

import os
import hashlib
import json
import re
import shutil
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml
from flask import current_app

from app.core.errors import N_, SatuPintuError

SHARED = "_bersama"
RULES_DIR = "rules"
TEMPLATES_DIR = "templates/documents"
COPIED_DIRS = ("rules", "templates/documents", "templates/requirements")  # what a check needs beside the entry
MAX_FILE_BYTES = 512 * 1024
MAX_FILES_PER_UPLOAD = 20
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,78}\.(yaml|yml|html)")
_WORKSPACE_KEY = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class WorkspaceError(SatuPintuError):
    status = 422
    code = "rules_workspace"


@dataclass(frozen=True)
class WorkspaceFile:
    path: str          # relative, e.g. rules/kaltim.yaml
    status: str        # "live" (unchanged), "changed" (draft differs), "new" (only in the draft)
    size: int
    stale: bool = False  # the live file changed since the draft of it began (another activation)

    @property
    def kind(self) -> str:
        return "html" if self.path.endswith(".html") else "yaml"


def live_root() -> Path:
    return Path(current_app.config["RULES_PATH"]).resolve().parent


def entry_name() -> str:
    return Path(current_app.config["RULES_PATH"]).name


def clean_path(path: object) -> str | None:
    """``path`` when it is one of the spellings a workspace file may have, else None."""
    if not isinstance(path, str) or len(path) > 200:
        return None
    if path == entry_name():
        return path
    folder, _sep, name = path.rpartition("/")
    if not _NAME.fullmatch(name):
        return None
    if folder == RULES_DIR and not name.endswith(".html"):
        return path
    if folder == TEMPLATES_DIR and name.endswith(".html"):
        return path
    return None


def upload_target(filename: object) -> str | None:
    """Where an uploaded file goes, by its name alone: the entry file, ``rules/`` for YAML,
    ``templates/documents/`` for HTML; None for any other name (nothing is stripped or guessed)."""
    if not isinstance(filename, str):
        return None
    if filename == entry_name():
        return filename
    if not _NAME.fullmatch(filename):
        return None
    return f"{TEMPLATES_DIR}/{filename}" if filename.endswith(".html") else f"{RULES_DIR}/{filename}"


def is_workspace_key(key: object) -> bool:
    return isinstance(key, str) and (key == SHARED or bool(_WORKSPACE_KEY.fullmatch(key)))


def read_regular(root: Path, relative: str) -> bytes | None:
    """The bytes of ``root/relative`` when it is a regular file reached without any symbolic link."""
    target = root / relative
    try:
        if target.resolve(strict=True) != root.resolve() / relative:
            return None   # a symlink somewhere on the way
        fd = os.open(target, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            return None
        return handle.read(MAX_FILE_BYTES + 1)


def write_atomically(root: Path, relative: str, content: bytes) -> None:
    """Write ``root/relative`` by a rename, so a reader sees the old or the new file, never half."""
    target = root / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.parent.resolve() != root.resolve() / Path(relative).parent or target.is_symlink():
        raise WorkspaceError(N_("%(path)s tidak dapat ditulis."), path=relative)
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".ws-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _listed(root: Path) -> list[str]:
    """The workspace-shaped files under ``root`` (regular files only, symlinks left out)."""
    found = []
    candidates = [entry_name()]
    for folder in (RULES_DIR, TEMPLATES_DIR):
        directory = root / folder
        if directory.is_dir() and not directory.is_symlink():
            candidates += [f"{folder}/{entry.name}" for entry in os.scandir(directory)
                           if entry.is_file(follow_symlinks=False)]
    for relative in candidates:
        if clean_path(relative) and (root / relative).is_file() and not (root / relative).is_symlink():
            found.append(relative)
    return sorted(found, key=lambda p: (p != entry_name(), not p.startswith(RULES_DIR), p))


def parse_yaml(content: bytes | None) -> dict:
    try:
        data = yaml.load(content or b"", Loader=_Loader)
    except yaml.YAMLError:
        return {}
    return data if isinstance(data, dict) else {}


def defined_agencies(content: bytes | None) -> set[str]:
    agencies = parse_yaml(content).get("agencies")
    return set(agencies) if isinstance(agencies, dict) else set()


def named_templates(content: bytes | None) -> set[str]:
    """The template files a rules file names (its documents' and its services' requirement forms)."""
    data = parse_yaml(content)
    names = set()
    for document in (data.get("documents") or {}).values() if isinstance(data.get("documents"), dict) else ():
        if isinstance(document, dict):
            names.add(document.get("template"))
    for service in (data.get("services") or {}).values() if isinstance(data.get("services"), dict) else ():
        for document in (service.get("documents") or ()) if isinstance(service, dict) else ():
            if isinstance(document, dict):
                names.add(document.get("template"))
    return {name for name in names if isinstance(name, str) and clean_path(name)}


class Workspace:
    """One workspace: ``key`` is an agency's key or ``SHARED``."""

    def __init__(self, key: str):
        if not is_workspace_key(key):
            raise WorkspaceError(N_("Ruang kerja tidak dikenal."), status=404)
        self.key = key
        self.agency_key = None if key == SHARED else key
        self.live = live_root()
        self.draft = Path(current_app.config["RULES_WORKSPACE_FOLDER"]).resolve() / key
        self._own: set[str] | None = None

    # ------------------------------------------------------------------ which files
    def own_files(self) -> set[str]:
        """The live files this workspace may change (the shared one: every file)."""
        if self._own is None:
            self._own = self._find_own_files()
        return self._own

    def _find_own_files(self) -> set[str]:
        live = _listed(self.live)
        if self.agency_key is None:
            return set(live)
        own_rules, others_templates, own_templates = set(), set(), set()
        for relative in live:
            if not relative.startswith(RULES_DIR + "/"):
                continue
            content = read_regular(self.live, relative)
            if self.agency_key in defined_agencies(content):
                own_rules.add(relative)
                own_templates |= named_templates(content)
            else:
                others_templates |= named_templates(content)
        for relative in own_rules:  # a draft may name new templates
            own_templates |= named_templates(read_regular(self.draft, relative))
        return own_rules | {t for t in own_templates if t.startswith(TEMPLATES_DIR + "/")} - others_templates

    def may_write(self, relative: str) -> bool:
        relative = clean_path(relative)
        if relative is None:
            return False
        if self.agency_key is None or relative in self.own_files():
            return True
        # an agency may add a template that does not exist yet; never a rules or entry file
        return relative.startswith(TEMPLATES_DIR + "/") and read_regular(self.live, relative) is None

    def draft_files(self) -> list[str]:
        return _listed(self.draft) if self.draft.is_dir() else []

    def files(self) -> list[WorkspaceFile]:
        drafted = set(self.draft_files())
        shown = sorted(self.own_files() | drafted,
                       key=lambda p: (p != entry_name(), not p.startswith(RULES_DIR), p))
        result = []
        for relative in shown:
            live = read_regular(self.live, relative)
            draft = read_regular(self.draft, relative) if relative in drafted else None
            if draft is None:
                result.append(WorkspaceFile(relative, "live", len(live or b"")))
            else:
                result.append(WorkspaceFile(relative, "new" if live is None else
                                            ("live" if draft == live else "changed"), len(draft),
                                            stale=relative in self.stale_files()))
        return result

    # ------------------------------------------------------------------ what each draft began from
    # ``.bases.json`` in the draft folder: path -> sha256 of the live file when its draft began ("" when
    # there was none). A draft whose live file has changed since (another workspace activated it) is
    # stale: activating it would silently undo that change, so it is refused until redone.
    def _bases(self) -> dict[str, str]:
        content = read_regular(self.draft, ".bases.json")
        try:
            bases = json.loads(content or b"{}")
        except ValueError:
            return {}
        return bases if isinstance(bases, dict) else {}

    def _live_digest(self, relative: str) -> str:
        content = read_regular(self.live, relative)
        return "" if content is None else hashlib.sha256(content).hexdigest()

    def stale_files(self) -> list[str]:
        bases = self._bases()
        return [relative for relative in self.draft_files()
                if relative in bases and bases[relative] != self._live_digest(relative)]

    # ------------------------------------------------------------------ contents
    def read(self, relative: str) -> str:
        """The draft's text of a file this workspace may see, else the live one."""
        relative = clean_path(relative)
        if relative is None or not (relative in self.own_files() or relative in self.draft_files()):
            raise WorkspaceError(N_("Berkas tidak ditemukan di ruang kerja ini."), status=404)
        content = read_regular(self.draft, relative)
        if content is None:
            content = read_regular(self.live, relative)
        if content is None:
            raise WorkspaceError(N_("Berkas tidak ditemukan di ruang kerja ini."), status=404)
        return content.decode("utf-8", errors="replace")

    def write(self, relative: str, content: bytes) -> str:
        """Keep ``content`` as the draft of ``relative``; refused beyond the limits or scope."""
        target = clean_path(relative)
        if target is None:
            raise WorkspaceError(N_("Nama berkas %(name)s tidak diterima: pakai huruf, angka, _ atau -, "
                                    "berakhiran .yaml atau .html."), name=repr(relative))
        if not self.may_write(target):
            raise WorkspaceError(N_("%(path)s bukan berkas instansi ini."), path=target, status=403)
        if len(content) > MAX_FILE_BYTES:
            raise WorkspaceError(N_("%(path)s lebih dari %(size)s KB."), path=target, size=MAX_FILE_BYTES // 1024,
                                 status=413)
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError:
            raise WorkspaceError(N_("%(path)s bukan teks UTF-8."), path=target) from None
        if "\x00" in text:
            raise WorkspaceError(N_("%(path)s memuat karakter NUL."), path=target)
        bases = self._bases()
        if target not in bases or target not in self.draft_files():
            bases[target] = self._live_digest(target)
        write_atomically(self.draft, target, text.replace("\r\n", "\n").encode("utf-8"))
        write_atomically(self.draft, ".bases.json", json.dumps(bases, sort_keys=True).encode("utf-8"))
        return target

    def discard(self, relative: str | None = None) -> None:
        """Forget the draft of one file, or the whole draft (a symbolic link in it is removed, never
        followed)."""
        if relative is not None:
            relative = clean_path(relative)
            if relative is not None and self.draft.is_dir() and not self.draft.is_symlink():
                (self.draft / relative).unlink(missing_ok=True)
                bases = self._bases()
                if bases.pop(relative, None) is not None:
                    write_atomically(self.draft, ".bases.json", json.dumps(bases, sort_keys=True).encode("utf-8"))
            return
        if self.draft.is_symlink():
            self.draft.unlink()
        elif self.draft.is_dir():
            shutil.rmtree(self.draft)

    def draft_contents(self) -> dict[str, bytes]:
        contents = {}
        for relative in self.draft_files():
            content = read_regular(self.draft, relative)
            if content is not None and content != read_regular(self.live, relative):
                contents[relative] = content
        return contents
