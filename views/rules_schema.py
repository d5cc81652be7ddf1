"""``GET /api/v1/rules/schema``: the JSON Schema of a rules file (app/rules/json_schema.py).

The format is public (it is committed as docs/rules.schema.json): no login, and cacheable — the
same for everyone, with a strong ETag, so an editor or a CI job revalidates with a 304.
"""
from __future__ import annotations

from flask import Response, request
from flask_appbuilder.api import BaseApi, expose, safe

from app.outbox.channels import notification_channels
from app.rules.json_schema import rules_file_schema_etag, rules_file_schema_text
from views.api_contract import ContractErrors

SCHEMA_MEDIA_TYPE = "application/schema+json"
CACHE_CONTROL = "public, max-age=3600"


class RulesSchemaApi(ContractErrors, BaseApi):
    resource_name = "rules"
    openapi_spec_tag = "Rules"

    @expose("/schema", methods=["GET"])
    @safe
    def get_schema(self):
        """The JSON Schema (draft 2020-12) of one rules file: what every key means and which values it takes.
        ---
        get:
          summary: The JSON Schema of a rules file (workflow_rules.yaml and the files it includes)
          security: []
          responses:
            200:
              description: The schema, the same as docs/rules.schema.json
              headers:
                ETag: {description: The schema's version (sha256 of its text), schema: {type: string}}
                Cache-Control: {description: 'public, max-age=3600', schema: {type: string}}
              content:
                application/schema+json:
                  schema: {type: object}
            304:
              description: Not modified (the request's If-None-Match named the current ETag)
        """
        channels = notification_channels()
        response = Response(rules_file_schema_text(channels), mimetype=SCHEMA_MEDIA_TYPE)
        response.set_etag(rules_file_schema_etag(channels))
        response.headers["Cache-Control"] = CACHE_CONTROL
        return response.make_conditional(request)
