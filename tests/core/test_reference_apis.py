"""Complaints and messages through the REST API: each caller sees only their own or their agency's."""
from __future__ import annotations

from .helpers import AGENCY, ok, submitted_application


def test_complaints_and_messages_are_scoped(app, factories, login):
    owner = login(factories.customer())
    stranger = login(factories.customer())
    staff = login(factories.staff(AGENCY, "petugas"))
    elsewhere = login(factories.staff("balai_lain", "petugas"))
    app_id = submitted_application(owner, staff)
    with app.app_context():
        from sqlalchemy import select

        from app.extensions import db
        from models import Agency, Complaint, Message

        agency = db.session.scalar(select(Agency).where(Agency.key == AGENCY))
        complaint = Complaint(user_id=owner.user_id, agency_id=agency.id, application_id=app_id,
                              category="waktu", text="Sudah lewat batas waktu.")
        message = Message(application_id=app_id, sender_id=owner.user_id, body="Mohon informasinya.")
        db.session.add_all([complaint, message])
        db.session.commit()
        complaint_id, message_id = complaint.id, message.id

    def ids(client, route):
        return {row["id"] for row in ok(client.get(f"/api/v1/{route}/?q=(page_size:100)"))["result"]}

    for route, row_id in (("complaint", complaint_id), ("message", message_id)):
        assert row_id in ids(owner, route)
        assert row_id in ids(staff, route)
        assert row_id not in ids(stranger, route)
        assert row_id not in ids(elsewhere, route)
        assert stranger.get(f"/api/v1/{route}/{row_id}").status_code == 404
        assert elsewhere.get(f"/api/v1/{route}/{row_id}").status_code == 404
