"""The anchor: a plain Flask-AppBuilder app, ``ModelRestApi`` over the same ``application`` table
(the columns SatuPintu's summary shows), default settings, on the same database. Its permissions
are synced into that database's Flask-AppBuilder tables (the Admin role gets them) at start.

    DATABASE_URL=postgresql://... gunicorn -w 2 bench.apps.plain_fab:app
"""
import os

from flask import Flask
from flask_appbuilder import AppBuilder, Model
from flask_appbuilder.utils.legacy import get_sqla_class
from flask_appbuilder.api import ModelRestApi
from flask_appbuilder.models.sqla.interface import SQLAInterface
from sqlalchemy import Column, DateTime, ForeignKey, Integer, String


class Application(Model):
    __tablename__ = "application"
    __table_args__ = {"extend_existing": True}
    id = Column(Integer, primary_key=True)
    service_type_id = Column(Integer, ForeignKey("service_type.id"))
    agency_id = Column(Integer)
    customer_id = Column(Integer)
    number = Column(String(64))
    receipt = Column(String(64))
    state = Column(String(64))
    state_kind = Column(String(32))
    created_at = Column(DateTime)
    submitted_at = Column(DateTime)
    version = Column(Integer)


class ServiceType(Model):
    __tablename__ = "service_type"
    __table_args__ = {"extend_existing": True}
    id = Column(Integer, primary_key=True)
    key = Column(String(64))
    name = Column(String(255))


class ApplicationApi(ModelRestApi):
    resource_name = "application"
    datamodel = SQLAInterface(Application)
    list_columns = show_columns = ["id", "number", "receipt", "state", "state_kind", "created_at",
                                   "submitted_at", "version", "service_type_id"]


app = Flask(__name__)
app.config.update(SQLALCHEMY_DATABASE_URI=os.environ["DATABASE_URL"], SECRET_KEY="bench-only",
                  FAB_UPDATE_PERMS=True, AUTH_TYPE=1, FAB_API_SWAGGER_UI=False)
db = get_sqla_class()()
db.init_app(app)
with app.app_context():
    appbuilder = AppBuilder()
    appbuilder.init_app(app, db.session)
    appbuilder.add_api(ApplicationApi)
