"""What the workflow guards may know about an application, gathered from the database."""
from __future__ import annotations

from sqlalchemy import exists, select

from app.commands.booking import has_active_booking
from app.extensions import db
from app.workflow.snapshot import Facts
from models import Application, SurveyResponse


def compute_facts(application: Application) -> Facts:
    files = [f for f in application.files if not f.superseded]
    lines = [p for p in application.payments if p.kind != "refund"]  # a refund is no payment to validate
    payment = lines[-1] if lines else None
    return Facts(
        documents=frozenset(f.doc_key for f in files if f.purpose == "requirement"),
        payment_status=payment.status if payment else None,
        payment_has_proof=bool(payment and payment.proof_file_id),
        survey_done=bool(db.session.scalar(select(exists().where(
            SurveyResponse.application_id == application.id)))),
        slot_chosen=any(s.status == "chosen" for s in application.slots) or (
            application.service_spec.booking is not None and has_active_booking(application.id)),
        offered_slot_ids=frozenset(s.id for s in application.slots if s.status == "offered"),
        has_assignee=application.assignee_id is not None,
        cart_lines=len(application.cart_lines),
        results=sum(1 for f in files if f.purpose == "result"),
        work_items=tuple(item.status for item in application.work_items),
    )
