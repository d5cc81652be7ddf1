"""`flask backup`: create → restore into an empty database and folder → the same rows, files and
valid signatures; a damaged or foreign archive, or a target that is not empty, changes nothing.

The source is the session's database (SQLite, or PostgreSQL on a TEST_DATABASE_URL run); each
restore goes into a database of the same kind made fresh for it."""
from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from app.demo.autofill import happy_path
from tests.ops.conftest import ON_POSTGRESQL, PG_URL, make_app
from tests.outbox.conftest import drain

pytestmark = pytest.mark.usefixtures("offices")


@pytest.fixture(scope="module")
def signed_application(app, offices):
    """A Kaltim licence application driven to the end: its licence is signed (PAdES)."""
    office = offices["kaltim"]
    path = happy_path(office.data["workflows"]["kaltim_perizinan"])
    app_id = office.create("kaltim_akdp", path)
    office.drive(app_id, path)
    drain(app, app_id)
    return app_id


class FreshTarget:
    """An empty database of the session's kind and an empty upload folder, with an app on them."""

    def __init__(self, app, tmp_path: Path, name: str):
        self.tmp_path = tmp_path
        self.database = f"satupintu_h6_{name}_{os.getpid()}"
        if ON_POSTGRESQL:
            admin = make_url(PG_URL).set(database="postgres")
            self._admin = create_engine(admin, isolation_level="AUTOCOMMIT")
            with self._admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{self.database}"'))
                connection.execute(text(f'CREATE DATABASE "{self.database}"'))
            self.url = make_url(PG_URL).set(database=self.database).render_as_string(hide_password=False)
        else:
            self.url = f"sqlite:///{tmp_path / (self.database + '.db')}"
        self.uploads = tmp_path / f"{name}-uploads"
        self.app = make_app(tmp_path, self.url, RULES_PATH=app.config["RULES_PATH"], UPLOAD_FOLDER=str(self.uploads))

    def cli(self, *args):
        return self.app.test_cli_runner().invoke(args=list(args))

    def tables(self) -> list[str]:
        from sqlalchemy import inspect

        with self.app.app_context():
            from app.extensions import db
            try:
                return inspect(db.engine).get_table_names()
            finally:
                db.engine.dispose()

    def close(self) -> None:
        with self.app.app_context():
            from app.extensions import db
            db.session.remove()
            db.engine.dispose()
        if ON_POSTGRESQL:
            with self._admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)'))
            self._admin.dispose()


@pytest.fixture
def target(app, tmp_path):
    made = []

    def _make(name: str = "restore") -> FreshTarget:
        made.append(FreshTarget(app, tmp_path, name))
        return made[-1]
    yield _make
    for item in made:
        item.close()


