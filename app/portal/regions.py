"""Indonesian regions for the cascading address (vendored data in static/portal/regions/).

``GET /portal/wilayah`` lists the provinces; ``?induk=<code>`` lists the children of a province
(regencies), a regency (districts) or a district (villages) as ``[{code, name}]``. An unknown code
gives an empty list: the form then keeps a free-text input.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

from flask import jsonify, request

from app.portal.blueprint import portal

REGIONS_DIR = Path(__file__).resolve().parent.parent.parent / "static" / "portal" / "regions"
_CODE = re.compile(r"^\d{2}(\.\d{2}(\.\d{2})?)?$")


@lru_cache(maxsize=1)
def _index() -> list:
    return json.loads((REGIONS_DIR / "index.json").read_text(encoding="utf-8"))


@lru_cache(maxsize=64)
def _regency(code: str) -> list:
    path = REGIONS_DIR / f"{code}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else []


def children(parent: str | None) -> list[dict]:
    if not parent:
        return [{"code": code, "name": name} for code, name, _regencies in _index()]
    if not _CODE.match(parent):
        return []
    parts = parent.split(".")
    if len(parts) == 1:
        for code, _name, regencies in _index():
            if code == parent:
                return [{"code": c, "name": n} for c, n in regencies]
        return []
    if len(parts) == 2:
        return [{"code": c, "name": n} for c, n, _villages in _regency(parent)]
    for code, _name, villages in _regency(".".join(parts[:2])):
        if code == parent:
            return [{"code": f"{code}.{i + 1}", "name": v} for i, v in enumerate(villages)]
    return []


@portal.route("/wilayah")
def regions():
    response = jsonify(children(request.args.get("induk")))
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response
