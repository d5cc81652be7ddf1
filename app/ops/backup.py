"""`flask backup create` / `verify` / `restore`: the database, the upload folder and the signing
material in one tar.gz with a manifest of sha256s.

The archive holds ``database/…`` (a ``pg_dump`` custom-format dump, or a SQLite copy made with
SQLite's online backup API), ``uploads/…`` (every file of UPLOAD_FOLDER), ``signing/signatories.json``
(each signatory's certificate and private key — the key still encrypted under its holder's
passphrase) and, last, ``manifest.json`` with the sha256 and size of every other member.

The database is dumped before the files are read: a file the dump refers to was written before
its row was committed, so it is in the archive too.

A restore verifies the whole archive against its manifest before it touches anything, and goes
only into an empty database and an empty upload folder unless ``force`` is given.
"""
from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath

from flask import current_app
from sqlalchemy import func, inspect, select, text
from sqlalchemy.engine import URL, make_url

from app.extensions import db

FORMAT = "satupintu-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SIGNING_MEMBER = "signing/signatories.json"
PG_MEMBER = "database/satupintu.pgdump"
SQLITE_MEMBER = "database/satupintu.sqlite3"
SKIPPED_SUFFIXES = (".part",)          # a FileStore write in progress
SKIPPED_PREFIXES = (".doctor-",)       # `flask doctor`'s write probe
CHUNK = 1024 * 1024


class BackupError(Exception):
    """The backup or restore cannot go on; the message says why and what to do."""


@dataclass
class BackupSummary:
    path: Path
    dialect: str
    revision: str | None
    members: int
    uploads: int
    signatories: int
    size: int


@dataclass
class RestoreSummary:
    dialect: str
    revision: str | None
    applications: int
    uploads: int
    stored_files: int
    signatories: int
    notes: list[str] = field(default_factory=list)


# ------------------------------------------------------------------------------------ helpers


def database_url() -> URL:
    return make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])


def _dialect(url: URL) -> str:
    return url.get_backend_name()


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:" or url.database.startswith("file:"):
        raise BackupError(f"cannot back up or restore the SQLite database {url.database or ':memory:'!r}: "
                          "give it a file (DATABASE_URL=sqlite:////path/to/satupintu.db)")
    return Path(url.database)


def _libpq(url: URL) -> tuple[str, dict]:
    """A libpq connection URI without the password, and an environment carrying it (so it never
    shows in the process list)."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return url.set(drivername="postgresql", password=None).render_as_string(hide_password=False), env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} not found: install the PostgreSQL client (apt-get install -y postgresql-client)")
    return path


def _run(command: list[str], env: dict, what: str) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{what} failed ({result.returncode}): {result.stderr.strip()[:2000]}")


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _alembic_revision() -> str | None:
    try:
        with db.engine.connect() as connection:
            rows = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    except Exception:
        return None
    return ",".join(sorted(rows)) or None


def upload_files(root: Path) -> list[tuple[str, Path]]:
    """(relative POSIX path, path) of every regular file under ``root``, in a stable order."""
    if not root.is_dir():
        return []
    found = []
    for path in sorted(root.rglob("*")):
        if path.is_symlink() or not path.is_file():
            continue
        if path.name.endswith(SKIPPED_SUFFIXES) or path.name.startswith(SKIPPED_PREFIXES):
            continue
        found.append((path.relative_to(root).as_posix(), path))
    return found


def signing_material() -> list[dict]:
    """Every signatory's certificate and (still encrypted) private key, by agency and key."""
    from models import Agency, Signatory

    rows = db.session.execute(select(Agency.key, Signatory).join(Agency, Agency.id == Signatory.agency_id)
                              .order_by(Agency.key, Signatory.key)).all()
    return [{"agency": agency_key, "key": signatory.key, "name": signatory.name, "role": signatory.role,
             "user_id": signatory.user_id,
             "certificate_pem": _b64(signatory.certificate_pem),
             "encrypted_key_pem": _b64(signatory.encrypted_key_pem)}
            for agency_key, signatory in rows]


def _b64(data: bytes | None) -> str | None:
    return base64.b64encode(data).decode() if data else None


# ------------------------------------------------------------------------------------ create


class _ArchiveWriter:
    def __init__(self, tar: tarfile.TarFile):
        self.tar = tar
        self.members: list[dict] = []
        self.mtime = int(datetime.now(timezone.utc).timestamp())

    def add_bytes(self, name: str, data: bytes) -> None:
        info = tarfile.TarInfo(name)
        info.size, info.mtime, info.mode = len(data), self.mtime, 0o600
        self.tar.addfile(info, io.BytesIO(data))
        self.members.append({"name": name, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)})

    def add_file(self, name: str, path: Path) -> None:
        digest = _sha256_file(path)
        size = path.stat().st_size
        info = tarfile.TarInfo(name)
        info.size, info.mtime, info.mode = size, self.mtime, 0o600
        with open(path, "rb") as handle:
            self.tar.addfile(info, handle)
        self.members.append({"name": name, "sha256": digest, "size": size})


