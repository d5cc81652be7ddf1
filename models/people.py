"""Customer and staff profiles beside Flask-AppBuilder's ``ab_user``; customer assets (instruments)."""
from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from flask_appbuilder import Model
from flask_appbuilder.security.sqla.models import User
from sqlalchemy import Column, Date, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import JSONType, TimestampMixin, UTCDateTime

CUSTOMER_KINDS = ("person", "company", "institution")


class CustomerProfile(Model, TimestampMixin):
    __tablename__ = "customer_profile"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id"), unique=True, nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False, default="person")
    full_name: Mapped[str] = mapped_column(String(255), nullable=False)
    nik: Mapped[Optional[str]] = mapped_column(String(16), unique=True)
    npwp: Mapped[Optional[str]] = mapped_column(String(16), index=True)
    gender: Mapped[str] = mapped_column(String(1), default="")
    birth_date: Mapped[Optional[date]] = mapped_column(Date)
    education: Mapped[str] = mapped_column(String(32), default="")
    occupation: Mapped[str] = mapped_column(String(128), default="")
    phone: Mapped[str] = mapped_column(String(20), default="")
    address: Mapped[str] = mapped_column(Text, default="")
    province: Mapped[str] = mapped_column(String(128), default="")
    regency: Mapped[str] = mapped_column(String(128), default="")
    district: Mapped[str] = mapped_column(String(128), default="")
    village: Mapped[str] = mapped_column(String(128), default="")
    postal_code: Mapped[str] = mapped_column(String(10), default="")
    # company / institution
    organisation_name: Mapped[str] = mapped_column(String(255), default="")
    organisation_type: Mapped[str] = mapped_column(String(64), default="")
    organisation_npwp: Mapped[Optional[str]] = mapped_column(String(16))
    organisation_address: Mapped[str] = mapped_column(Text, default="")
    organisation_email: Mapped[str] = mapped_column(String(255), default="")
    organisation_phone: Mapped[str] = mapped_column(String(20), default="")
    email_verified_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    user: Mapped[User] = relationship(foreign_keys=[user_id])

    def __repr__(self) -> str:
        return self.full_name

    @property
    def full_address(self) -> str:
        """The street line with village, district, regency, province and postal code."""
        from app.core.formatting import format_address
        return format_address(self.address, self.village, self.district, self.regency, self.province,
                              self.postal_code)


staff_service = Table(
    "staff_service",
    Model.metadata,
    Column("staff_profile_id", Integer, ForeignKey("staff_profile.id"), primary_key=True),
    Column("service_type_id", Integer, ForeignKey("service_type.id"), primary_key=True),
)


class StaffProfile(Model, TimestampMixin):
    """Which agency a staff member works for, and optionally which of its services."""

    __tablename__ = "staff_profile"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id"), unique=True, nullable=False)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), nullable=False, index=True)
    nip: Mapped[str] = mapped_column(String(32), default="")
    position: Mapped[str] = mapped_column(String(255), default="")
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    agency = relationship("Agency")
    services = relationship("ServiceType", secondary=staff_service)

    def __repr__(self) -> str:
        return f"{self.user.username} @ {self.agency}"


class Asset(Model, TimestampMixin):
    """A customer's instrument (e.g. a UTTP for tera / tera ulang)."""

    __tablename__ = "asset"
    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id"), nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    brand: Mapped[str] = mapped_column(String(128), default="")
    model: Mapped[str] = mapped_column(String(128), default="")
    serial_number: Mapped[str] = mapped_column(String(128), default="")
    capacity: Mapped[str] = mapped_column(String(128), default="")
    location: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict] = mapped_column(JSONType, default=dict)
    photo_file_id: Mapped[Optional[int]] = mapped_column(ForeignKey("stored_file.id"))
    owner: Mapped[User] = relationship(foreign_keys=[owner_id])

    def __repr__(self) -> str:
        return f"{self.name} {self.serial_number}".strip()


class AssetTransfer(Model, TimestampMixin):
    __tablename__ = "asset_transfer"
    id: Mapped[int] = mapped_column(primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("asset.id"), nullable=False, index=True)
    from_user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id"), nullable=False)
    to_user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id"), nullable=False)


class AccountToken(Model, TimestampMixin):
    """A single-use secret sent to a user: an email verification link or code, a password-reset PIN.
    Only its hash is stored; it expires and allows a few attempts."""

    __tablename__ = "account_token"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id"), nullable=False, index=True)
    purpose: Mapped[str] = mapped_column(String(32), nullable=False)   # verify_email | reset_password
    code_hash: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    used_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class ApplicationDraft(Model, TimestampMixin):
    """A customer's unfinished application form, saved from the portal wizard."""

    __tablename__ = "application_draft"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id"), nullable=False, index=True)
    service_key: Mapped[str] = mapped_column(String(64), nullable=False)
    data: Mapped[dict] = mapped_column(JSONType, default=dict, nullable=False)
    updated_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)


class CaptchaChallenge(Model):
    """One portal captcha question, kept server-side: the browser's session holds only the random
    ``id``. Single-use (``used_at``) and expiring (``PORTAL_CAPTCHA_TTL_SECONDS``)."""

    __tablename__ = "captcha_challenge"
    id: Mapped[str] = mapped_column(String(43), primary_key=True)        # secrets.token_urlsafe(32)
    form_key: Mapped[str] = mapped_column(String(16), nullable=False)
    question: Mapped[str] = mapped_column(String(32), nullable=False)
    answer_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, index=True)
    used_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
