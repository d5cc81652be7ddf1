"""Flask-AppBuilder's own screens (the profile page, users, roles) write values for people, not
Python's repr: Ya/Tidak for a yes/no, "-" for nothing, a relation's rows joined, times with the zone."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

RAW = re.compile(r"^(True|False|None)$|^\[.*\]$|\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")


def _rows(page: str) -> dict[str, str]:
    """The show table's label -> value, as text."""
    return {re.sub(r"<[^>]+>", "", th).strip(): re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", td)).strip()
            for th, td in re.findall(r"<th[^>]*>(.*?)</th>\s*<td[^>]*>(.*?)</td>", page, re.S)}


def _cells(page: str) -> list[str]:
    body = page[page.find("</thead>"):]
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", td)).strip() for td in re.findall(r"<td[^>]*>(.*?)</td>", body, re.S)]


@pytest.fixture(scope="module")
def ids(app):
    from flask_appbuilder.security.sqla.models import Role

    from app.extensions import db
    from models import User

    with app.app_context():
        found = {"admin": db.session.scalar(select(User.id).where(User.username == "admin")),
                 "role": db.session.scalar(select(Role.id).where(Role.name == "Admin"))}
        db.session.remove()
    return found


def test_profile_and_user_pages_say_ya_tidak_not_true_false(html, ids):
    admin = html("admin")
    for url in ("/users/userinfo/", f"/users/show/{ids['admin']}"):
        response = admin.get(url)
        assert response.status_code == 200
        rows = _rows(response.get_data(as_text=True))
        assert rows.get("Aktif") == "Ya", rows            # the label without FAB's question mark
        assert "Aktif?" not in rows
        assert rows.get("Peran") == "Admin", rows         # not "[Admin]"
        raw = {label: value for label, value in rows.items() if RAW.search(value)}
        assert not raw, (url, raw)
    rows = _rows(admin.get(f"/users/show/{ids['admin']}").get_data(as_text=True))
    assert rows["Dibuat oleh"] == "-" and re.search(r"\d{4}, \d\d\.\d\d [A-Z]{3,4}$", rows["Dibuat pada"]), rows
    cells = _cells(admin.get("/users/list/").get_data(as_text=True))
    assert "Ya" in cells and not [c for c in cells if RAW.search(c)], cells


def test_role_pages_list_permissions_not_python_lists(html, ids, app):
    from flask_appbuilder.security.sqla.models import Role

    from app.extensions import db

    admin = html("admin")
    with app.app_context():
        other = db.session.scalar(select(Role).where(Role.name != "Admin", Role.permissions.any()))
        other_id, a_permission = other.id, str(other.permissions[0])
        db.session.remove()
    rows = _rows(admin.get(f"/roles/show/{other_id}").get_data(as_text=True))
    assert a_permission in rows["Hak Akses"] and not RAW.search(rows["Hak Akses"]), rows
    cells = _cells(admin.get("/roles/list/").get_data(as_text=True))
    assert not [c for c in cells if RAW.search(c)], cells


def test_english_says_yes(html, ids):
    admin = html("admin")
    admin.get("/lang/en")
    rows = _rows(admin.get("/users/userinfo/").get_data(as_text=True))
    assert "Yes" in rows.values() and "True" not in rows.values(), rows
