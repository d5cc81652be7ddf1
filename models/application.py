"""Applications and what hangs off them: cart lines, files, generated documents, payments, slots."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Optional

from flask_appbuilder import Model
from flask_appbuilder.security.sqla.models import User
from sqlalchemy import (Boolean, BigInteger, Date, ForeignKey, Index, Integer, Numeric, String,
                        Text, UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import JSONType, TimestampMixin, UTCDateTime, rules_of_version, utcnow


class Application(Model, TimestampMixin):
    """A customer's request for one service; its ``state`` changes only through the transition command."""

    __tablename__ = "application"
    __table_args__ = (
        Index("ix_application_service_state", "service_type_id", "state"),
        Index("ix_application_customer_created", "customer_id", "created_at"),
        Index("ix_application_state_due", "state", "state_due_at"),
        Index("ix_application_agency_created", "agency_id", "created_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    service_type_id: Mapped[int] = mapped_column(ForeignKey("service_type.id"), nullable=False)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), nullable=False)
    rules_version_id: Mapped[int] = mapped_column(ForeignKey("rules_version.id"), nullable=False)
    customer_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id"), nullable=False)
    assignee_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"), index=True)
    asset_id: Mapped[Optional[int]] = mapped_column(ForeignKey("asset.id"), index=True)
    number: Mapped[Optional[str]] = mapped_column(String(64), unique=True)
    receipt: Mapped[Optional[str]] = mapped_column(String(64), unique=True)
    request_kind: Mapped[str] = mapped_column(String(32), default="baru", nullable=False)
    state: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    state_kind: Mapped[str] = mapped_column(String(32), nullable=False, default="working")
    data: Mapped[dict] = mapped_column(JSONType, default=dict, nullable=False)
    company: Mapped[dict] = mapped_column(JSONType, default=dict, nullable=False)
    location: Mapped[dict] = mapped_column(JSONType, default=dict, nullable=False)
    numbers: Mapped[dict] = mapped_column(JSONType, default=dict, nullable=False)
    deadlines: Mapped[dict] = mapped_column(JSONType, default=dict, nullable=False)
    declaration_accepted: Mapped[bool] = mapped_column(Boolean, default=False)
    total_amount: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=0, nullable=False)
    # SLA of the current state, and of the whole service (paused while the clock stops)
    state_entered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    state_due_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    state_overdue_handled: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    # the whole service's standard time: set at submission, paused (remaining kept) while the clock stops
    due_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime, index=True)
    sla_paused: Mapped[Optional[dict]] = mapped_column(JSONType)
    submitted_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    closed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    service_type = relationship("ServiceType")
    agency = relationship("Agency")
    rules_version = relationship("RulesVersion")
    customer: Mapped[User] = relationship(foreign_keys=[customer_id])
    assignee: Mapped[Optional[User]] = relationship(foreign_keys=[assignee_id])
    asset = relationship("Asset")
    cart_lines: Mapped[list["CartLine"]] = relationship(back_populates="application",
                                                       cascade="all, delete-orphan")
    files: Mapped[list["ApplicationFile"]] = relationship(back_populates="application",
                                                         cascade="all, delete-orphan")
    documents: Mapped[list["GeneratedDocument"]] = relationship(back_populates="application",
                                                               cascade="all, delete-orphan")
    payments: Mapped[list["Payment"]] = relationship(back_populates="application",
                                                     cascade="all, delete-orphan",
                                                     order_by="Payment.id")
    slots: Mapped[list["ScheduleSlot"]] = relationship(back_populates="application",
                                                       cascade="all, delete-orphan",
                                                       order_by="ScheduleSlot.starts_at")
    work_items: Mapped[list["WorkItem"]] = relationship(back_populates="application",
                                                       cascade="all, delete-orphan",
                                                       order_by="WorkItem.position")

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return self.number or self.receipt or f"#{self.id}"

    @property
    def reference(self) -> str:
        return self.number or self.receipt or f"#{self.id}"

    def _rules(self):
        """The rules version the application started with (its labels, states and actions)."""
        return rules_of_version(self.rules_version_id)

    @property
    def service_spec(self):
        """The rules' definition of this application's service."""
        return self._rules().service(self.service_type.key)

    @property
    def workflow_spec(self):
        return self._rules().workflow_for(self.service_type.key)

    @property
    def state_spec(self):
        """The rules' definition of the state the application is in ({} if the rules lack it)."""
        return self._rules().states_for(self.service_type.key).get(self.state) or {}

    @property
    def deadlines_at(self) -> dict[str, datetime]:
        """The rules' named deadlines (``set_deadline``) as aware UTC datetimes (stored as ISO text
        in JSON; text without an offset is UTC, as everything stored)."""
        from app.core.formatting import parse_datetime
        return {key: parse_datetime(value) for key, value in (self.deadlines or {}).items() if value}

    @property
    def timezone(self) -> str:
        """The agency's IANA time zone: every time of this application is shown there."""
        from app.core.formatting import zone_key
        return zone_key(self.agency)

    @property
    def state_label(self) -> str:
        from app.rules.labels import rules_label
        return rules_label(self.state_spec.get("label")) or self.state

    @property
    def state_staff_label(self) -> str:
        from app.rules.labels import rules_label
        return rules_label(self.state_spec.get("staff_label")) or self.state_label


