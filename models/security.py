"""Security models: the security log, and the per-user stamp that revokes sessions and tokens."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from flask_appbuilder import Model
from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import UTCDateTime, utcnow


class SecurityEvent(Model):
    """One security-relevant event: a failed login, a 403, a 429, a logout, a revocation.

    ``user_id`` is kept without a foreign key so the log outlives a deleted account.
    """

    __tablename__ = "security_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(32), nullable=False, index=True)
    user_id: Mapped[Optional[int]] = mapped_column(Integer, index=True)
    username: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    ip: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    method: Mapped[str] = mapped_column(String(10), nullable=False, default="")
    path: Mapped[str] = mapped_column(String(512), nullable=False, default="")
    detail: Mapped[str] = mapped_column(Text, nullable=False, default="")

    def __repr__(self) -> str:
        return f"<SecurityEvent {self.kind} {self.username or self.user_id or '-'} {self.path}>"


class UserSessionStamp(Model):
    """The current session stamp of a user. Every browser session and JWT carries the stamp it was
    issued with; changing it (logout, password/role change, deactivation) ends all of them at once."""

    __tablename__ = "user_session_stamp"
    user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id", ondelete="CASCADE"), primary_key=True)
    stamp: Mapped[str] = mapped_column(String(32), nullable=False)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class AuthStamp(Model):
    """A stamp every web process reads with the request's user: ``permissions`` changes whenever a
    role, a permission, a role's permissions or a user's groups change, and each process drops its
    cached permission answers when it sees a new one (app/security/auth_cache.py)."""

    __tablename__ = "auth_stamp"
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    stamp: Mapped[str] = mapped_column(String(32), nullable=False)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
