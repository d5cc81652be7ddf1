"""Settings: a base config, one for tests, one for production. Everything can come from the environment."""
from __future__ import annotations

import os
from pathlib import Path

from flask_appbuilder.security.manager import AUTH_DB

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("SATUPINTU_INSTANCE", BASE_DIR / "instance"))
DEMO_PASSWORD = "Demo12345"


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.lower() in ("1", "true", "yes", "on")


class Config:
    APP_NAME = "SatuPintu"
    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-not-secret")
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
    FAB_SECURITY_MANAGER_CLASS = "app.security.SatuPintuSecurityManager"
    FAB_INDEX_VIEW = "views.home.HomeView"
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_HTTPONLY = True
    WTF_CSRF_ENABLED = True
    RATELIMIT_ENABLED = _env_bool("RATELIMIT_ENABLED", True)
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    AUTH_RATE_LIMITED = True
    AUTH_RATE_LIMIT = "10 per 5 minute"
    API_LOGIN_RATE_LIMIT = os.environ.get("API_LOGIN_RATE_LIMIT", "10 per minute")

    # Language: Bahasa Indonesia first, English selectable
    BABEL_DEFAULT_LOCALE = "id"
    BABEL_DEFAULT_TIMEZONE = "Asia/Jakarta"
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "app" / "translations")
    LANGUAGES = {
        "id": {"flag": "id", "name": "Bahasa Indonesia"},
        "en": {"flag": "gb", "name": "English"},
    }

    # The platform
    RULES_PATH = os.environ.get("RULES_PATH", str(BASE_DIR / "workflow_rules.yaml"))
    UPLOAD_FOLDER = os.environ.get("UPLOAD_FOLDER", str(INSTANCE_DIR / "uploads"))
    MAX_CONTENT_LENGTH = 60 * 1024 * 1024
    ADMIN_USERNAME = "admin"
    ADMIN_PASSWORD = os.environ.get("ADMIN_PASSWORD", DEMO_PASSWORD)
    ADMIN_EMAIL = os.environ.get("ADMIN_EMAIL", "admin@satupintu.local")
    PORTAL_BASE_URL = os.environ.get("PORTAL_BASE_URL", "http://127.0.0.1:5000")
    # Customer portal (app/portal): offline captcha, rate limits of login/PIN and of mail-sending forms
    PORTAL_CAPTCHA_ENABLED = _env_bool("PORTAL_CAPTCHA_ENABLED", True)
    PORTAL_LOGIN_RATE_LIMIT = os.environ.get("PORTAL_LOGIN_RATE_LIMIT", "10 per 5 minute")
    PORTAL_MAIL_RATE_LIMIT = os.environ.get("PORTAL_MAIL_RATE_LIMIT", "5 per 15 minute")
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
        if not secret or secret == Config.SECRET_KEY:
            problems.append("SECRET_KEY must be set in the environment")
        if os.environ.get("ADMIN_PASSWORD", DEMO_PASSWORD) == DEMO_PASSWORD:
            problems.append("ADMIN_PASSWORD must be set and must not be the demo password")
        return problems