class CartLine(Model):
    __tablename__ = "cart_line"
    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), nullable=False, index=True)
    catalogue_item_id: Mapped[int] = mapped_column(ForeignKey("catalogue_item.id"), nullable=False)
    quantity: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    unit_price: Mapped[Decimal] = mapped_column(Numeric(14, 2), nullable=False)
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2), nullable=False)
    note: Mapped[str] = mapped_column(Text, default="")
    application: Mapped[Application] = relationship(back_populates="cart_lines")
    item = relationship("CatalogueItem")


class StoredFile(Model, TimestampMixin):
    """Bytes on disk under the upload folder, named by their sha256; this row is their only index."""

    __tablename__ = "stored_file"
    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"), index=True)
    original_name: Mapped[str] = mapped_column(String(255), nullable=False)
    label: Mapped[str] = mapped_column(String(255), default="")
    kind: Mapped[str] = mapped_column(String(16), nullable=False)      # sniffed: pdf, png, ...
    content_type: Mapped[str] = mapped_column(String(128), nullable=False)
    size: Mapped[int] = mapped_column(BigInteger, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    storage_path: Mapped[str] = mapped_column(String(512), nullable=False)
    in_library: Mapped[bool] = mapped_column(Boolean, default=False)  # shown in "File Saya"

    def __repr__(self) -> str:
        return self.label or self.original_name


class ApplicationFile(Model, TimestampMixin):
    """A file attached to an application: a requirement, a payment proof, a result, a photo."""

    __tablename__ = "application_file"
    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), nullable=False, index=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_file.id"), nullable=False)
    purpose: Mapped[str] = mapped_column(String(32), nullable=False)   # requirement|payment_proof|result|other
    doc_key: Mapped[str] = mapped_column(String(64), default="")
    superseded: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    audit_event_id: Mapped[Optional[int]] = mapped_column(ForeignKey("audit_event.id"))
    uploaded_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))
    application: Mapped[Application] = relationship(back_populates="files")
    file: Mapped[StoredFile] = relationship()


