"""Dashboard and recap queries: aggregates in SQL, scoped with ``scope_applications``."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, false, func, or_, select

from app.security.access import scope_applications
from app.extensions import db
from app.core.formatting import from_local
from models import Application, AuditEvent, CustomerProfile, ServiceType, SurveyResponse, User

FINAL_KINDS = ("final_success", "final_rejected", "final_cancelled")
COUNT_CAP = 1000


@dataclass
class Period:
    """Applications created in [start, end]: whole days in ``zone`` (the agency's), turned into the
    UTC instants the database stores."""

    start: date | None = None
    end: date | None = None
    zone: str | None = None

    def apply(self, stmt, column=Application.created_at):
        if self.start:
            stmt = stmt.where(column >= from_local(datetime.combine(self.start, time.min), self.zone))
        if self.end:
            stmt = stmt.where(column < from_local(datetime.combine(self.end + timedelta(days=1), time.min),
                                                  self.zone))
        return stmt


def scoped(user, *, agency_id: int | None = None, service_ids=None, period: Period | None = None):
    stmt = scope_applications(select(Application), user)
    if agency_id:
        stmt = stmt.where(Application.agency_id == agency_id)
    if service_ids:
        stmt = stmt.where(Application.service_type_id.in_(list(service_ids)))
    if period:
        stmt = period.apply(stmt)
    return stmt


def capped_count(stmt, cap: int = COUNT_CAP) -> int:
    """count(*) FROM (… LIMIT cap+1): never an exact count over a big table."""
    inner = stmt.with_only_columns(Application.id).order_by(None).limit(cap + 1).subquery()
    return db.session.scalar(select(func.count()).select_from(inner))


def state_count_rows(stmt) -> list[tuple[str, str, int]]:
    """(service key, state, count) for the applications of ``stmt``."""
    ids = stmt.with_only_columns(Application.id).order_by(None).subquery()
    query = (select(ServiceType.key, Application.state, func.count(Application.id))
             .join(ServiceType, ServiceType.id == Application.service_type_id)
             .where(Application.id.in_(select(ids.c.id)))
             .group_by(ServiceType.key, Application.state))
    return [tuple(row) for row in db.session.execute(query)]


def sla_rows(stmt, now: datetime) -> dict[str, dict]:
    """Per service key: finished with a standard time, finished on time, open and overdue now."""
    ids = stmt.with_only_columns(Application.id).order_by(None).subquery()
    closed = Application.state_kind.in_(FINAL_KINDS)
    query = (select(
        ServiceType.key,
        func.sum(case_int(and_(closed, Application.due_at.is_not(None)))),
        func.sum(case_int(and_(closed, Application.due_at.is_not(None), Application.closed_at <= Application.due_at))),
        func.sum(case_int(and_(~closed, Application.sla_paused.is_(None), Application.due_at < now))),
        func.sum(case_int(and_(~closed, Application.state_due_at < now))),
    ).join(ServiceType, ServiceType.id == Application.service_type_id)
        .where(Application.id.in_(select(ids.c.id))).group_by(ServiceType.key))
    result = {}
    for key, finished, on_time, overdue, state_overdue in db.session.execute(query):
        result[key] = {"finished": int(finished or 0), "on_time": int(on_time or 0),
                       "overdue": int(overdue or 0), "state_overdue": int(state_overdue or 0)}
    return result


def case_int(condition):
    from sqlalchemy import case
    return case((condition, 1), else_=0)


def duration_rows(stmt) -> dict[str, dict[str, tuple[float, int]]]:
    """Per service key, per state: (average seconds spent, number of completed stays), from the
    audit events (time until the next event of the same application)."""
    ids = stmt.with_only_columns(Application.id).order_by(None).subquery()
    following = func.lead(AuditEvent.created_at).over(
        partition_by=AuditEvent.application_id, order_by=(AuditEvent.created_at, AuditEvent.id))
    inner = (select(Application.service_type_id.label("service_type_id"), AuditEvent.to_state.label("state"),
                    AuditEvent.created_at.label("at"), following.label("next_at"))
             .join(Application, Application.id == AuditEvent.application_id)
             .where(AuditEvent.application_id.in_(select(ids.c.id)))).subquery()
    if db.engine.dialect.name == "postgresql":
        seconds = func.extract("epoch", inner.c.next_at - inner.c.at)
    else:
        seconds = (func.julianday(inner.c.next_at) - func.julianday(inner.c.at)) * 86400.0
    query = (select(ServiceType.key, inner.c.state, func.avg(seconds), func.count())
             .join(ServiceType, ServiceType.id == inner.c.service_type_id)
             .where(inner.c.next_at.is_not(None))
             .group_by(ServiceType.key, inner.c.state))
    result: dict[str, dict[str, tuple[float, int]]] = {}
    for key, state, average, count in db.session.execute(query):
        result.setdefault(key, {})[state] = (float(average or 0), int(count))
    return result


NAME_MATCH_CAP = 500


def customers_named(text: str) -> list[int]:
    """Ids of customers whose name (profile or account) contains ``text`` (at most NAME_MATCH_CAP)."""
    pattern = f"%{text.strip()}%"
    by_profile = select(CustomerProfile.user_id).where(
        or_(CustomerProfile.full_name.ilike(pattern), CustomerProfile.organisation_name.ilike(pattern)))
    by_user = select(User.id).where(or_(User.first_name.ilike(pattern), User.last_name.ilike(pattern)))
    ids = set(db.session.scalars(by_profile.limit(NAME_MATCH_CAP)))
    ids |= set(db.session.scalars(by_user.limit(NAME_MATCH_CAP)))
    return sorted(ids)[:NAME_MATCH_CAP]


def search_filter(text: str):
    """Number, receipt (exact, case-insensitive for receipts) or customer name. The names are looked
    up first (people are few, applications many), so every branch of the OR uses an index."""
    text = text.strip()
    # exact numbers resolve to ids first: given both, SQLite's planner would rather walk the queue's
    # (service, state) index than the unique number/receipt ones
    exact = list(db.session.scalars(select(Application.id).where(
        or_(Application.number == text, Application.receipt == text.upper())).limit(10)))
    conditions = [Application.id.in_(exact)] if exact else []
    ids = customers_named(text)
    if ids:
        conditions.append(Application.customer_id.in_(ids))
    return or_(*conditions) if conditions else false()


def survey_answers(service_id: int, period: Period, user) -> list[dict]:
    """The answers of one service's survey responses given in ``period`` (applications ``user`` may see)."""
    visible = scoped(user, service_ids=[service_id]).with_only_columns(Application.id).order_by(None)
    query = select(SurveyResponse.answers).where(SurveyResponse.service_type_id == service_id,
                                                 SurveyResponse.application_id.in_(visible))
    query = period.apply(query, SurveyResponse.created_at)
    return list(db.session.scalars(query))
