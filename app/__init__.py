"""SatuPintu: the application factory — the only place an app is built."""
from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask
from flask.json.provider import DefaultJSONProvider
from flask_appbuilder import AppBuilder
from pydantic import BaseModel

from app.extensions import appbuilder, db, mail, migrate
from app.security.proxy import install_proxy_fix

BASE_DIR = Path(__file__).resolve().parent.parent


class RulesJSONProvider(DefaultJSONProvider):
    """Flask's JSON (``jsonify``, ``tojson``), which also writes the typed rules' models, as stored."""

    @staticmethod
    def default(o):
        from app.rules.model import plain_data

        if isinstance(o, BaseModel):
            return plain_data(o)
        return DefaultJSONProvider.default(o)


def create_app(config_object: object | str = "config.Config") -> Flask:
    app = Flask(__name__, template_folder=str(BASE_DIR / "templates"),
                static_folder=str(BASE_DIR / "static"), instance_path=str(BASE_DIR / "instance"))
    app.json = RulesJSONProvider(app)
    configure(app, config_object)
    install_proxy_fix(app)
    register_extensions(app)
    register_session_security(app)
    with app.app_context():
        load_rules(app)
        register_views(app)
    register_commands(app)
    register_errorhandlers(app)
    register_web_security(app)
    return app


def configure(app: Flask, config_object: object | str) -> None:
    app.config.from_object(config_object)
    cfg = app.config
    validate = getattr(_resolve(config_object), "validate", None)
    problems = validate() if validate else []
    if problems:
        raise RuntimeError("Refusing to start: " + "; ".join(problems))
    Path(cfg["UPLOAD_FOLDER"]).mkdir(parents=True, exist_ok=True)
    if cfg["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        Path(cfg["SQLALCHEMY_DATABASE_URI"][len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
    logging.basicConfig(level=logging.INFO if not app.testing else logging.WARNING)
    logging.getLogger("flask_appbuilder").setLevel(logging.WARNING)
    logging.getLogger("flask_appbuilder.models.filters").setLevel(logging.ERROR)


def _resolve(config_object: object | str) -> object:
    if isinstance(config_object, str):
        module, _, name = config_object.rpartition(".")
        return getattr(__import__(module, fromlist=[name]), name)
    return config_object


def register_extensions(app: Flask) -> None:
    import models  # noqa: F401  (registers every table on the metadata)

    from views.api_contract import install_converters
    install_converters(app)  # before any route: <int:...> ids stay within int64
    db.init_app(app)
    migrate.init_app(app, db, directory=str(BASE_DIR / "migrations"))
    mail.init_app(app)
    from app.core.database import install_read_only_commit, install_sqlite_pragmas
    install_sqlite_pragmas(app)
    install_read_only_commit(app, db)
    from app.core import formatting
    formatting.init_app(app)  # waktu / tanggal / angka / rupiah / telepon filters on every template
    from app.rules import labels
    labels.init_app(app)  # rules_label: a rules label in the language being shown
    with app.app_context():
        AppBuilder().init_app(app, db.session)  # one per app: see app.extensions


def register_session_security(app: Flask) -> None:
    """Revocable sessions and tokens, and the security log (before the views' own hooks)."""
    from app.security.log import init_security_log
    from app.security.sessions import init_sessions

    init_security_log(app)
    init_sessions(app)
    from app.security.auth_cache import init_auth_cache
    init_auth_cache()  # one auth query per request; cached permission answers (stamp-invalidated)


def load_rules(app: Flask) -> None:
    """Validate the rules file; the app refuses to start when it is invalid (InvalidRulesError
    lists every problem as file:line: message). Only `flask rules check` and `flask doctor` run
    without them, to print those problems."""
    from app.rules.problems import InvalidRulesError
    from app.commands.rules.state import RulesState, rules_for_version
    from models.base import install_rules_lookup

    from app.outbox.channels import notification_channels

    install_rules_lookup(rules_for_version)   # models read a version's labels through it
    from app.documents.signing import install_agency_ca_listener
    install_agency_ca_listener()   # every new agency row is made with its CA
    try:
        app.extensions["satupintu.rules"] = RulesState.from_file(app.config["RULES_PATH"],
                                                                 known_channels=notification_channels())
    except InvalidRulesError:
        if not _checking_rules_only():
            raise


def _checking_rules_only() -> bool:
    import sys

    args = sys.argv[1:]
    if "doctor" in args:   # `flask doctor` reports invalid rules among its other checks
        return True
    return "rules" in args and "check" in args[args.index("rules"):]


def register_views(app: Flask) -> None:
    from views import register

    register(appbuilder, app)


def register_commands(app: Flask) -> None:
    from app.cli import register_cli

    register_cli(app)


def register_errorhandlers(app: Flask) -> None:
    from app.core.errors import register_error_handlers

    register_error_handlers(app)


def register_web_security(app: Flask) -> None:
    """Same-site redirects only (portal and Flask-AppBuilder), no-store on every non-static response."""
    from app.security.cache_control import init_cache_control
    from app.security.input_guard import init_input_guard
    from app.security.redirects import init_redirects

    init_redirects(app)
    init_cache_control(app)
    init_input_guard(app)   # a NUL in any field: 400 before PostgreSQL sees it
