"""Command-line entry points: `flask rules check`, `flask satupintu init`, `flask demo load`, `flask sla tick`."""
from __future__ import annotations

import os
import sys
from datetime import timezone

import click
from flask import Flask, current_app
from flask.cli import AppGroup

rules_cli = AppGroup("rules", help="Check and activate workflow_rules.yaml.")
satupintu_cli = AppGroup("satupintu", help="Set up the platform.")
demo_cli = AppGroup("demo", help="Demo data.")
sla_cli = AppGroup("sla", help="Service-level deadlines.")


@rules_cli.command("check")
@click.argument("path", required=False)
@click.option("--lang", default=None, help="id or en (default: LANG, then BABEL_DEFAULT_LOCALE)")
def rules_check(path: str | None, lang: str | None) -> None:
    """Print every problem as file:line: message (exit 1), or a summary (exit 0)."""
    from app.outbox.channels import notification_channels
    from app.rules.check import run_check
    from app.rules.messages import cli_locale

    sys.exit(run_check(path or os.path.relpath(current_app.config["RULES_PATH"]),
                       known_channels=notification_channels(),
                       locale=cli_locale(lang, current_app.config.get("BABEL_DEFAULT_LOCALE"))))


@rules_cli.command("activate")
@click.argument("path", required=False)
def rules_activate(path: str | None) -> None:
    """Store and activate a rules file (refused if it would strand live applications)."""
    from app.commands.rules.activate import ActivateRulesCommand, RulesStrandError
    from app.extensions import db
    from app.rules.loader import InvalidRulesError, load_rules

    try:
        rules = load_rules(path or current_app.config["RULES_PATH"])
        version = ActivateRulesCommand(rules, source_name=path or "workflow_rules.yaml").run()
        db.session.commit()
    except InvalidRulesError as error:
        for problem in error.problems:
            click.echo(str(problem), err=True)
        sys.exit(1)
    except RulesStrandError as error:
        from app.rules.messages import cli_locale, render
        db.session.rollback()
        for problem in error.problems:
            click.echo(render(problem, cli_locale(None, current_app.config.get("BABEL_DEFAULT_LOCALE"))), err=True)
        sys.exit(1)
    click.echo(f"active rules version {version.id} ({version.sha256[:12]})")


@satupintu_cli.command("init")
def satupintu_init() -> None:
    """Permissions, roles, the active rules version and the administrator (idempotent)."""
    from app.ops.setup import initialise

    initialise()
    click.echo("SatuPintu initialised.")


@demo_cli.command("load")
def demo_load() -> None:
    """Demo staff, customers and applications for the five seed offices (idempotent)."""
    from app.demo.data import load_demo, print_accounts

    quiet = load_demo()
    print_accounts()
    if quiet:
        click.echo(f"{quiet} emails/WhatsApp messages of the demo's history were marked delivered without "
                   "sending; new activity is sent (make run: instance/mail/new/).")


@demo_cli.command("accounts")
def demo_accounts() -> None:
    from app.demo.data import print_accounts

    print_accounts()


@sla_cli.command("tick")
@click.option("--now", "now", default=None, metavar="YYYY-MM-DDTHH:MM",
              help="Act as if it were this UTC time (rehearsing deadlines and expiry reminders).")
def sla_tick(now: str | None) -> None:
    """Fire the overdue behaviour of every application past its state deadline and of every
    unpaid invoice past its due date, and send the due expiry reminders of documents."""
    from datetime import datetime

    from app.commands.sla import SlaTickCommand

    try:
        moment = datetime.fromisoformat(now) if now else None
    except ValueError:
        raise click.BadParameter("use an ISO date and time, e.g. 2031-10-01T08:00", param_hint="--now")
    if moment is not None:  # without an offset it is UTC, as the help says; stored times are aware UTC
        moment = moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)
    click.echo(SlaTickCommand(now=moment).run())


# --- outbox worker (documents and notifications) ---------------------------------------------
outbox_cli = AppGroup("outbox", help="The outbox: notifications and document jobs.")


