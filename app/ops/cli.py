"""`flask doctor` and `flask backup create|verify|restore`."""
from __future__ import annotations

import sys

import click
from flask.cli import AppGroup, with_appcontext


@click.command("doctor")
@with_appcontext
def doctor_command() -> None:
    """Check this configuration before it serves: one line per check, `ok` or `problem` with the
    fix; exit 1 when anything is a problem."""
    import logging

    from app.ops.checks import DOCTOR, run_checks

    logging.getLogger("alembic").setLevel(logging.WARNING)
    results = run_checks(DOCTOR)
    for result in results:
        click.echo(result.line())
    problems = sum(1 for result in results if not result.ok)
    click.echo(f"{problems} problem(s)" if problems else "everything ok")
    sys.exit(1 if problems else 0)


backup_cli = AppGroup("backup", help="Back up and restore the database, the uploads and the signing keys.")


@backup_cli.command("create")
@click.option("--out", "out", type=click.Path(dir_okay=False), default=None,
              help="Archive to write (default: BACKUP_FOLDER/satupintu-<UTC time>.tar.gz).")
def backup_create(out: str | None) -> None:
    """Database (pg_dump or SQLite's backup API), upload folder and signing material in one tar.gz
    with a manifest of sha256s."""
    from app.ops.backup import BackupError, create_backup

    try:
        summary = create_backup(out)
    except BackupError as error:
        click.echo(f"backup failed: {error}", err=True)
        sys.exit(1)
    click.echo(f"backup written: {summary.path} ({summary.size / 1024 ** 2:.1f} MB, {summary.members} members): "
               f"{summary.dialect} database at {summary.revision or 'no revision'}, {summary.uploads} upload file(s), "
               f"{summary.signatories} signatories' keys")


@backup_cli.command("verify")
@click.argument("archive", type=click.Path(dir_okay=False))
def backup_verify(archive: str) -> None:
    """Check every member of ARCHIVE against its manifest (changes nothing)."""
    from app.ops.backup import BackupError, verify_backup

    try:
        manifest = verify_backup(archive)
    except BackupError as error:
        click.echo(str(error), err=True)
        sys.exit(1)
    click.echo(f"{archive}: {len(manifest['members'])} members match the manifest "
               f"({manifest['database']['dialect']} database, made {manifest['created_at']})")


@backup_cli.command("restore")
@click.argument("archive", type=click.Path(dir_okay=False))
@click.option("--force", is_flag=True, help="Replace a database and upload folder that are not empty.")
def backup_restore(archive: str, force: bool) -> None:
    """Restore ARCHIVE into the configured (empty) database and upload folder, after verifying it."""
    from app.ops.backup import BackupError, restore_backup

    try:
        summary = restore_backup(archive, force=force)
    except BackupError as error:
        click.echo(f"restore refused or failed: {error}", err=True)
        sys.exit(1)
    click.echo(f"restored {summary.dialect} database ({summary.applications} applications), {summary.uploads} "
               f"upload file(s) ({summary.stored_files} referenced, all present), {summary.signatories} "
               "signatories' keys")
    for note in summary.notes:
        click.echo(f"note: {note}")
