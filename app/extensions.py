"""Extensions, created unbound; ``create_app`` binds them.

Flask-AppBuilder keeps per-app state (views, menu, security manager) on the AppBuilder object and
cannot be initialised for a second app, so ``create_app`` makes one per app; ``appbuilder`` here
is the current app's (``current_app.appbuilder``), usable wherever an app context is active.
"""
from flask import current_app
from flask_appbuilder import AppBuilder
from flask_appbuilder.utils.legacy import get_sqla_class
from flask_mail import Mail
from flask_migrate import Migrate
from werkzeug.local import LocalProxy

db = get_sqla_class()()
appbuilder: AppBuilder = LocalProxy(lambda: current_app.appbuilder)  # type: ignore[assignment]
migrate = Migrate()
mail = Mail()