class GeneratedDocument(Model, TimestampMixin):
    """A PDF the platform issues (receipt, invoice, kuitansi, licence, LHU …), verifiable by code."""

    __tablename__ = "generated_document"
    __table_args__ = (Index("ix_generated_document_app_key", "application_id", "doc_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), nullable=False)
    doc_key: Mapped[str] = mapped_column(String(64), nullable=False)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    number: Mapped[Optional[str]] = mapped_column(String(64))
    verify_code: Mapped[str] = mapped_column(String(32), unique=True, nullable=False)
    status: Mapped[str] = mapped_column(String(16), default="pending", nullable=False)  # pending|ready|failed
    file_id: Mapped[Optional[int]] = mapped_column(ForeignKey("stored_file.id"))
    sha256: Mapped[Optional[str]] = mapped_column(String(64))
    signed: Mapped[bool] = mapped_column(Boolean, default=False)
    signatory_id: Mapped[Optional[int]] = mapped_column(ForeignKey("signatory.id"))
    signed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    audit_event_id: Mapped[Optional[int]] = mapped_column(ForeignKey("audit_event.id"))
    error: Mapped[str] = mapped_column(Text, default="")
    # masa berlaku from the rules' ``validity`` (agency-local calendar dates; None: no expiry)
    valid_from: Mapped[Optional[date]] = mapped_column(Date)
    valid_until: Mapped[Optional[date]] = mapped_column(Date, index=True)
    # the expiry reminders already queued, by days-before (each is sent once), and the local day
    # the next one is due (None: no reminder left) — what the tick queries
    reminders_sent: Mapped[list] = mapped_column(JSONType, default=list, nullable=False)
    remind_on: Mapped[Optional[date]] = mapped_column(Date, index=True)
    application: Mapped[Application] = relationship(back_populates="documents")

    def expired(self, today: date) -> bool:
        return self.valid_until is not None and today > self.valid_until
    file: Mapped[Optional[StoredFile]] = relationship()


class Payment(Model, TimestampMixin):
    """An invoice to pay, the customer's proof, and the treasurer's decision on it."""

    __tablename__ = "payment"
    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), nullable=False, index=True)
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="unpaid", index=True)
    billing_code: Mapped[str] = mapped_column(String(64), default="")
    bank_account_id: Mapped[Optional[int]] = mapped_column(ForeignKey("bank_account.id"))
    proof_file_id: Mapped[Optional[int]] = mapped_column(ForeignKey("stored_file.id"))
    reference_no: Mapped[str] = mapped_column(String(128), default="")
    paid_on: Mapped[Optional[str]] = mapped_column(String(10))
    # what the treasurer recorded on validating: the amount that reached the account, the bank's
    # reference and, for state revenue (PNBP), the NTPN
    amount_received: Mapped[Optional[Decimal]] = mapped_column(Numeric(14, 2))
    bank_reference: Mapped[str] = mapped_column(String(128), default="", nullable=False)
    ntpn: Mapped[str] = mapped_column(String(16), default="", nullable=False)
    # the invoice's due date (from the rules) and whether its overdue behaviour has run
    due_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime, index=True)
    overdue_handled: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    opened_by: Mapped[str] = mapped_column(String(64), default="", nullable=False)  # the action that issued it
    # a suspended attempt kept as history once the customer sent a new proof
    superseded_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    sla_paused: Mapped[Optional[dict]] = mapped_column(JSONType)
    submitted_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))
    decided_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(Text, default="")
    # a tariff computed by the rules' amount_expr, in Indonesian words ("3 hari × Rp 1.500.000 =
    # Rp 4.500.000"); "" for a fixed amount or a cart total
    computation: Mapped[str] = mapped_column(Text, default="", nullable=False, server_default="")
    # the line's kind: fee, deposit (uang jaminan) or refund (a deposit transferred back: amount,
    # paid_on = transfer date, bank_reference, refund_account, refund_of = the deposit)
    kind: Mapped[str] = mapped_column(String(16), default="fee", nullable=False, server_default="fee")
    refund_account: Mapped[str] = mapped_column(String(255), default="", nullable=False, server_default="")
    refund_of_id: Mapped[Optional[int]] = mapped_column(ForeignKey("payment.id"))
    application: Mapped[Application] = relationship(back_populates="payments")
    bank_account = relationship("BankAccount")
    proof_file = relationship("StoredFile")

    @property
    def shortfall(self) -> Decimal:
        """How much less than due was received (0 when not recorded or fully paid)."""
        if self.amount_received is None or self.amount_received >= self.amount:
            return Decimal(0)
        return self.amount - self.amount_received


class ScheduleSlot(Model, TimestampMixin):
    __tablename__ = "schedule_slot"
    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), nullable=False, index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    ends_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    location: Mapped[str] = mapped_column(String(255), default="")
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="offered")  # offered|chosen|withdrawn
    application: Mapped[Application] = relationship(back_populates="slots")


class IdempotencyRecord(Model, TimestampMixin):
    """The stored answer to a request made with an ``Idempotency-Key`` header."""

    __tablename__ = "idempotency_record"
    __table_args__ = (UniqueConstraint("user_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id"), nullable=False)
    key: Mapped[str] = mapped_column(String(128), nullable=False)
    request_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    status_code: Mapped[int] = mapped_column(Integer, nullable=False)
    response: Mapped[dict] = mapped_column(JSONType, nullable=False)


class WorkItem(Model, TimestampMixin):
    """One row of an application's work (e.g. one test parameter of a lab order), made from a cart
    line: the staff member assigned to it, the values entered for it and where it stands
    (assigned → entered → verified → validated; returned sends it back to its assignee)."""

    __tablename__ = "work_item"
    __table_args__ = (Index("ix_work_item_assignee_status", "assignee_id", "status"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), nullable=False, index=True)
    cart_line_id: Mapped[Optional[int]] = mapped_column(ForeignKey("cart_line.id"))
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    code: Mapped[str] = mapped_column(String(64), default="", nullable=False)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    assignee_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="new")
    values: Mapped[dict] = mapped_column(JSONType, default=dict, nullable=False)
    # column key -> [application_file.id, ...]: the raw-data files of this row
    files: Mapped[dict] = mapped_column(JSONType, default=dict, nullable=False)
    note: Mapped[str] = mapped_column(Text, default="", nullable=False)  # why it was returned
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    application: Mapped[Application] = relationship(back_populates="work_items")
    assignee: Mapped[Optional[User]] = relationship(foreign_keys=[assignee_id])

    __mapper_args__ = {"version_id_col": version}
