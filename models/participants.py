"""Participants of agencies that declare participant groups (e.g. a metrology office's instrument
owners and equipment providers) and the customers an equipment provider manages."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from flask_appbuilder import Model
from flask_appbuilder.security.sqla.models import User
from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import JSONType, TimestampMixin, UTCDateTime

# ProviderCustomer.status
CUSTOMER_ACTIVE = "aktif"              # in the provider's list
OWNER_REQUESTED = "menunggu"           # registration as an owner waits for the agency's administrator
OWNER_APPROVED = "pemilik"             # registered owner with a portal account
OWNER_REFUSED = "ditolak"              # the administrator refused the registration
CUSTOMER_RELEASED = "dilepas"          # released by the provider
PROVIDER_CUSTOMER_STATUSES = (CUSTOMER_ACTIVE, OWNER_REQUESTED, OWNER_APPROVED, OWNER_REFUSED, CUSTOMER_RELEASED)


class Participant(Model, TimestampMixin):
    """A customer's participant group at one agency (a key of the agency's ``participant_groups``)."""

    __tablename__ = "participant"
    __table_args__ = (UniqueConstraint("user_id", "agency_id", name="uq_participant_user_agency"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id"), nullable=False, index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), nullable=False, index=True)
    group_key: Mapped[str] = mapped_column(String(64), nullable=False)
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    agency = relationship("Agency")


class ProviderCustomer(Model, TimestampMixin):
    """A customer who uses an equipment provider's instruments, found by NPWP; the provider may ask
    the agency to register them as an owner (an administrator decides) and may release them."""

    __tablename__ = "provider_customer"
    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id"), nullable=False, index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), nullable=False, index=True)
    npwp: Mapped[str] = mapped_column(String(16), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    address: Mapped[str] = mapped_column(Text, default="")
    phone: Mapped[str] = mapped_column(String(20), default="")
    email: Mapped[str] = mapped_column(String(255), default="")
    customer_user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=CUSTOMER_ACTIVE)
    # the person in charge (PIC) who will manage the owner's instruments on the portal
    pic_name: Mapped[str] = mapped_column(String(255), default="")
    pic_nik: Mapped[Optional[str]] = mapped_column(String(16))
    pic_email: Mapped[str] = mapped_column(String(255), default="")
    pic_phone: Mapped[str] = mapped_column(String(20), default="")
    requested_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    decided_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))
    decision_note: Mapped[str] = mapped_column(Text, default="")
    released_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    # the audit trail of this row: [{"at", "by", "action", "note", ...}]
    history: Mapped[list] = mapped_column(JSONType, default=list, nullable=False)
    provider: Mapped[User] = relationship(foreign_keys=[provider_id])
    customer_user: Mapped[Optional[User]] = relationship(foreign_keys=[customer_user_id])
    decided_by: Mapped[Optional[User]] = relationship(foreign_keys=[decided_by_id])
    agency = relationship("Agency")

    def __repr__(self) -> str:
        return f"{self.name} ({self.npwp})"
