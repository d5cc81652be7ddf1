"""The staff's correction of a cart before it is invoiced (``cart_adjust`` in the rules): quantities
and unit prices of the lines, by the roles and in the states the rules name. Every value is checked
first; the lines, the total and one audit event (each change before → after) are written together."""
from __future__ import annotations

from decimal import Decimal

from app.security.access import ensure_visible, workflow_roles
from app.core.errors import ForbiddenError, N_, NotFoundError, ValidationError, translate
from app.extensions import db
from app.commands.rules.state import rules_state
from app.workflow.work_items import step_roles, step_states
from app.commands.base import Command
from models import Application, AuditEvent, User
from models.base import utcnow

MAX_QUANTITY = 10_000
MAX_PRICE = Decimal("999999999999")


def cart_adjust_spec(application: Application) -> dict | None:
    data = rules_state().rules_for(application.rules_version_id).data
    return data["services"].get(application.service_type.key, {}).get("cart_adjust")


def may_adjust_cart(application: Application, user) -> bool:
    spec = cart_adjust_spec(application)
    if not spec or not application.cart_lines or application.payments:
        return False
    data = rules_state().rules_for(application.rules_version_id).data
    roles = workflow_roles(application, user, set(data.get("roles", {})))
    return application.state in step_states({"s": spec}, "s") and bool(step_roles({"s": spec}, "s") & roles)


def _whole(raw, maximum) -> Decimal | None:
    text = str(raw or "").strip().replace(".", "")
    if not text.isdigit() or len(text) > 13:
        return None
    value = Decimal(text)
    return value if value <= maximum else None


class AdjustCartCommand(Command):
    def __init__(self, application_id: int, actor: User, lines: dict[int, dict], note: str = ""):
        self.application_id = application_id
        self.actor = actor
        self.lines = lines          # line id -> {"quantity": raw, "unit_price": raw}
        self.note = (note or "").strip()

    def _run(self) -> Application:
        application = ensure_visible(db.session.get(Application, self.application_id), self.actor)
        if cart_adjust_spec(application) is None:
            raise NotFoundError()
        if not may_adjust_cart(application, self.actor):
            raise ForbiddenError(N_("Tarif tidak dapat diubah oleh Anda pada status permohonan saat ini."))
        errors, changes = {}, []
        known = {line.id: line for line in application.cart_lines}
        for line_id in self.lines:
            if line_id not in known:
                errors[f"line-{line_id}"] = translate(N_("Baris tidak dikenal."))
        for line in application.cart_lines:
            raw = self.lines.get(line.id)
            if raw is None:
                continue
            quantity = _whole(raw.get("quantity"), Decimal(MAX_QUANTITY))
            price = _whole(raw.get("unit_price"), MAX_PRICE)
            if quantity is None or quantity < 1:
                errors[f"line-{line.id}-quantity"] = translate(
                    N_("Jumlah harus bilangan bulat 1 sampai %(max)s."), max=MAX_QUANTITY)
            if price is None:
                errors[f"line-{line.id}-unit_price"] = translate(N_("Tarif harus rupiah bulat, tanpa koma."))
            if quantity is None or price is None or quantity < 1:
                continue
            if int(quantity) != line.quantity or price != line.unit_price:
                changes.append((line, int(quantity), price))
        if errors:
            raise ValidationError(details={"field_errors": errors})
        if not changes:
            return application
        audit = {}
        for line, quantity, price in changes:
            audit[line.item.code or str(line.id)] = {
                "quantity": {"from": line.quantity, "to": quantity},
                "unit_price": {"from": str(line.unit_price), "to": str(price)}}
            line.quantity, line.unit_price, line.amount = quantity, price, price * quantity
        before = application.total_amount
        application.total_amount = sum((line.amount for line in application.cart_lines), Decimal(0))
        data = rules_state().rules_for(application.rules_version_id).data
        label = translate(N_("Tarif disesuaikan"))
        db.session.add(AuditEvent(
            application_id=application.id, actor_id=self.actor.id,
            actor_roles=sorted(workflow_roles(application, self.actor, set(data.get("roles", {})))),
            action="sesuaikan_tarif", action_label=label, timeline_label=label,
            from_state=application.state, to_state=application.state, note=self.note,
            values={"lines": audit, "total": {"from": str(before), "to": str(application.total_amount)}},
            rules_version_id=application.rules_version_id, created_at=utcnow()))
        application.updated_at = utcnow()
        db.session.flush()
        return application