def default_backup_path() -> Path:
    folder = Path(current_app.config.get("BACKUP_FOLDER") or Path(current_app.instance_path) / "backups")
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return folder / f"satupintu-{stamp}.tar.gz"


def create_backup(out: str | Path | None = None) -> BackupSummary:
    url = database_url()
    dialect = _dialect(url)
    if dialect not in ("postgresql", "sqlite"):
        raise BackupError(f"backups support PostgreSQL and SQLite, not {dialect}")
    out = Path(out) if out else default_backup_path()
    if out.exists():
        raise BackupError(f"{out} already exists: choose another --out")
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".part")
    revision = _alembic_revision()
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".backup-") as work:
        if dialect == "postgresql":
            member, dump = PG_MEMBER, Path(work) / "satupintu.pgdump"
            address, env = _libpq(url)
            _run([_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
                  "--file", str(dump), "--dbname", address], env, "pg_dump")
        else:
            member, dump = SQLITE_MEMBER, Path(work) / "satupintu.sqlite3"
            source = sqlite3.connect(f"{_sqlite_path(url).resolve().as_uri()}?mode=ro", uri=True)
            target = sqlite3.connect(dump)
            try:
                source.backup(target)
            finally:
                target.close()
                source.close()
        signing = signing_material()
        uploads = upload_files(Path(current_app.config["UPLOAD_FOLDER"]))
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)   # personal data: owner only
        try:
            with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
                writer = _ArchiveWriter(tar)
                writer.add_file(member, dump)
                writer.add_bytes(SIGNING_MEMBER, json.dumps(signing, indent=1).encode())
                for relative, path in uploads:
                    writer.add_bytes(f"uploads/{relative}", path.read_bytes())
                manifest = {
                    "format": FORMAT, "version": FORMAT_VERSION,
                    "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                    "database": {"dialect": dialect, "member": member, "alembic_revision": revision},
                    "uploads": len(uploads), "signatories": len(signing),
                    "members": writer.members,
                }
                info = tarfile.TarInfo(MANIFEST)
                body = json.dumps(manifest, indent=1).encode()
                info.size, info.mtime, info.mode = len(body), writer.mtime, 0o600
                tar.addfile(info, io.BytesIO(body))
            os.replace(partial, out)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    return BackupSummary(path=out, dialect=dialect, revision=revision, members=len(manifest["members"]) + 1,
                         uploads=len(uploads), signatories=len(signing), size=out.stat().st_size)


# ------------------------------------------------------------------------------------ verify


def _safe_member_name(name: str) -> bool:
    path = PurePosixPath(name)
    return bool(name) and not path.is_absolute() and ".." not in path.parts and "\\" not in name \
        and "\x00" not in name and path.parts[0] in ("database", "uploads", "signing", MANIFEST)


def extract_verified(archive: str | Path, into: Path) -> dict:
    """Extract ``archive`` into ``into`` and check every member against the manifest. Returns the
    manifest; raises BackupError naming every problem (nothing outside ``into`` is written)."""
    archive = Path(archive)
    if not archive.is_file():
        raise BackupError(f"{archive} does not exist")
    digests: dict[str, tuple[str, int]] = {}
    problems: list[str] = []
    try:
        with tarfile.open(archive, mode="r:gz") as tar:
            for info in tar:
                if not info.isreg():
                    problems.append(f"{info.name}: not a regular file")
                    continue
                if not _safe_member_name(info.name):
                    problems.append(f"{info.name}: a name a backup never has")
                    continue
                if info.name in digests:
                    problems.append(f"{info.name}: appears twice")
                    continue
                target = into / info.name
                target.parent.mkdir(parents=True, exist_ok=True)
                digest, size = hashlib.sha256(), 0
                source = tar.extractfile(info)
                with open(target, "wb") as handle:
                    for chunk in iter(lambda: source.read(CHUNK), b""):
                        digest.update(chunk)
                        size += len(chunk)
                        handle.write(chunk)
                digests[info.name] = (digest.hexdigest(), size)
    except (tarfile.TarError, EOFError, OSError) as error:
        raise BackupError(f"{archive} is not a readable tar.gz archive: {error}") from error
    if MANIFEST not in digests:
        raise BackupError(f"{archive} has no {MANIFEST}: not a SatuPintu backup" +
                          (f" ({'; '.join(problems)})" if problems else ""))
    try:
        manifest = json.loads((into / MANIFEST).read_text("utf-8"))
    except (ValueError, UnicodeDecodeError) as error:
        raise BackupError(f"{MANIFEST} is not valid JSON: {error}") from error
    if manifest.get("format") != FORMAT or manifest.get("version") != FORMAT_VERSION:
        raise BackupError(f"{archive} is not a SatuPintu backup of format version {FORMAT_VERSION}")
    listed = {entry["name"]: entry for entry in manifest.get("members") or ()}
    for name, entry in listed.items():
        if name not in digests:
            problems.append(f"{name}: listed in the manifest but missing")
        elif digests[name] != (entry.get("sha256"), entry.get("size")):
            problems.append(f"{name}: sha256/size differ from the manifest")
    for name in digests:
        if name != MANIFEST and name not in listed:
            problems.append(f"{name}: not listed in the manifest")
    database = manifest.get("database") or {}
    if database.get("member") not in listed:
        problems.append("the manifest names no database member")
    if problems:
        raise BackupError(f"{archive} fails verification: " + "; ".join(problems))
    return manifest


