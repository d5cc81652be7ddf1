"""What the workflow guards may know about an application, gathered from the database."""
from __future__ import annotations

from functools import cache

from sqlalchemy import bindparam, exists, select
from sqlalchemy.orm import joinedload

from app.commands.booking import has_active_booking
from app.extensions import db
from app.workflow.snapshot import Facts
from models import Application, Booking, SurveyResponse

# the collections the facts read, loaded with the application in one statement (select_with_facts)
FACT_COLLECTIONS = {"files": (), "payments": (), "slots": (), "cart_lines": (), "work_items": ()}


@cache
def select_with_facts():
    """The application (bound parameter ``application_id``) with its service type and agency, every
    collection compute_facts reads, and whether it has a survey answer and an active booking, as ONE
    locked select of (Application, survey_done, has_booking); read it with ``.unique()``. Without it
    compute_facts costs a statement per collection. Built once per process: making this statement
    (a dozen ORM joins) cost more Python time than running it."""
    from app.core.database import collections_in_one_statement

    joined, loaders, order, _kind = collections_in_one_statement(Application, FACT_COLLECTIONS)
    survey = exists().where(SurveyResponse.application_id == Application.id)
    booking = exists().where(Booking.application_id == Application.id, Booking.seat.is_not(None))
    return (select(Application, survey.label("survey_done"), booking.label("has_booking"))
            .select_from(joined).where(Application.id == bindparam("application_id"))
            .options(*loaders, joinedload(Application.service_type, innerjoin=True),
                     joinedload(Application.agency, innerjoin=True))
            .order_by(*order).with_for_update(of=Application).execution_options(populate_existing=True))


def compute_facts(application: Application, survey_done: bool | None = None,
                  active_booking: bool | None = None) -> Facts:
    """``survey_done`` and ``active_booking``, when the caller read them with the application
    (select_with_facts), spare a statement each."""
    files = [f for f in application.files if not f.superseded]
    lines = [p for p in application.payments if p.kind != "refund"]  # a refund is no payment to validate
    payment = lines[-1] if lines else None
    return Facts(
        documents=frozenset(f.doc_key for f in files if f.purpose == "requirement"),
        payment_status=payment.status if payment else None,
        payment_has_proof=bool(payment and payment.proof_file_id),
        survey_done=bool(survey_done) if survey_done is not None else bool(db.session.scalar(select(exists().where(
            SurveyResponse.application_id == application.id)))),
        slot_chosen=any(s.status == "chosen" for s in application.slots) or (
            application.service_spec.booking is not None and (
                bool(active_booking) if active_booking is not None else has_active_booking(application.id))),
        offered_slot_ids=frozenset(s.id for s in application.slots if s.status == "offered"),
        has_assignee=application.assignee_id is not None,
        cart_lines=len(application.cart_lines),
        results=sum(1 for f in files if f.purpose == "result"),
        work_items=tuple(item.status for item in application.work_items),
    )
