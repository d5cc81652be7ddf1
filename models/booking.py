"""Bookings: the slots staff offer on an agency's resource (a hall, an instrument, a team, declared in
the rules under ``agencies.<key>.resources``) and the applications holding a seat of one.

Double booking is refused by the database, the same way on SQLite and PostgreSQL: a slot takes at
most ``capacity`` bookings because each active booking holds one *seat* number 1..capacity and
``(slot_id, seat)`` is unique. A released booking keeps its row with ``seat`` NULL (NULLs never clash
in a unique constraint on either database), so the seat is free again and the history stays. Two
transactions taking the same seat at once: PostgreSQL makes the second wait for the first and then
refuses it (unique violation); SQLite serialises writers. See app/commands/booking.py.
"""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from flask_appbuilder import Model
from flask_appbuilder.security.sqla.models import User
from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import TimestampMixin, UTCDateTime


class ResourceSlot(Model, TimestampMixin):
    """A time range of one resource offered by staff; ``capacity`` is the resource's when offered."""

    __tablename__ = "resource_slot"
    __table_args__ = (Index("ix_resource_slot_resource_start", "agency_id", "resource_key", "starts_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), nullable=False)
    resource_key: Mapped[str] = mapped_column(String(64), nullable=False)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    capacity: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    whole_days: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)  # for unit: day
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="open")  # open|withdrawn
    offered_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))
    offered_by: Mapped[Optional[User]] = relationship(foreign_keys=[offered_by_id])
    bookings: Mapped[list["Booking"]] = relationship(back_populates="slot", order_by="Booking.id")

    @property
    def active_bookings(self) -> list["Booking"]:
        return [b for b in self.bookings if b.seat is not None]

    @property
    def free_seats(self) -> int:
        return max(self.capacity - len(self.active_bookings), 0)


class Booking(Model, TimestampMixin):
    """An application's seat on a slot; ``seat`` NULL once released (cancelled, rejected, re-picked)."""

    __tablename__ = "booking"
    __table_args__ = (UniqueConstraint("slot_id", "seat", name="uq_booking_slot_seat"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("resource_slot.id"), nullable=False)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), nullable=False, index=True)
    seat: Mapped[Optional[int]] = mapped_column(Integer)
    released_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    slot: Mapped[ResourceSlot] = relationship(back_populates="bookings")
    application = relationship("Application")

    @property
    def active(self) -> bool:
        return self.seat is not None
