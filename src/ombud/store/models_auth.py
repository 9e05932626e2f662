"""Credentials of the web interface: password hashes, API tokens, login throttling.

Kept apart from ``users`` so a workspace used only from the CLI never holds a secret,
and so the throttle counters live in the database: every uvicorn worker sees the same
count, which an in-memory counter per process would not.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ombud.store.models import Base

__all__ = ["ApiTokenRow", "LoginThrottleRow", "PasswordRow", "WebSessionRow"]


class PasswordRow(Base):
    """``failed_attempts`` and ``locked_until`` are no longer used (the hard lockout made
    anyone able to lock anyone out); login_throttle replaced them. Kept to avoid a
    destructive migration."""

    __tablename__ = "user_passwords"

    username: Mapped[str] = mapped_column(ForeignKey("users.username"), primary_key=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None]
    updated_at: Mapped[datetime]


class ApiTokenRow(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(ForeignKey("users.username"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[list[Any]]
    created_by: Mapped[str] = mapped_column(ForeignKey("users.username"))
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]


class WebSessionRow(Base):
    """A browser session; the cookie carries the secret, only its SHA-256 is kept here."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(ForeignKey("users.username"), index=True)
    secret_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    method: Mapped[str] = mapped_column(String(20))
    client: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    revoked_by: Mapped[str | None] = mapped_column(String(64))


class LoginThrottleRow(Base):
    """Failed password logins counted per key: a client address, or a submitted user name.

    ``key`` is the SHA-256 of the kind and value, so what an attacker types is never
    stored verbatim; ``account`` keeps the user name (cut to 64 characters) so that an
    admin setting a new password can clear that account's back-off.
    """

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    account: Mapped[str | None] = mapped_column(String(64), index=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime]
    blocked_until: Mapped[datetime | None]
