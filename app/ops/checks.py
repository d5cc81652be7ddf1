"""Checks of a configuration and of the running platform, shared by `flask doctor` and /readyz.

Each check is a function registered by name that returns one or more ``CheckResult``: ``ok`` or
a problem with a one-line ``fix``. A check never raises; what failed becomes its ``detail``.
``detail`` and ``fix`` are for the operator at the console; ``public`` holds the few numbers
/readyz may show to anyone (no addresses, no error texts).
"""
from __future__ import annotations

import os
import shutil
import smtplib
import ssl
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterable

from flask import current_app
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from app.extensions import db

DEFAULT_SECRET_KEYS = {"dev-only-not-secret", "testing-secret-key-that-is-long-enough-for-hs256", ""}
MIN_SECRET_KEY_LENGTH = 32
DUE_STATUSES = ("pending", "failed")


@dataclass
class CheckResult:
    name: str
    ok: bool
    detail: str = ""
    fix: str = ""
    public: dict = field(default_factory=dict)

    def line(self) -> str:
        """``ok      name: detail`` or ``problem name: detail — fix: …`` (one line)."""
        text = f"{'ok' if self.ok else 'problem':<8}{self.name}: {self.detail}"
        return text if self.ok or not self.fix else f"{text} — fix: {self.fix}"


def ok(name: str, detail: str, **public) -> CheckResult:
    return CheckResult(name, True, detail, public=public)


def problem(name: str, detail: str, fix: str, **public) -> CheckResult:
    return CheckResult(name, False, detail, fix, public=public)


Check = Callable[[], "CheckResult | list[CheckResult]"]
CHECKS: dict[str, Check] = {}


def register(name: str):
    def decorator(function: Check) -> Check:
        CHECKS[name] = function
        return function
    return decorator


# `flask doctor`: everything a configuration needs before it serves; /readyz: what serving needs now
DOCTOR = ("database", "migrations", "secret_key", "admin_password", "redis", "smtp", "whatsapp",
          "uploads", "rules", "signing")
READINESS = ("database", "redis", "worker", "outbox")


def run_checks(names: Iterable[str]) -> list[CheckResult]:
    results: list[CheckResult] = []
    blocked = ""          # why the checks that read the database cannot run
    for name in names:
        if blocked and name in NEEDS_DATABASE:
            results.append(problem(name, f"not checked: {blocked}", "fix that first"))
            continue
        try:
            outcome = CHECKS[name]()
        except Exception as error:  # a check that breaks is a problem to report, not a crash
            db.session.rollback()
            outcome = problem(name, f"the check failed: {_first_line(error)}", "see the server log")
        batch = outcome if isinstance(outcome, list) else [outcome]
        results.extend(batch)
        if not all(result.ok for result in batch):
            if name == "database":
                blocked = "the database is unreachable"
            elif name == "migrations":
                blocked = "the database schema is not at the code's revision (see migrations)"
    return results


NEEDS_DATABASE = {"migrations", "rules", "signing", "worker", "outbox", "admin_password"}


def _timeout() -> float:
    return float(current_app.config.get("CHECK_TIMEOUT_SECONDS", 3))


def _first_line(error: BaseException) -> str:
    text_ = str(error).strip().splitlines()
    return (text_[0] if text_ else type(error).__name__)[:300]