@click.command("worker")
@click.option("--once", is_flag=True, help="Perform everything due now, then exit.")
@click.option("--rq", "use_rq", is_flag=True, help="Run an RQ worker (needs REDIS_URL).")
@click.option("--inline", is_flag=True, help="Perform rows here even when REDIS_URL is set.")
def worker_command(once: bool, use_rq: bool, inline: bool) -> None:
    """Perform outbox rows (email, inbox, WhatsApp, PDF) and tick the SLA clock, until stopped."""
    import signal
    import socket

    from app.outbox.worker import Worker, drain

    # Flask-Mail opens SMTP connections without a timeout: a silent server must not hang the worker
    socket.setdefaulttimeout(current_app.config["WORKER_SOCKET_TIMEOUT"])

    if use_rq:
        from app.outbox.rq import run_rq_worker

        if not current_app.config.get("REDIS_URL"):
            raise click.UsageError("--rq needs REDIS_URL")
        run_rq_worker(burst=once)
        return
    if once:
        click.echo(drain())
        return
    dispatch = None
    if current_app.config.get("REDIS_URL") and not inline:
        from app.outbox.rq import enqueue_claims

        dispatch = enqueue_claims
    worker = Worker(dispatch=dispatch)
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: worker.stop.set())
    worker.run()


@outbox_cli.command("retry")
@click.argument("ids", nargs=-1, type=int)
@click.option("--all", "all_rows", is_flag=True, help="Every failed and dead row.")
def outbox_retry(ids: tuple[int, ...], all_rows: bool) -> None:
    """Queue failed/dead rows again (by id, or --all)."""
    from app.outbox.worker import retry

    if not ids and not all_rows:
        raise click.UsageError("give row ids or --all")
    click.echo(f"{retry(None if all_rows else list(ids))} row(s) queued again")


@outbox_cli.command("status")
def outbox_status() -> None:
    """How many rows are in each status."""
    from sqlalchemy import func, select

    from app.extensions import db
    from models import OutboxMessage

    for status, count in db.session.execute(select(OutboxMessage.status, func.count())
                                            .group_by(OutboxMessage.status)).all():
        click.echo(f"{status:<8} {count}")


# --- uploads and personal-data retention ---------------------------------------------------
files_cli = AppGroup("files", help="Uploaded files.")
retention_cli = AppGroup("retention", help="UU PDP: destroy documents past their retention period.")


@files_cli.command("sweep")
@click.option("--minutes", type=float, default=None, help="Minimum age (default UPLOAD_ORPHAN_MINUTES, 60).")
@click.option("--dry-run", is_flag=True, help="Only list what would be removed.")
def files_sweep(minutes: float | None, dry_run: bool) -> None:
    """Remove files in UPLOAD_FOLDER that no row names (older than an hour), and list them."""
    from app.storage.files import sweep_orphans

    removed = sweep_orphans(older_than_minutes=minutes, dry_run=dry_run)
    for item in removed:
        click.echo(f"{'would remove' if dry_run else 'removed'} {item['path']} ({item['size']} bytes, "
                   f"modified {item['modified']})")
    click.echo(f"{len(removed)} orphan file(s) {'found' if dry_run else 'removed'}")


@retention_cli.command("run")
@click.option("--dry-run", is_flag=True, help="Only list what would be destroyed.")
def retention_run(dry_run: bool) -> None:
    """Destroy required documents of closed applications whose retention period ended."""
    from app.commands.retention import RetentionRunCommand

    report = RetentionRunCommand(dry_run=dry_run).run()
    for item in report.destroyed:
        click.echo(f"{'would destroy' if dry_run else 'destroyed'} application {item['application_id']} "
                   f"{item['number']} {item['doc_key']}: {item['file_name']} (closed {item['closed_at']}, "
                   f"kept {item['retention_days']} days)")
    click.echo(f"{len(report.destroyed)} document(s) of {report.applications} application(s) "
               f"{'to destroy' if dry_run else 'destroyed'}")


def register_cli(app: Flask) -> None:
    for group in (rules_cli, satupintu_cli, demo_cli, sla_cli):
        app.cli.add_command(group)
    app.cli.add_command(outbox_cli)
    app.cli.add_command(worker_command)
    app.cli.add_command(files_cli)
    app.cli.add_command(retention_cli)
