"""Machine clients use API keys (`Authorization: Bearer sp_...`) with the owner's roles and scope."""
from __future__ import annotations


from .helpers import AGENCY, submitted_application


def test_api_key_acts_as_its_owner(app, factories, login, client):
    customer = login(factories.customer())
    staff_user = factories.staff(AGENCY, "petugas")
    staff = login(staff_user)
    app_id = submitted_application(customer, staff)
    with app.app_context():
        from app.extensions import appbuilder, db
        from models import User

        created = appbuilder.sm.create_api_key(db.session.get(User, staff_user[0]), "integrasi-dashboard")
    key = created["key"]
    assert key.startswith("sp_")

    shown = client.get(f"/api/v1/application/{app_id}", headers={"Authorization": f"Bearer {key}"})
    assert shown.status_code == 200, shown.get_json()
    # the key carries its owner's scope: another customer's key sees nothing of it
    other = factories.customer()
    with app.app_context():
        from app.extensions import appbuilder, db
        from models import User
        other_key = appbuilder.sm.create_api_key(db.session.get(User, other[0]), "skrip")["key"]
    hidden = client.get(f"/api/v1/application/{app_id}", headers={"Authorization": f"Bearer {other_key}"})
    assert hidden.status_code == 404
    forged = client.get(f"/api/v1/application/{app_id}", headers={"Authorization": "Bearer sp_not-a-real-key"})
    assert forged.status_code == 401