def masked_url(url: str) -> str:
    """A URL without its password, safe to print."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url.split("@")[-1] if "@" in url else url


# ------------------------------------------------------------------------------------ settings


@register("secret_key")
def check_secret_key() -> CheckResult:
    secret = current_app.config.get("SECRET_KEY") or ""
    fix = "set SECRET_KEY in the environment to a long random value, e.g. " \
          "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`"
    if secret in DEFAULT_SECRET_KEYS:
        return problem("secret_key", "SECRET_KEY is the built-in development value" if secret else
                       "SECRET_KEY is not set", fix)
    if len(secret) < MIN_SECRET_KEY_LENGTH:
        return problem("secret_key", f"SECRET_KEY is only {len(secret)} characters long", fix)
    return ok("secret_key", f"set ({len(secret)} characters)")


@register("admin_password")
def check_admin_password() -> CheckResult:
    from werkzeug.security import check_password_hash

    from config import DEMO_PASSWORD
    from models import User

    cfg = current_app.config
    username = cfg.get("ADMIN_USERNAME", "admin")
    if (cfg.get("ADMIN_PASSWORD") or DEMO_PASSWORD) == DEMO_PASSWORD:
        return problem("admin_password", "ADMIN_PASSWORD is not set (the demo password would be used)",
                       "set ADMIN_PASSWORD in the environment before `flask satupintu init`")
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        return problem("admin_password", f"there is no administrator account '{username}'",
                       "run `flask satupintu init`")
    if user.password and check_password_hash(user.password, DEMO_PASSWORD):
        return problem("admin_password", f"the administrator '{username}' still has the demo password",
                       f"`flask fab reset-password --username {username}` (or change it under Keamanan → Pengguna)")
    return ok("admin_password", f"set, and the account '{username}' does not use the demo password")


# ------------------------------------------------------------------------------------ services


@register("database")
def check_database() -> CheckResult:
    url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:
        return problem("database", f"{masked_url(url)} unreachable: {_first_line(error)}",
                       "start the database server or correct DATABASE_URL")
    return ok("database", f"{masked_url(url)} reachable")


@register("migrations")
def check_migrations() -> CheckResult:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    directory = current_app.extensions["migrate"].directory
    heads = set(ScriptDirectory(directory).get_heads())
    with db.engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    if current == heads:
        return ok("migrations", f"at head {', '.join(sorted(heads))}")
    if not current:
        return problem("migrations", "the database has no schema yet", "run `flask db upgrade` then `flask satupintu init`")
    known = {script.revision for script in ScriptDirectory(directory).walk_revisions()}
    if current - known:
        return problem("migrations", f"the database is at {', '.join(sorted(current))}, unknown to this code "
                       f"(head {', '.join(sorted(heads))})", "deploy the code that migrated it, or restore a backup")
    return problem("migrations", f"the database is at {', '.join(sorted(current))}, the code at "
                   f"{', '.join(sorted(heads))}", "run `flask db upgrade`")


def _redis_urls() -> list[tuple[str, str]]:
    cfg = current_app.config
    urls = []
    if cfg.get("REDIS_URL"):
        urls.append(("REDIS_URL", cfg["REDIS_URL"]))
    limiter = cfg.get("RATELIMIT_STORAGE_URI") or ""
    if limiter.startswith(("redis://", "rediss://", "unix://")):
        urls.append(("RATELIMIT_STORAGE_URI", limiter))
    return urls


@register("redis")
def check_redis() -> list[CheckResult]:
    from redis import Redis

    urls = _redis_urls()
    if not urls:
        return [ok("redis", "not configured (REDIS_URL unset, rate limits kept in process memory)", configured=False)]
    results = []
    for setting, url in urls:
        name = f"redis ({setting})"
        client = Redis.from_url(url, socket_connect_timeout=_timeout(), socket_timeout=_timeout())
        try:
            client.ping()
            results.append(ok(name, f"{masked_url(url)} answers PING", configured=True))
        except Exception as error:
            results.append(problem(name, f"{masked_url(url)} unreachable: {_first_line(error)}",
                                   f"start Redis or correct {setting}", configured=True))
        finally:
            client.close()
    return results


@register("smtp")
def check_smtp() -> CheckResult:
    cfg = current_app.config
    host, port = cfg.get("MAIL_SERVER") or "", int(cfg.get("MAIL_PORT") or 25)
    where = f"{host}:{port}"
    fix = "start the mail server or correct MAIL_SERVER / MAIL_PORT"
    if not host:
        return problem("smtp", "MAIL_SERVER is not set", "set MAIL_SERVER and MAIL_PORT")
    try:
        factory = smtplib.SMTP_SSL if cfg.get("MAIL_USE_SSL") else smtplib.SMTP
        with factory(host, port, timeout=_timeout()) as smtp:
            code, _ = smtp.ehlo()
            if code != 250:
                return problem("smtp", f"{where} refused EHLO ({code})", fix)
            steps = ["EHLO"]
            if cfg.get("MAIL_USE_TLS"):
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
                steps.append("STARTTLS")
            if cfg.get("MAIL_USERNAME"):
                try:
                    smtp.login(cfg["MAIL_USERNAME"], cfg.get("MAIL_PASSWORD") or "")
                except smtplib.SMTPException as error:
                    return problem("smtp", f"{where} refused the login of MAIL_USERNAME: {_first_line(error)}",
                                   "correct MAIL_USERNAME / MAIL_PASSWORD")
                steps.append("login")
    except (OSError, smtplib.SMTPException) as error:
        return problem("smtp", f"{where} unreachable: {_first_line(error) or type(error).__name__}", fix)
    return ok("smtp", f"{where} answers ({', '.join(steps)})")


@register("whatsapp")
def check_whatsapp() -> CheckResult:
    cfg = current_app.config
    url = cfg.get("WHATSAPP_GATEWAY_URL") or ""
    if not url:
        return ok("whatsapp", "not configured (WhatsApp notifications stay in the outbox as failed)")
    fix = "start the gateway or correct WHATSAPP_GATEWAY_URL"
    headers = {"Authorization": f"Bearer {cfg['WHATSAPP_GATEWAY_TOKEN']}"} if cfg.get("WHATSAPP_GATEWAY_TOKEN") else {}
    request = urllib.request.Request(url, headers=headers, method="GET")
    try:
        with urllib.request.urlopen(request, timeout=_timeout()) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        return problem("whatsapp", f"{masked_url(url)} unreachable: {reason}", fix)
    if status in (401, 403):
        return problem("whatsapp", f"{masked_url(url)} refuses the token (HTTP {status})", "correct WHATSAPP_GATEWAY_TOKEN")
    if status >= 500 and status != 501:   # 501: the server is there, it just does not serve GET
        return problem("whatsapp", f"{masked_url(url)} answers HTTP {status}", fix)
    return ok("whatsapp", f"{masked_url(url)} reachable (HTTP {status} to a GET)")


@register("uploads")
def check_uploads() -> CheckResult:
    folder = Path(current_app.config["UPLOAD_FOLDER"])
    fix = f"create {folder} and give the service's user write access"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".doctor-", delete=True) as probe:
            probe.write(b"satupintu")
            probe.flush()
            os.fsync(probe.fileno())
    except OSError as error:
        return problem("uploads", f"{folder} is not writable: {error.strerror or error}", fix)
    free = shutil.disk_usage(folder).free / 1024 ** 3
    return ok("uploads", f"{folder} writable ({free:.1f} GB free)")


# ------------------------------------------------------------------------------------ rules, keys


def active_rules():
    """The active stored rules version and its ``Rules`` (None, None when there is none)."""
    from app.rules.model import Rules
    from models import RulesVersion

    version = db.session.scalar(select(RulesVersion).where(RulesVersion.active.is_(True))
                                .order_by(RulesVersion.id.desc()).limit(1))
    if version is None:
        return None, None
    base_dir = Path(current_app.config["RULES_PATH"]).parent
    return version, Rules.from_dict(version.content, base_dir=base_dir)


@register("rules")
def check_rules() -> CheckResult:
    from app.outbox.channels import notification_channels
    from app.rules.loader import check_rules as load_and_check

    path = current_app.config["RULES_PATH"]
    rules, problems = load_and_check(path, known_channels=notification_channels())
    if rules is None:
        shown = "; ".join(str(item) for item in problems[:2])
        more = f" (and {len(problems) - 2} more)" if len(problems) > 2 else ""
        return problem("rules", f"{len(problems)} problem(s) in {path}: {shown}{more}",
                       f"`flask rules check {path}` lists them all; correct the file")
    version, _ = active_rules()
    if version is None:
        return problem("rules", f"{path} is valid but no rules version is active",
                       "run `flask satupintu init` (or `flask rules activate`)")
    detail = f"{path} valid; active version {version.id} ({version.sha256[:12]})"
    if version.sha256 != rules.sha256:
        detail += f"; the file ({rules.sha256[:12]}) differs from it — `flask rules activate` makes the file active"
    return ok("rules", detail)


def signing_needs(rules) -> dict[str, dict[str, set]]:
    from app.workflow.effects import effect_name_and_args

    """agency key → {"roles": roles that sign (``*``: any signatory, e.g. an assignee), "documents": …}
    for every active service whose workflow has a transition with a ``sign`` effect."""
    needs: dict[str, dict[str, set]] = {}
    for service_key, service in rules.services():
        if service.get("active") is False:
            continue
        for transition in rules.transitions_for(service_key):
            for effect in transition.get("effects") or ():
                name, args = effect_name_and_args(effect)
                if name != "sign":
                    continue
                need = needs.setdefault(service["agency"], {"roles": set(), "documents": set()})
                by = set(transition.get("by") or ())
                named = by - {"assignee", "system", "customer"}
                need["roles"] |= named
                if by & {"assignee", "system"}:
                    need["roles"].add("*")
                need["documents"].add((args or {}).get("document", "?"))
    return needs


@register("signing")
def check_signing() -> list[CheckResult]:
    from cryptography import x509

    from models import Agency, Signatory

    version, rules = active_rules()
    if rules is None:
        return [problem("signing", "no active rules version to read the signing steps from",
                        "run `flask satupintu init`")]
    needs = signing_needs(rules)
    if not needs:
        return [ok("signing", "no active workflow signs documents")]
    results = []
    now = datetime.now(timezone.utc)
    fix_key = "link the signatory to a staff user (Konfigurasi → Penandatangan) and enrol a signing key"
    for agency_key, need in sorted(needs.items()):
        agency = db.session.scalar(select(Agency).where(Agency.key == agency_key))
        documents = ", ".join(sorted(need["documents"]))
        signatories = [] if agency is None else list(db.session.scalars(
            select(Signatory).where(Signatory.agency_id == agency.id).order_by(Signatory.key)))
        used = [s for s in signatories if "*" in need["roles"] or s.role in need["roles"]]
        if not used:
            roles = ", ".join(sorted(need["roles"] - {"*"})) or "any role"
            results.append(problem(f"signing {agency_key}", f"no signatory ({roles}) to sign {documents}",
                                   "declare a signatory for the signing role in the rules and enrol their key"))
            continue
        ca_problem = _agency_ca_problem(agency)
        if ca_problem:
            results.append(problem(f"signing {agency_key} CA", ca_problem,
                                   "set SIGNING_CA_SECRET (else SECRET_KEY) back to the value the agency CA was made "
                                   "with; certificates cannot be issued until then"))
        for signatory in used:
            name = f"signing {agency_key}/{signatory.key}"
            missing = []
            if signatory.user_id is None:
                missing.append("not linked to a staff user")
            if not signatory.encrypted_key_pem or not signatory.certificate_pem:
                missing.append("no signing key")
            else:
                try:
                    cert = x509.load_pem_x509_certificate(signatory.certificate_pem)
                    if cert.not_valid_after_utc < now:
                        missing.append(f"certificate expired on {cert.not_valid_after_utc:%Y-%m-%d}")
                    elif cert.not_valid_before_utc > now:
                        missing.append(f"certificate valid only from {cert.not_valid_before_utc:%Y-%m-%d}")
                except ValueError:
                    missing.append("certificate unreadable")
            if missing:
                results.append(problem(name, f"{signatory.name} ({documents}): {', '.join(missing)}", fix_key))
            else:
                results.append(ok(name, f"{signatory.name}: key and certificate present ({documents})"))
    return results


def _agency_ca_problem(agency) -> str:
    """Why the agency's CA cannot issue certificates (its key does not open), or ''."""
    from app.documents.signing import SigningError, ca_key
    from models import AgencyCertificateAuthority

    ca = db.session.scalar(select(AgencyCertificateAuthority).where(AgencyCertificateAuthority.agency_id == agency.id))
    if ca is None:
        return ""   # made at first use
    try:
        ca_key(ca)
    except SigningError:
        return "the agency CA's private key does not open with SIGNING_CA_SECRET / SECRET_KEY"
    return ""


