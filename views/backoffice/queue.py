"""“Perlu tindakan saya”: the applications on which the signed-in user can act now."""
from __future__ import annotations

from datetime import date

from flask import g, request
from flask_babel import gettext as _
from flask_appbuilder import BaseView, expose, has_access
from sqlalchemy import and_, false, or_, select
from sqlalchemy.orm import joinedload

from app.security.access import role_names, scope_applications
from app.extensions import db
from app.reports.queries import COUNT_CAP, Period, capped_count, search_filter
from app.reports.workload import actionable_states
from app.commands.rules.state import rules_state
from models import Application, RulesVersion, ServiceType
from views.backoffice.common import platform_errors, SlaBadges, text, user_zone
from views.serializers import customer_name_column

PAGE_SIZE = 25


def parse_date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def queue_condition(user, all_services=None, versions=None):
    """SQL condition: the application is in a state where one of the user's workflow roles, or
    their personal assignment, has an action (guards aside). Built per rules version and service,
    so the (service_type_id, state) index does the work. ``all_services`` and ``versions`` (rules
    version ids) when the caller already has them."""
    roles = role_names(user)
    if all_services is None:
        all_services = db.session.scalars(select(ServiceType))
    services = {s.key: s.id for s in all_services}
    if versions is None:
        versions = list(db.session.scalars(select(RulesVersion.id)))
    conditions = []
    for version in versions:
        data = rules_state().rules_for(version).data
        acting = actionable_states(data, roles & set(data.get("roles", {})))
        by_states: dict[tuple[frozenset, frozenset], list[int]] = {}
        for key, spec in data.get("services", {}).items():
            if key not in services:
                continue
            states = acting.get(spec["workflow"], {"role": set(), "assignee": set()})
            pair = (frozenset(states["role"]), frozenset(states["assignee"]))
            by_states.setdefault(pair, []).append(services[key])
        for (role_states, assignee_states), service_ids in by_states.items():
            in_version = [Application.service_type_id.in_(service_ids)]
            if len(versions) > 1:
                in_version.append(Application.rules_version_id == version)
            if role_states:
                conditions.append(and_(*in_version, Application.state.in_(sorted(role_states))))
            if assignee_states:
                conditions.append(and_(*in_version, Application.assignee_id == user.id,
                                       Application.state.in_(sorted(assignee_states))))
    conditions.append(work_rows_condition(user, versions))
    return or_(*conditions) if conditions else false()


def work_rows_condition(user, versions):
    """SQL condition: the user has a work row to enter (assigned or returned to them) on the
    application while its state lets rows be entered (``work_items.enter.states`` in the rules)."""
    from app.workflow.work_items import step_states
    from models import WorkItem

    states: set[str] = set()
    for version in versions:
        for service in rules_state().rules_for(version).data.get("services", {}).values():
            if service.get("work_items"):
                states |= step_states(service["work_items"], "enter")
    if not states:
        return false()
    mine = select(WorkItem.application_id).where(WorkItem.assignee_id == user.id,
                                                 WorkItem.status.in_(("assigned", "returned")))
    return and_(Application.id.in_(mine), Application.state.in_(sorted(states)))


ROW_NAME_SEPARATOR = "\x1f"


def my_rows_column(user_id: int):
    """The names of the user's work rows to enter (assigned or returned to them) on an application, in
    row order, as one column of the page's select (not a read of the rows per application)."""
    from sqlalchemy import func
    from models import WorkItem

    names = (select(WorkItem.name.label("name"))
             .where(WorkItem.application_id == Application.id, WorkItem.assignee_id == user_id,
                    WorkItem.status.in_(("assigned", "returned")))
             .order_by(WorkItem.position).subquery())
    return (select(func.aggregate_strings(names.c.name, ROW_NAME_SEPARATOR)).scalar_subquery()
            .label("my_rows"))


def action_labels(application: Application, roles: set[str], user_id: int,
                  my_rows: list[str] | None = None) -> list[str]:
    data = rules_state().rules_for(application.rules_version_id).data
    workflow = data["workflows"][data["services"][application.service_type.key]["workflow"]]
    labels = []
    for transition in workflow["transitions"]:
        if application.state not in transition["from"]:
            continue
        by = set(transition["by"])
        if by & roles or ("assignee" in by and application.assignee_id == user_id):
            labels.append(text(transition["label"]))
    if my_rows is None:
        my_rows = [row.name for row in application.work_items
                   if row.assignee_id == user_id and row.status in ("assigned", "returned")]
    if my_rows:
        from flask_babel import gettext
        labels.append(gettext("Isi hasil: %(rows)s", rows=", ".join(my_rows)))
    return labels


