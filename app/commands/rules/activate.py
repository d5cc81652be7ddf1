"""Make a validated rules file the active version, and mirror its reference data into the database."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from app.core.errors import N_, SatuPintuError
from app.extensions import appbuilder, db
from app.rules.loader import Rules
from app.workflow.fields import label_text
from models import (Agency, AgencyDayOff, Application, BankAccount, CatalogueItem, RulesVersion,
                    ServiceType, Signatory)
from models.base import utcnow

FINAL_KINDS = ("final_success", "final_rejected", "final_cancelled")


class RulesStrandError(SatuPintuError):
    status = 409
    code = "rules_strand"
    message = N_("Aturan baru ditolak karena masih ada permohonan berjalan pada status yang dihapus.")

    def __init__(self, problems: list):
        from app.rules.messages import render
        super().__init__(details={"problems": [render(problem) for problem in problems]})
        self.problems = problems  # messages: render(problem, locale) shows one


class ActivateRulesCommand:
    """Store ``rules`` as a version (once per content), refuse it if it strands live applications,
    make it active and upsert agencies, services, catalogue and roles. The caller commits."""

    def __init__(self, rules: Rules, *, source_name: str = "workflow_rules.yaml",
                 actor_id: int | None = None):
        self.rules = rules
        self.source_name = source_name
        self.actor_id = actor_id

    def run(self) -> RulesVersion:
        session = db.session
        active = session.scalar(select(RulesVersion).where(RulesVersion.active.is_(True)))
        version = session.scalar(select(RulesVersion).where(RulesVersion.sha256 == self.rules.sha256))
        if active is not None and (version is None or version.id != active.id):
            self.validate_not_stranding(active)
        if version is None:
            version = RulesVersion(sha256=self.rules.sha256, content=self.rules.to_dict(),
                                   summary=self.rules.summary(), source_name=self.source_name,
                                   created_by_id=self.actor_id)
            session.add(version)
            session.flush()
        if active is not None and active.id != version.id:
            active.active = False
            session.flush()
        if not version.active:
            version.active = True
            version.activated_at = utcnow()
        self.sync_reference_data(version)
        self.sync_roles()
        session.flush()
        return version

    def validate_not_stranding(self, active: RulesVersion) -> None:
        old = Rules.from_dict(active.content.get("rules", active.content))
        problems = []
        for wf_key, _old_workflow in old.workflows():
            new_states = set(self.rules.states(wf_key)) if self.rules.has_workflow(wf_key) else set()
            for state in old.states(wf_key):
                if state in new_states:
                    continue
                count = db.session.scalar(
                    select(func.count(Application.id))
                    .join(ServiceType, ServiceType.id == Application.service_type_id)
                    .where(ServiceType.workflow_key == wf_key, Application.state == state,
                           Application.state_kind.not_in(FINAL_KINDS)))
                if count:
                    from app.rules import messages as rules_messages
                    problems.append(rules_messages.N_(
                        "status '%(state)s' dari alur kerja '%(workflow)s' dihapus, padahal %(count)s permohonan berjalan"
                        " masih berada di status itu", state=state, workflow=wf_key, count=count))
        if problems:
            raise RulesStrandError(problems)

    def sync_reference_data(self, version: RulesVersion) -> None:
        session = db.session
        agencies = {a.key: a for a in session.scalars(select(Agency))}
        for key, spec in self.rules.agencies():
            agency = agencies.get(key) or Agency(key=key)
            agency.code = spec.get("code", key.upper())
            agency.name = spec["name"]
            agency.short_name = spec.get("short_name", "")
            agency.address = spec.get("address", "")
            agency.phone = str(spec.get("phone", ""))
            agency.email = spec.get("email", "")
            agency.timezone = spec.get("timezone", "Asia/Jakarta")
            agency.account_activation = spec.get("account_activation", "email")
            agency.active = True
            session.add(agency)
            session.flush()
            agencies[key] = agency
            self._sync_bank_accounts(agency, spec.get("bank_accounts", []))
            self._sync_signatories(agency, spec.get("signatories", []))
            self._sync_days_off(agency, spec.get("extra_days_off", []))

        services = {s.key: s for s in session.scalars(select(ServiceType))}
        for key, spec in self.rules.services():
            agency_spec = self.rules.agency(spec["agency"])
            classes = {c["key"]: c for c in agency_spec.get("service_classes", [])}
            service = services.get(key) or ServiceType(key=key)
            service.agency_id = agencies[spec["agency"]].id
            service.code = spec.get("code", key.upper())
            service.name = label_text(spec["name"])
            service.class_key = spec.get("class", "")
            service.class_label = label_text(classes.get(spec.get("class"), {}).get("label", ""))
            service.workflow_key = spec["workflow"]
            service.rules_version_id = version.id
            service.active = True
            session.add(service)
            session.flush()
            self._sync_catalogue(service, spec.get("catalogue", []))
        for key, service in services.items():
            if not self.rules.has_service(key):
                service.active = False

    def _sync_bank_accounts(self, agency: Agency, accounts: list[dict]) -> None:
        existing = {a.key: a for a in agency.bank_accounts}
        for spec in accounts:
            account = existing.pop(spec["key"], None) or BankAccount(key=spec["key"])
            account.bank, account.number, account.holder = spec["bank"], str(spec["number"]), spec["holder"]
            account.active = True
            if account not in agency.bank_accounts:
                agency.bank_accounts.append(account)
        for account in existing.values():
            account.active = False

    def _sync_signatories(self, agency: Agency, signatories: list[dict]) -> None:
        existing = {s.key: s for s in agency.signatories}
        for spec in signatories:
            signatory = existing.get(spec["key"]) or Signatory(key=spec["key"])
            signatory.name = spec["name"]
            signatory.nip = str(spec.get("nip", ""))
            signatory.title = spec.get("title", "")
            signatory.role = spec.get("role", "")
            if signatory not in agency.signatories:
                agency.signatories.append(signatory)

    def _sync_days_off(self, agency: Agency, days: list) -> None:
        existing = {d.day for d in agency.days_off}
        for day in days:
            day = day if isinstance(day, date) else date.fromisoformat(str(day))
            if day not in existing:
                agency.days_off.append(AgencyDayOff(day=day, note="workflow_rules.yaml"))

    def _sync_catalogue(self, service: ServiceType, items: list[dict]) -> None:
        existing = {i.code: i for i in service.items}
        for spec in items:
            item = existing.pop(spec["code"], None) or CatalogueItem(code=spec["code"])
            item.name = label_text(spec["name"])
            item.unit = spec.get("unit", "")
            item.price = Decimal(str(spec.get("price", 0)))
            item.weight = None if spec.get("weight") is None else str(spec["weight"])
            item.handler_role = spec.get("handler_role", "")
            item.data_required = spec.get("data_required", "")
            item.active = True
            if item not in service.items:
                service.items.append(item)
        for item in existing.values():
            item.active = False

    def sync_roles(self) -> None:
        """Every role of the rules exists as a Flask-AppBuilder role with its permissions."""
        from app.security.roles import sync_role_permissions

        sync_role_permissions(appbuilder.sm, sorted(self.rules.role_keys()))

