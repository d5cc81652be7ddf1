"""Settings: a base config, one for tests, one for production. Everything can come from the environment."""
from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from flask_appbuilder.security.manager import AUTH_DB

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("SATUPINTU_INSTANCE", BASE_DIR / "instance"))
DEMO_PASSWORD = "Demo12345"
DEV_SECRET_KEY = "dev-only-not-secret"


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.lower() in ("1", "true", "yes", "on")


class Config:
    APP_NAME = "SatuPintu"
    SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET_KEY)
    # the agency CAs' private keys are encrypted under a key derived from it (SECRET_KEY when empty)
    SIGNING_CA_SECRET = os.environ.get("SIGNING_CA_SECRET", "")
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'satupintu.db'}")
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}

    # Flask-AppBuilder: the schema belongs to Alembic, permissions are synced by `flask satupintu sync`
    FAB_CREATE_DB = False
    FAB_UPDATE_PERMS = False
    AUTH_TYPE = AUTH_DB
    AUTH_USER_REGISTRATION = False
    AUTH_ROLE_ADMIN = "Admin"
    AUTH_ROLE_PUBLIC = "Public"
    RECAPTCHA_ENABLED = False
    FAB_ADD_SECURITY_API = True
    FAB_API_SWAGGER_UI = True
    FAB_ADD_OPENAPI_VIEWS = False      # views/api_contract.py serves a completed /api/v1/_openapi
    FAB_API_MAX_PAGE_SIZE = 100
    FAB_API_KEY_ENABLED = True           # `Authorization: Bearer sp_...` for machine clients
    FAB_API_KEY_PREFIXES = ["sp_"]
    FAB_SECURITY_MANAGER_CLASS = "app.security.manager.SatuPintuSecurityManager"
    FAB_INDEX_VIEW = "views.home.HomeView"
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_HTTPONLY = True
    WTF_CSRF_ENABLED = True
    RATELIMIT_ENABLED = _env_bool("RATELIMIT_ENABLED", True)
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    # Login limits (app/security/login_limits.py) on /login/, the JWT login and /portal/masuk, replacing
    # Flask-AppBuilder's per-address AUTH_RATE_LIMITED: failed logins per account, attempts per address
    AUTH_RATE_LIMITED = False
    LOGIN_ACCOUNT_RATE_LIMIT = os.environ.get("LOGIN_ACCOUNT_RATE_LIMIT", "10 per 5 minute")
    LOGIN_ADDRESS_RATE_LIMIT = os.environ.get("LOGIN_ADDRESS_RATE_LIMIT", "300 per 5 minute")
    # Revocable sessions (app/security/sessions.py): short-lived JWTs, idle timeout of staff sessions
    JWT_ACCESS_TOKEN_EXPIRES = timedelta(minutes=int(os.environ.get("JWT_ACCESS_TOKEN_EXPIRES_MINUTES", "15")))
    JWT_REFRESH_TOKEN_EXPIRES = timedelta(hours=int(os.environ.get("JWT_REFRESH_TOKEN_EXPIRES_HOURS", "12")))
    STAFF_IDLE_TIMEOUT_MINUTES = float(os.environ.get("STAFF_IDLE_TIMEOUT_MINUTES", "30"))

    # Language: Bahasa Indonesia first, English selectable
    BABEL_DEFAULT_LOCALE = "id"
    # The zone of times that belong to no agency (security log, platform rows; app/core/formatting.py)
    DEFAULT_TIMEZONE = os.environ.get("DEFAULT_TIMEZONE", "Asia/Jakarta")
    BABEL_DEFAULT_TIMEZONE = DEFAULT_TIMEZONE
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "app" / "translations")
    LANGUAGES = {
        "id": {"flag": "id", "name": "Bahasa Indonesia"},
        "en": {"flag": "gb", "name": "English"},
    }

    # The platform
    RULES_PATH = os.environ.get("RULES_PATH", str(BASE_DIR / "workflow_rules.yaml"))
    UPLOAD_FOLDER = os.environ.get("UPLOAD_FOLDER", str(INSTANCE_DIR / "uploads"))
    # the rules workspace's drafts, one folder per agency (views/backoffice/rules_workspace.py)
    RULES_WORKSPACE_FOLDER = os.environ.get("RULES_WORKSPACE_FOLDER", str(INSTANCE_DIR / "rules_workspace"))
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", str(60 * 1024 * 1024)))  # 413 above
    # Uploads (app/storage/files.py, app/storage/file_checks.py): multipart parts, largest file read, content limits
    MAX_FORM_PARTS = int(os.environ.get("MAX_FORM_PARTS", "1000"))
    UPLOAD_MAX_MB = float(os.environ.get("UPLOAD_MAX_MB", "50"))
    UPLOAD_MAX_IMAGE_PIXELS = int(os.environ.get("UPLOAD_MAX_IMAGE_PIXELS", "40000000"))
    UPLOAD_ZIP_MAX_ENTRIES = int(os.environ.get("UPLOAD_ZIP_MAX_ENTRIES", "5000"))
    UPLOAD_ZIP_MAX_UNCOMPRESSED_MB = float(os.environ.get("UPLOAD_ZIP_MAX_UNCOMPRESSED_MB", "200"))
    UPLOAD_ZIP_MAX_RATIO = float(os.environ.get("UPLOAD_ZIP_MAX_RATIO", "100"))
    UPLOAD_ORPHAN_MINUTES = float(os.environ.get("UPLOAD_ORPHAN_MINUTES", "60"))   # files sweep
    WORKER_SWEEP_SECONDS = float(os.environ.get("WORKER_SWEEP_SECONDS", "900"))
    # UU PDP: days a required document is kept after its application closed (rules: retention_days)
    DOCUMENT_RETENTION_DAYS = int(os.environ.get("DOCUMENT_RETENTION_DAYS", "1825"))
    WORKER_RETENTION_SECONDS = float(os.environ.get("WORKER_RETENTION_SECONDS", "86400"))
    ADMIN_USERNAME = "admin"
    ADMIN_PASSWORD = os.environ.get("ADMIN_PASSWORD", DEMO_PASSWORD)
    ADMIN_EMAIL = os.environ.get("ADMIN_EMAIL", "admin@satupintu.local")
    PORTAL_BASE_URL = os.environ.get("PORTAL_BASE_URL", "http://127.0.0.1:5000")
    # Customer portal (app/portal): offline captcha, rate limits of login/PIN and of mail-sending forms
    PORTAL_CAPTCHA_ENABLED = _env_bool("PORTAL_CAPTCHA_ENABLED", True)
    PORTAL_LOGIN_RATE_LIMIT = os.environ.get("PORTAL_LOGIN_RATE_LIMIT", "10 per 5 minute")
    PORTAL_MAIL_RATE_LIMIT = os.environ.get("PORTAL_MAIL_RATE_LIMIT", "5 per 15 minute")
    # captcha questions live server-side (table captcha_challenge): lifetime, and how many images per minute
    PORTAL_CAPTCHA_TTL_SECONDS = int(os.environ.get("PORTAL_CAPTCHA_TTL_SECONDS", "600"))
    PORTAL_CAPTCHA_RATE_LIMIT = os.environ.get("PORTAL_CAPTCHA_RATE_LIMIT", "30 per minute")
    # hosts whose absolute URLs count as this site in `next`/referrer redirects (comma-separated;
    # the request's own host and PORTAL_BASE_URL's always do); only their path is followed
    SAFE_REDIRECT_HOSTS = os.environ.get("SAFE_REDIRECT_HOSTS", "")
    DEMO_DATA_ALLOWED = True          # demo accounts all share DEMO_PASSWORD

    # Mail (a local SMTP server in development and tests)
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "127.0.0.1")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "8025"))
    MAIL_USE_TLS = _env_bool("MAIL_USE_TLS", False)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "SatuPintu <no-reply@satupintu.local>")
    REDIS_URL = os.environ.get("REDIS_URL")
    WORKER_SOCKET_TIMEOUT = float(os.environ.get("WORKER_SOCKET_TIMEOUT", "30"))

    # Outbox worker (`flask worker`): polling, SLA tick, retries with exponential backoff
    WORKER_POLL_SECONDS = float(os.environ.get("WORKER_POLL_SECONDS", "2"))
    WORKER_SLA_SECONDS = float(os.environ.get("WORKER_SLA_SECONDS", "60"))
    OUTBOX_MAX_ATTEMPTS = int(os.environ.get("OUTBOX_MAX_ATTEMPTS", "8"))
    OUTBOX_BACKOFF_SECONDS = float(os.environ.get("OUTBOX_BACKOFF_SECONDS", "30"))
    OUTBOX_BACKOFF_MAX_SECONDS = float(os.environ.get("OUTBOX_BACKOFF_MAX_SECONDS", "3600"))
    OUTBOX_LEASE_SECONDS = float(os.environ.get("OUTBOX_LEASE_SECONDS", "600"))
    RQ_QUEUE = os.environ.get("RQ_QUEUE", "satupintu-outbox")
    # WhatsApp HTTP gateway: POST {to, message, reference} with "Authorization: Bearer <token>"
    WHATSAPP_GATEWAY_URL = os.environ.get("WHATSAPP_GATEWAY_URL", "")
    WHATSAPP_GATEWAY_TOKEN = os.environ.get("WHATSAPP_GATEWAY_TOKEN", "")
    WHATSAPP_TIMEOUT_SECONDS = float(os.environ.get("WHATSAPP_TIMEOUT_SECONDS", "10"))

    # Behind a reverse proxy (app/security/proxy.py): how many proxies set each X-Forwarded-* header.
    # 0 = not trusted at all (the default); behind one nginx: PROXY_FIX_X_FOR=1, PROXY_FIX_X_PROTO=1.
    PROXY_FIX_X_FOR = int(os.environ.get("PROXY_FIX_X_FOR", "0"))
    PROXY_FIX_X_PROTO = int(os.environ.get("PROXY_FIX_X_PROTO", "0"))
    PROXY_FIX_X_HOST = int(os.environ.get("PROXY_FIX_X_HOST", "0"))
    PROXY_FIX_X_PORT = int(os.environ.get("PROXY_FIX_X_PORT", "0"))
    PROXY_FIX_X_PREFIX = int(os.environ.get("PROXY_FIX_X_PREFIX", "0"))

    # Operations (app/ops): `flask doctor`, /readyz, /metrics, `flask backup`
    CHECK_TIMEOUT_SECONDS = float(os.environ.get("CHECK_TIMEOUT_SECONDS", "3"))
    WORKER_HEARTBEAT_SECONDS = float(os.environ.get("WORKER_HEARTBEAT_SECONDS", "10"))
    READY_WORKER_MAX_AGE_SECONDS = float(os.environ.get("READY_WORKER_MAX_AGE_SECONDS", "180"))  # 0: not checked
    READY_OUTBOX_BACKLOG_MAX = int(os.environ.get("READY_OUTBOX_BACKLOG_MAX", "500"))
    METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")          # Authorization: Bearer <token>
    METRICS_ALLOW_IPS = os.environ.get("METRICS_ALLOW_IPS", "")  # e.g. "10.0.0.0/8,127.0.0.1"
    BACKUP_FOLDER = os.environ.get("BACKUP_FOLDER", str(INSTANCE_DIR / "backups"))

    @classmethod
    def validate(cls) -> list[str]:
        """Problems that make this configuration unsafe to start with."""
        return []


class TestingConfig(Config):
    TESTING = True
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    WTF_CSRF_ENABLED = False
    RATELIMIT_ENABLED = False
    PORTAL_CAPTCHA_ENABLED = False  # one portal test switches it on
    SECRET_KEY = "testing-secret-key-that-is-long-enough-for-hs256"
    MAIL_SUPPRESS_SEND = False


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True
    DEMO_DATA_ALLOWED = False

    @classmethod
    def validate(cls) -> list[str]:
        problems = []
        secret = os.environ.get("SECRET_KEY", "")
        # compared with the constant: Config.SECRET_KEY is the environment's value once it is set
        if not secret or secret == DEV_SECRET_KEY:
            problems.append("SECRET_KEY must be set in the environment")
        if os.environ.get("ADMIN_PASSWORD", DEMO_PASSWORD) == DEMO_PASSWORD:
            problems.append("ADMIN_PASSWORD must be set and must not be the demo password")
        return problems