@pytest.fixture(scope="module")
def archive(app, signed_application, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("backup") / "satupintu.tar.gz"
    result = app.test_cli_runner().invoke(args=["backup", "create", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "backup written" in result.output
    return out


def contents(flask_app) -> dict[str, list[tuple]]:
    """Every row of every table, in primary-key order."""
    from flask_appbuilder import Model

    from app.extensions import db

    with flask_app.app_context():
        result = {}
        with db.engine.connect() as connection:
            for table in Model.metadata.sorted_tables:
                rows = connection.execute(select(table).order_by(*table.primary_key.columns)).all()
                result[table.name] = [tuple(row) for row in rows]
            result["alembic_version"] = connection.execute(text("SELECT version_num FROM alembic_version")).all()
        return result


def test_the_archive_holds_the_database_uploads_and_keys_with_a_manifest(app, archive):
    from app.extensions import db
    from models import Signatory, StoredFile

    assert oct(archive.stat().st_mode & 0o777) == "0o600"
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = json.load(tar.extractfile("manifest.json"))
        for entry in manifest["members"]:
            assert hashlib.sha256(tar.extractfile(entry["name"]).read()).hexdigest() == entry["sha256"]
        keys = json.load(tar.extractfile("signing/signatories.json"))
    assert names[-1] == "manifest.json"
    assert manifest["database"]["dialect"] == ("postgresql" if ON_POSTGRESQL else "sqlite")
    with app.app_context():
        paths = set(db.session.scalars(select(StoredFile.storage_path)))
        with_keys = db.session.scalar(select(db.func.count()).select_from(Signatory)
                                      .where(Signatory.encrypted_key_pem.is_not(None)))
    assert {f"uploads/{p}" for p in paths} <= set(names)
    assert sum(1 for k in keys if k["encrypted_key_pem"]) == with_keys >= 2
    assert all(b"PRIVATE KEY" not in (k["encrypted_key_pem"] or "").encode() for k in keys)  # base64 of encrypted PEM
    assert "ENCRYPTED" in __import__("base64").b64decode(next(k for k in keys if k["encrypted_key_pem"])["encrypted_key_pem"]).decode()
    verify = app.test_cli_runner().invoke(args=["backup", "verify", str(archive)])
    assert verify.exit_code == 0 and "match the manifest" in verify.output


def test_backup_wipe_restore_gives_the_same_data_files_and_valid_signatures(app, archive, signed_application,
                                                                               target):
    from app.extensions import db
    from models import StoredFile

    fresh = target("restore")
    assert fresh.tables() == [] and not any(fresh.uploads.iterdir())
    result = fresh.cli("backup", "restore", str(archive))
    assert result.exit_code == 0, result.output
    assert "restored" in result.output and "all present" in result.output

    source, restored = contents(app), contents(fresh.app)
    assert set(restored) == set(source)
    for table, rows in source.items():
        assert restored[table] == rows, table

    with fresh.app.app_context():
        files = db.session.scalars(select(StoredFile)).all()
        assert files
        for stored in files:
            data = (fresh.uploads / stored.storage_path).read_bytes()
            assert hashlib.sha256(data).hexdigest() == stored.sha256, stored.storage_path
        db.session.remove()
    restored_checks = signature_checks(fresh.app, fresh.uploads)
    source_checks = signature_checks(app, Path(app.config["UPLOAD_FOLDER"]))
    # the same answer for every signed document as before the backup (other test packages re-key
    # the seed signatories, which leaves their earlier documents unverifiable in the source too) …
    assert restored_checks == source_checks
    # … and this module's licence, signed with the key in force, is valid, on /verify as well
    ours = {code: ok for code, (app_id, ok) in restored_checks.items() if app_id == signed_application}
    assert ours and all(ours.values()), ours
    client = fresh.app.test_client()
    for code in ours:
        page = client.get(f"/verify/{code}")
        assert page.status_code == 200
        assert "Dokumen terdaftar dan utuh" in page.get_data(as_text=True)
        assert "tanda tangan elektroniknya sah" in page.get_data(as_text=True)


def signature_checks(flask_app, uploads: Path) -> dict[str, tuple[int, bool]]:
    """verify code → (application id, is its PAdES signature valid) of every signed, ready document."""
    from app.documents.pades import check_signature
    from app.extensions import db
    from models import GeneratedDocument, Signatory

    with flask_app.app_context():
        result = {}
        for doc in db.session.scalars(select(GeneratedDocument).where(GeneratedDocument.signed.is_(True),
                                                                      GeneratedDocument.status == "ready")):
            signatory = db.session.get(Signatory, doc.signatory_id)
            pdf = (uploads / doc.file.storage_path).read_bytes()
            result[doc.verify_code] = (doc.application_id, check_signature(pdf, signatory.certificate_pem).ok)
        db.session.remove()
        return result


def test_a_target_that_is_not_empty_is_refused_unless_forced(app, archive, target):
    fresh = target("busy")
    assert fresh.cli("backup", "restore", str(archive)).exit_code == 0
    with fresh.app.app_context():
        from app.extensions import db
        from models import Application

        before = db.session.scalar(select(db.func.count()).select_from(Application))
        db.session.remove()
    (fresh.uploads / "extra-file.txt").write_text("left behind")
    refused = fresh.cli("backup", "restore", str(archive))
    assert refused.exit_code == 1
    assert "is not empty" in refused.output and "--force" in refused.output
    assert (fresh.uploads / "extra-file.txt").exists()
    forced = fresh.cli("backup", "restore", str(archive), "--force")
    assert forced.exit_code == 0, forced.output
    assert not (fresh.uploads / "extra-file.txt").exists()
    assert contents(fresh.app)["application"] == contents(app)["application"]
    with fresh.app.app_context():
        from app.extensions import db
        from models import Application

        assert db.session.scalar(select(db.func.count()).select_from(Application)) == before
        db.session.remove()


def _rewrite(source: Path, out: Path, change) -> Path:
    """A copy of the archive with ``change(members)`` applied to its [(TarInfo, bytes)] list."""
    with tarfile.open(source) as tar:
        members = [(info, tar.extractfile(info).read() if info.isreg() else b"") for info in tar.getmembers()]
    members = change(members)
    with tarfile.open(out, "w:gz") as tar:
        for info, data in members:
            info.size = len(data) if info.isreg() else 0
            tar.addfile(info, io.BytesIO(data) if info.isreg() else None)
    return out


def _first_upload(members):
    return next(i for i, (info, _) in enumerate(members) if info.name.startswith("uploads/"))


def _flip_byte(members):
    index = _first_upload(members)
    info, data = members[index]
    members[index] = (info, bytes([data[0] ^ 1]) + data[1:])
    return members


def _extra(members):
    info = tarfile.TarInfo("uploads/zz/planted")
    return members[:-1] + [(info, b"planted")] + members[-1:]


def _missing(members):
    del members[_first_upload(members)]
    return members


def _traversal(members):
    info = tarfile.TarInfo("uploads/../../escaped.txt")
    return [(info, b"escaped")] + members


def _absolute(members):
    info = tarfile.TarInfo("/tmp/h6-absolute.txt")
    return [(info, b"absolute")] + members


def _symlink(members):
    info = tarfile.TarInfo("uploads/link")
    info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
    return [(info, b"")] + members


def _no_manifest(members):
    return [m for m in members if m[0].name != "manifest.json"]


def _newer_schema(members):
    info, data = members[-1]
    manifest = json.loads(data)
    manifest["database"]["alembic_revision"] = "zz9999999999"
    return members[:-1] + [(info, json.dumps(manifest).encode())]


def _foreign(members):
    info, data = members[-1]
    manifest = json.loads(data)
    manifest["format"] = "something-else"
    return members[:-1] + [(info, json.dumps(manifest).encode())]


@pytest.mark.parametrize("change, message", [
    (_flip_byte, "differ from the manifest"),
    (_extra, "not listed in the manifest"),
    (_missing, "listed in the manifest but missing"),
    (_traversal, "a name a backup never has"),
    (_absolute, "a name a backup never has"),
    (_symlink, "not a regular file"),
    (_no_manifest, "has no manifest.json"),
    (_newer_schema, "newer than this code"),
    (_foreign, "not a SatuPintu backup"),
    (None, "not a readable tar.gz"),
])
def test_a_damaged_or_foreign_archive_is_refused_and_nothing_is_touched(app, archive, target, tmp_path,
                                                                         change, message):
    bad = tmp_path / "bad.tar.gz"
    if change is None:
        bad.write_bytes(b"\x1f\x8b not really gzip " + os.urandom(64))
    else:
        _rewrite(archive, bad, change)
    fresh = target("damaged")
    result = fresh.cli("backup", "restore", str(bad))
    assert result.exit_code == 1
    assert message in result.output, result.output
    assert fresh.tables() == []
    assert not any(fresh.uploads.iterdir())
    assert not (tmp_path / "escaped.txt").exists() and not Path("/tmp/h6-absolute.txt").exists()
    if change not in (_newer_schema,):
        verify = app.test_cli_runner().invoke(args=["backup", "verify", str(bad)])
        assert verify.exit_code == 1


def test_an_existing_output_is_never_overwritten(app, archive):
    before = archive.read_bytes()
    result = app.test_cli_runner().invoke(args=["backup", "create", "--out", str(archive)])
    assert result.exit_code == 1 and "already exists" in result.output
    assert archive.read_bytes() == before
