"""Agencies, their bank accounts and signatories, service types and catalogue items, rules versions."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Optional

from flask_appbuilder import Model
from sqlalchemy import (JSON, Boolean, Date, ForeignKey, Integer, LargeBinary, Numeric, String,
                        Text, UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import JSONType, TimestampMixin, UTCDateTime, rules_of_version, utcnow


class RulesVersion(Model, TimestampMixin):
    """One validated content of ``workflow_rules.yaml``; applications keep the version they began with."""

    __tablename__ = "rules_version"
    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    # plain JSON, also on PostgreSQL: JSONB reorders keys, and the rules' declaration order is meaning
    # (the order of states in "Alur layanan" and the diagrams, of fields on a form)
    content: Mapped[dict] = mapped_column(JSON, nullable=False)
    summary: Mapped[dict] = mapped_column(JSONType, nullable=False, default=dict)
    source_name: Mapped[str] = mapped_column(String(255), default="workflow_rules.yaml")
    active: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False, index=True)
    activated_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))

    def __repr__(self) -> str:
        return f"v{self.id} ({self.sha256[:8]})"


class Agency(Model, TimestampMixin):
    __tablename__ = "agency"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    code: Mapped[str] = mapped_column(String(32), nullable=False)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    short_name: Mapped[str] = mapped_column(String(128), default="")
    address: Mapped[str] = mapped_column(Text, default="")
    phone: Mapped[str] = mapped_column(String(64), default="")
    email: Mapped[str] = mapped_column(String(255), default="")
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Jakarta")
    account_activation: Mapped[str] = mapped_column(String(16), default="email")
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    bank_accounts: Mapped[list["BankAccount"]] = relationship(back_populates="agency",
                                                              cascade="all, delete-orphan")
    signatories: Mapped[list["Signatory"]] = relationship(back_populates="agency",
                                                          cascade="all, delete-orphan")
    services: Mapped[list["ServiceType"]] = relationship(back_populates="agency")
    days_off: Mapped[list["AgencyDayOff"]] = relationship(back_populates="agency",
                                                          cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return self.short_name or self.name


class BankAccount(Model):
    __tablename__ = "bank_account"
    __table_args__ = (UniqueConstraint("agency_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), nullable=False)
    key: Mapped[str] = mapped_column(String(64), nullable=False)
    bank: Mapped[str] = mapped_column(String(128), nullable=False)
    number: Mapped[str] = mapped_column(String(64), nullable=False)
    holder: Mapped[str] = mapped_column(String(255), nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    agency: Mapped[Agency] = relationship(back_populates="bank_accounts")

    def __repr__(self) -> str:
        return f"{self.bank} {self.number} a.n. {self.holder}"


class Signatory(Model):
    """An officer who signs documents; the private key is encrypted under their passphrase."""

    __tablename__ = "signatory"
    __table_args__ = (UniqueConstraint("agency_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), nullable=False)
    key: Mapped[str] = mapped_column(String(64), nullable=False)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    nip: Mapped[str] = mapped_column(String(32), default="")
    title: Mapped[str] = mapped_column(String(255), default="")
    role: Mapped[str] = mapped_column(String(64), default="")
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))
    certificate_pem: Mapped[Optional[bytes]] = mapped_column(LargeBinary)
    encrypted_key_pem: Mapped[Optional[bytes]] = mapped_column(LargeBinary)
    agency: Mapped[Agency] = relationship(back_populates="signatories")

    def __repr__(self) -> str:
        return f"{self.name} ({self.title})"


class AgencyDayOff(Model):
    """An extra day off of one agency, on top of the national calendar."""

    __tablename__ = "agency_day_off"
    __table_args__ = (UniqueConstraint("agency_id", "day"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), nullable=False)
    day: Mapped[date] = mapped_column(Date, nullable=False)
    note: Mapped[str] = mapped_column(String(255), default="")
    agency: Mapped[Agency] = relationship(back_populates="days_off")


class ServiceType(Model, TimestampMixin):
    __tablename__ = "service_type"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), nullable=False, index=True)
    code: Mapped[str] = mapped_column(String(32), nullable=False)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    class_key: Mapped[str] = mapped_column(String(64), default="")
    class_label: Mapped[str] = mapped_column(String(255), default="")
    workflow_key: Mapped[str] = mapped_column(String(64), nullable=False)
    rules_version_id: Mapped[int] = mapped_column(ForeignKey("rules_version.id"), nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    agency: Mapped[Agency] = relationship(back_populates="services")
    rules_version: Mapped[RulesVersion] = relationship()
    items: Mapped[list["CatalogueItem"]] = relationship(back_populates="service_type",
                                                       cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return self.name

    def _rules(self):
        """The rules version the service was last activated from."""
        return rules_of_version(self.rules_version_id)

    def _spec(self) -> dict:
        try:
            return self.service_spec
        except LookupError:
            return {}

    @property
    def service_spec(self):
        """The rules' definition of this service (KeyError when its version does not define it)."""
        return self._rules().service(self.key)

    @property
    def display_name(self) -> str:
        """The service's name in the language being shown (``name`` is the stored Indonesian one)."""
        from app.rules.labels import rules_label
        return rules_label(self._spec().get("name"), default=self.name)

    @property
    def display_class_label(self) -> str:
        from app.rules.labels import rules_label
        spec = self._spec()
        if not spec:
            return self.class_label
        agency = self._rules().agency(spec["agency"])
        for item in agency.get("service_classes") or []:
            if item.get("key") == spec.get("class"):
                return rules_label(item.get("label"), default=self.class_label)
        return self.class_label


class CatalogueItem(Model):
    __tablename__ = "catalogue_item"
    __table_args__ = (UniqueConstraint("service_type_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    service_type_id: Mapped[int] = mapped_column(ForeignKey("service_type.id"), nullable=False)
    code: Mapped[str] = mapped_column(String(64), nullable=False)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    unit: Mapped[str] = mapped_column(String(128), default="")
    price: Mapped[Decimal] = mapped_column(Numeric(14, 2), nullable=False, default=0)
    weight: Mapped[Optional[str]] = mapped_column(String(64))
    handler_role: Mapped[str] = mapped_column(String(64), default="")
    data_required: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    service_type: Mapped[ServiceType] = relationship(back_populates="items")

    def __repr__(self) -> str:
        return f"{self.code} {self.name}"


class NumberSequence(Model):
    """A counter for numbering patterns; rows are locked while a number is drawn."""

    __tablename__ = "number_sequence"
    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(255), unique=True, nullable=False)
    value: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class DocumentTemplateVersion(Model, TimestampMixin):
    """An administrator's replacement for a generated document's HTML template (validated by a sample render)."""

    __tablename__ = "document_template_version"
    id: Mapped[int] = mapped_column(primary_key=True)
    doc_key: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    content: Mapped[str] = mapped_column(Text, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    note: Mapped[str] = mapped_column(String(255), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    uploaded_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))