# ------------------------------------------------------------------------------------ readiness


@register("worker")
def check_worker() -> CheckResult:
    from app.outbox.heartbeat import last_beat
    from models.base import utcnow

    max_age = float(current_app.config.get("READY_WORKER_MAX_AGE_SECONDS", 180))
    if not max_age:
        return ok("worker", "not checked (READY_WORKER_MAX_AGE_SECONDS=0)")
    beat_at = last_beat()
    if beat_at is None:
        return problem("worker", "no outbox worker has reported yet", "start `flask worker`", age_seconds=None)
    age = max((utcnow() - beat_at).total_seconds(), 0.0)
    if age > max_age:
        return problem("worker", f"the last worker heartbeat is {age:.0f} s old (limit {max_age:.0f} s)",
                       "start `flask worker` or look at its log", age_seconds=round(age))
    return ok("worker", f"last heartbeat {age:.0f} s ago", age_seconds=round(age))


@register("outbox")
def check_outbox() -> CheckResult:
    from models import OutboxMessage

    limit = int(current_app.config.get("READY_OUTBOX_BACKLOG_MAX", 500))
    due = (select(OutboxMessage.id).where(OutboxMessage.status.in_(DUE_STATUSES)).limit(limit + 1)).subquery()
    backlog = db.session.scalar(select(func.count()).select_from(due)) or 0
    if backlog > limit:
        return problem("outbox", f"more than {limit} messages wait to be sent",
                       "look at `flask outbox status`, the worker and the mail server", backlog=backlog)
    return ok("outbox", f"{backlog} message(s) waiting", backlog=backlog)
