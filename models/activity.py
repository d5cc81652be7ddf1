"""What happened and what must still happen: audit events, the outbox, inbox, surveys, complaints, messages."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from flask_appbuilder import Model
from flask_appbuilder.security.sqla.models import User
from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import JSONType, TimestampMixin, UTCDateTime, utcnow


class AuditEvent(Model, TimestampMixin):
    """Who did what to an application, when, with which note — the timeline is built from these."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_app_created", "application_id", "created_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), nullable=False)
    actor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))
    actor_roles: Mapped[list] = mapped_column(JSONType, default=list)
    action: Mapped[str] = mapped_column(String(64), nullable=False)
    action_label: Mapped[str] = mapped_column(String(255), default="")
    timeline_label: Mapped[str] = mapped_column(String(255), default="")
    from_state: Mapped[Optional[str]] = mapped_column(String(64))
    to_state: Mapped[str] = mapped_column(String(64), nullable=False)
    note: Mapped[str] = mapped_column(Text, default="")
    values: Mapped[dict] = mapped_column(JSONType, default=dict)
    rules_version_id: Mapped[Optional[int]] = mapped_column(ForeignKey("rules_version.id"))
    actor: Mapped[Optional[User]] = relationship(foreign_keys=[actor_id])


class OutboxMessage(Model, TimestampMixin):
    """A side effect (notification or document job) written with its transition, performed after commit."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_next", "status", "next_attempt_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)         # notification|document
    channel: Mapped[str] = mapped_column(String(32), default="")          # email|inbox|whatsapp|pdf
    application_id: Mapped[Optional[int]] = mapped_column(ForeignKey("application.id"), index=True)
    audit_event_id: Mapped[Optional[int]] = mapped_column(ForeignKey("audit_event.id"))
    recipient_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))
    recipient_address: Mapped[str] = mapped_column(String(320), default="")
    template: Mapped[str] = mapped_column(String(128), default="")
    payload: Mapped[dict] = mapped_column(JSONType, default=dict)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="pending")  # pending|sent|failed|dead
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    claimed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    sent_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")


class InboxMessage(Model, TimestampMixin):
    __tablename__ = "inbox_message"
    __table_args__ = (Index("ix_inbox_user_created", "user_id", "created_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id"), nullable=False)
    application_id: Mapped[Optional[int]] = mapped_column(ForeignKey("application.id"))
    outbox_id: Mapped[Optional[int]] = mapped_column(ForeignKey("outbox.id"), unique=True)
    subject: Mapped[str] = mapped_column(String(255), nullable=False)
    body: Mapped[str] = mapped_column(Text, default="")
    read_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    application = relationship("Application")  # its times are shown in the agency's zone


class SurveyResponse(Model, TimestampMixin):
    __tablename__ = "survey_response"
    __table_args__ = (UniqueConstraint("application_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), nullable=False)
    service_type_id: Mapped[int] = mapped_column(ForeignKey("service_type.id"), nullable=False, index=True)
    survey_key: Mapped[str] = mapped_column(String(64), nullable=False)
    respondent_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id"), nullable=False)
    answers: Mapped[dict] = mapped_column(JSONType, nullable=False)      # question key -> score
    free_text: Mapped[dict] = mapped_column(JSONType, default=dict)
    respondent: Mapped[dict] = mapped_column(JSONType, default=dict)     # gender, age, education …


class Complaint(Model, TimestampMixin):
    __tablename__ = "complaint"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id"), nullable=False, index=True)
    agency_id: Mapped[Optional[int]] = mapped_column(ForeignKey("agency.id"), index=True)
    application_id: Mapped[Optional[int]] = mapped_column(ForeignKey("application.id"))
    category: Mapped[str] = mapped_column(String(64), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="baru")  # baru|diproses|selesai
    reply: Mapped[str] = mapped_column(Text, default="")
    replied_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))
    replied_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    agency = relationship("Agency")  # its times are shown in the agency's zone


class Message(Model, TimestampMixin):
    """One message in the thread between a customer and staff about an application."""

    __tablename__ = "message"
    __table_args__ = (Index("ix_message_app_created", "application_id", "created_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), nullable=False)
    sender_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id"), nullable=False)
    body: Mapped[str] = mapped_column(Text, default="")
    attachment_file_id: Mapped[Optional[int]] = mapped_column(ForeignKey("stored_file.id"))
    read_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)


class DocumentAccess(Model, TimestampMixin):
    """UU PDP: someone opened (downloaded or previewed) a personal document of an application.

    The file's name and ids are copied, not linked, so the record outlives the file's retention."""

    __tablename__ = "document_access"
    __table_args__ = (Index("ix_document_access_app_created", "application_id", "created_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), nullable=False)
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"), index=True)
    application_file_id: Mapped[Optional[int]] = mapped_column(Integer)
    stored_file_id: Mapped[Optional[int]] = mapped_column(Integer)
    doc_key: Mapped[str] = mapped_column(String(64), default="")
    file_name: Mapped[str] = mapped_column(String(255), default="")
    mode: Mapped[str] = mapped_column(String(16), nullable=False)    # download|preview
    ip: Mapped[str] = mapped_column(String(64), default="")
    user: Mapped[Optional[User]] = relationship(foreign_keys=[user_id])
