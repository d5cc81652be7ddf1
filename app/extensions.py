"""Extensions, created unbound; ``create_app`` binds them."""
from flask_appbuilder import AppBuilder
from flask_appbuilder.utils.legacy import get_sqla_class
from flask_mail import Mail
from flask_migrate import Migrate

db = get_sqla_class()()
appbuilder = AppBuilder()
migrate = Migrate()
mail = Mail()
