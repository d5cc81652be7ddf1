"""Every time a Flask-AppBuilder REST API returns: ISO 8601 with the offset of the row's zone.

Flask-AppBuilder builds each ``ModelRestApi``'s marshmallow schemas from the model; its
``DateTime`` fields would write the stored UTC value (``…+00:00``), or a naive one for its own
security tables. ``LocalTimeSchemaConverter`` swaps them for ``ZonedDateTime``, which writes the
value through ``app.core.formatting.isoformat`` in the zone of the row (``views.zones.record_zone``:
its agency, its application's agency, else the platform's ``DEFAULT_TIMEZONE``), e.g.
``2026-11-30T01:29:00+08:00``. Dates (a day without a time) stay ``YYYY-MM-DD``.
"""
from __future__ import annotations

from datetime import datetime

from flask_appbuilder.api.convert import Model2SchemaConverter
from marshmallow import fields

from app.core.formatting import isoformat


def aware(value: datetime) -> datetime:
    """Flask-AppBuilder's own tables (users: ``created_on``, ``changed_on``, ``last_login``) store
    ``datetime.now()``: the server's wall clock, without a zone. Read them as that; everything of
    the platform is already aware (``models.base.UTCDateTime``)."""
    return value if value.tzinfo is not None and value.utcoffset() is not None else value.astimezone()


class ZonedDateTime(fields.DateTime):
    """A DateTime written as ISO 8601 with the offset of the zone of the object it belongs to."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        if not isinstance(value, datetime):
            return super()._serialize(value, attr, obj, **kwargs)
        from views.zones import record_zone

        return isoformat(aware(value), record_zone(obj))


def _zoned(field: fields.Field) -> fields.Field:
    if type(field) not in (fields.DateTime, fields.NaiveDateTime, fields.AwareDateTime):
        return field  # fields.Date is a DateTime subclass: a day stays a day
    zoned = ZonedDateTime(required=field.required, allow_none=field.allow_none,
                          dump_only=field.dump_only, load_only=field.load_only,
                          validate=field.validate, metadata=field.metadata)
    zoned.unique = getattr(field, "unique", False)
    return zoned


class LocalTimeSchemaConverter(Model2SchemaConverter):
    """Flask-AppBuilder's model→schema converter, with ``ZonedDateTime`` for every date-time column
    (also in nested relations, which it converts through the same method)."""

    def _column2field(self, datamodel, column, nested=True, parent_schema_name=None):
        return _zoned(super()._column2field(datamodel, column, nested=nested,
                                            parent_schema_name=parent_schema_name))