def verify_backup(archive: str | Path) -> dict:
    with tempfile.TemporaryDirectory(prefix="satupintu-verify-") as work:
        return extract_verified(archive, Path(work))


# ------------------------------------------------------------------------------------ restore


def _database_is_empty(url: URL) -> bool:
    if _dialect(url) == "sqlite":
        path = _sqlite_path(url)
        if not path.exists() or path.stat().st_size == 0:
            return True
    return not inspect(db.engine).get_table_names()


def _folder_is_empty(folder: Path) -> bool:
    return not folder.exists() or not any(folder.iterdir())


def _known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    return {script.revision for script in ScriptDirectory(current_app.extensions["migrate"].directory).walk_revisions()}


def restore_backup(archive: str | Path, *, force: bool = False) -> RestoreSummary:
    url = database_url()
    dialect = _dialect(url)
    uploads = Path(current_app.config["UPLOAD_FOLDER"])
    uploads.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=uploads.parent, prefix=".restore-") as work:
        work_path = Path(work)
        manifest = extract_verified(archive, work_path)                    # before anything is touched
        database = manifest["database"]
        if database.get("dialect") != dialect:
            raise BackupError(f"the backup holds a {database.get('dialect')} database and DATABASE_URL is "
                              f"{dialect}: restore into the same kind of database")
        revisions = set((database.get("alembic_revision") or "").split(",")) - {""}
        unknown = revisions - _known_revisions()
        if unknown:
            raise BackupError(f"the backup's schema ({', '.join(sorted(unknown))}) is newer than this code: "
                              "deploy the version that made it, then restore")
        db.session.remove()
        problems = []
        if not force and not _database_is_empty(url):
            problems.append(f"the database {url.render_as_string(hide_password=True)} is not empty")
        if not force and not _folder_is_empty(uploads):
            problems.append(f"the upload folder {uploads} is not empty")
        if problems:
            raise BackupError("; ".join(problems) + ": restore into an empty database and folder, or give --force "
                              "to replace their contents")
        db.engine.dispose()
        dump = work_path / database["member"]
        if dialect == "postgresql":
            address, env = _libpq(url)
            command = [_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error",
                       "--single-transaction", "--dbname", address]
            if force:
                command[1:1] = ["--clean", "--if-exists"]
            _run([*command, str(dump)], env, "pg_restore")
        else:
            path = _sqlite_path(url)
            path.parent.mkdir(parents=True, exist_ok=True)
            source, target = sqlite3.connect(dump), sqlite3.connect(path)
            try:
                source.backup(target)                 # replaces the target's whole content
            finally:
                target.close()
                source.close()
        db.engine.dispose()
        count = _restore_uploads(work_path / "uploads", uploads, clear=force)
        signing = json.loads((work_path / SIGNING_MEMBER).read_text("utf-8"))
    return _check_restored(dialect, database.get("alembic_revision"), count, signing, uploads)


def _restore_uploads(source: Path, target: Path, *, clear: bool) -> int:
    if clear and target.exists():
        for entry in target.iterdir():
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
    target.mkdir(parents=True, exist_ok=True)
    count = 0
    for relative, path in upload_files(source):
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(path, destination)
        count += 1
    return count


def _check_restored(dialect: str, revision: str | None, uploads_count: int, signing: list[dict],
                    uploads: Path) -> RestoreSummary:
    """Read the restored data back: every stored file present, every signatory's material as in
    the archive. Raises BackupError when something is not back."""
    from app.ops.checks import check_migrations
    from models import Application, StoredFile

    db.session.remove()
    problems, notes = [], []
    applications = db.session.scalar(select(func.count()).select_from(Application)) or 0
    missing = [row.storage_path for row in db.session.execute(select(StoredFile.storage_path)).all()
               if not (uploads / row.storage_path).is_file()]
    stored = db.session.scalar(select(func.count()).select_from(StoredFile)) or 0
    if missing:
        problems.append(f"{len(missing)} stored file(s) missing from the upload folder, e.g. {missing[0]}")
    restored = {(entry["agency"], entry["key"]): entry for entry in signing_material()}
    for entry in signing:
        found = restored.get((entry["agency"], entry["key"]))
        if found is None or found["certificate_pem"] != entry["certificate_pem"] \
                or found["encrypted_key_pem"] != entry["encrypted_key_pem"]:
            problems.append(f"signatory {entry['agency']}/{entry['key']}: key or certificate not restored")
    migrations = check_migrations()
    if not migrations.ok:
        notes.append(f"{migrations.detail} — {migrations.fix}")
    db.session.remove()
    if problems:
        raise BackupError("restored, but not everything is back: " + "; ".join(problems))
    return RestoreSummary(dialect=dialect, revision=revision, applications=applications, uploads=uploads_count,
                          stored_files=stored, signatories=len(signing), notes=notes)