class WorkQueueView(BaseView):
    route_base = "/backoffice/antrean"
    class_permission_name = "WorkQueue"
    method_permission_name = {"index": "list"}
    default_view = "index"

    @expose("/")
    @has_access
    @platform_errors
    def index(self):
        user = g.user
        args = request.args
        # every service type and rules version once: the filter, the queue condition and the
        # state choices all use them (a fixed number of statements per page)
        all_services = list(db.session.scalars(select(ServiceType).order_by(ServiceType.agency_id,
                                                                            ServiceType.name)))
        versions = db.session.execute(select(RulesVersion.id, RulesVersion.active)).all()
        services = _visible(user, all_services)
        active = next((v for v, is_active in versions if is_active), None)
        service_id = args.get("service", type=int)
        state = args.get("state", "").strip()
        q = args.get("q", "").strip()
        period = Period(parse_date(args.get("from")), parse_date(args.get("to")), zone=user_zone(user))
        sla = args.get("sla", "")
        order = args.get("order", "oldest")
        page = max(0, args.get("page", 0, type=int))

        stmt = scope_applications(select(Application), user).where(
            queue_condition(user, all_services, [v for v, _ in versions]))
        if service_id:
            stmt = stmt.where(Application.service_type_id == service_id)
        if state:
            stmt = stmt.where(Application.state == state)
        if q:
            stmt = stmt.where(search_filter(q))
        stmt = period.apply(stmt)
        badges = SlaBadges()
        if sla == "overdue":
            stmt = stmt.where(or_(Application.state_due_at < badges.now,
                                  and_(Application.sla_paused.is_(None), Application.due_at < badges.now)))
        count = capped_count(stmt)
        # one statement for the page: service type and agency joined, the customer's name as a column
        found = db.session.execute(
            stmt.add_columns(customer_name_column(with_organisation=True), my_rows_column(user.id))
            .options(joinedload(Application.service_type), joinedload(Application.agency))
            .order_by(Application.id.desc() if order == "newest" else Application.id.asc())
            .offset(page * PAGE_SIZE).limit(PAGE_SIZE)).all()
        roles = role_names(user)
        items = [{"app": a, "customer": name or "", "sla": badges.badge(a),
                  "actions": action_labels(a, roles, user.id,
                                           my_rows=my_rows.split(ROW_NAME_SEPARATOR) if my_rows else [])}
                 for a, name, my_rows in found]
        return self.render_template(
            "backoffice/queue.html", items=items, services=services, states=state_choices(services, active),
            count=count, capped=count > COUNT_CAP, page=page, page_size=PAGE_SIZE,
            has_next=count > (page + 1) * PAGE_SIZE, args=args, title=_("Perlu Tindakan Saya"))


def _visible(user, all_services: list[ServiceType]) -> list[ServiceType]:
    """visible_services(user) out of the already loaded service types (same order, same rules)."""
    from app.security.access import is_admin, staff_profile

    if is_admin(user):
        return all_services
    profile = staff_profile(user)
    if profile is None:
        return []
    if profile.services:
        return sorted(profile.services, key=lambda s: s.name)
    return [s for s in all_services if s.agency_id == profile.agency_id]


def state_choices(services, active_version: int | None = None) -> list[tuple[str, str]]:
    """(state key, staff label) of the workflows of ``services``, for the filter."""
    from views.backoffice.common import active_rules_data

    data = (rules_state().rules_for(active_version).data if active_version is not None
            else active_rules_data())
    seen: dict[str, str] = {}
    for service in services:
        workflow = data["workflows"].get(data["services"].get(service.key, {}).get("workflow", ""), {})
        for key, spec in workflow.get("states", {}).items():
            if spec.get("kind", "").startswith("final"):
                continue
            label = text(spec.get("staff_label") or spec.get("label")) or key
            if key not in seen:
                seen[key] = label
            elif label not in seen[key].split(" / "):
                seen[key] = f"{seen[key]} / {label}"
    return sorted(seen.items(), key=lambda kv: kv[1])
