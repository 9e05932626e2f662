"""Browser sessions kept on the server, so that signing out, a password change or an
admin's revocation ends a session at once, in every worker.

A signed cookie alone cannot be taken back: whoever copied it could use it until it
expired. So the cookie also carries a random secret whose SHA-256 names a row here; a
request is signed in only while that row is live. The secret is 256 random bits, so a
plain hash is enough to store it (as with API tokens). Sign-ins and revocations enter
the audit trail; ordinary page views do not.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from ombud.governance import Action, InvalidInput, NotFoundError, Target, authorize
from ombud.services.context import Actor, AppContext, load_actor
from ombud.store.models_auth import WebSessionRow

__all__ = [
    "METHODS",
    "SessionInvalid",
    "WebSession",
    "check_session",
    "close_session",
    "list_sessions",
    "open_session",
    "revoke_sessions",
    "revoke_user_sessions",
    "session_id",
]

METHODS = ("password", "oidc")
#: The process identity that closes the session of a user who was deactivated.
SIGN_OUT_PROCESS = Actor("ombud-web", frozenset())
# last_seen_at is refreshed at most this often, so that reading a page is not a write.
_TOUCH_EVERY = dt.timedelta(seconds=60)
# Dead rows (expired or revoked) are kept this long for `ombud user sessions --all`.
_KEEP_DEAD = dt.timedelta(days=30)


class SessionInvalid(ValueError):
    """The cookie names no live session (signed out, revoked, expired, or user disabled)."""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


@dataclass(frozen=True, kw_only=True)
class WebSession:
    """A browser's sign-in as listed to its user and to admins; ``live`` is computed at
    the moment of reading (not revoked and not expired), never stored."""

    id: int
    username: str
    method: str  # password | oidc
    client: str
    created_at: dt.datetime
    last_seen_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None
    revoked_by: str | None
    live: bool

    @classmethod
    def from_row(cls, row: WebSessionRow, now: dt.datetime) -> WebSession:
        return cls(
            id=row.id,
            username=row.username,
            method=row.method,
            client=row.client,
            created_at=row.created_at,
            last_seen_at=row.last_seen_at,
            expires_at=row.expires_at,
            revoked_at=row.revoked_at,
            revoked_by=row.revoked_by,
            live=row.revoked_at is None and row.expires_at > now,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "username": self.username,
            "method": self.method,
            "client": self.client,
            "created_at": self.created_at.isoformat(),
            "last_seen_at": self.last_seen_at.isoformat(),
            "expires_at": self.expires_at.isoformat(),
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
            "revoked_by": self.revoked_by,
            "live": self.live,
        }


def open_session(
    context: AppContext,
    username: str,
    *,
    method: str,
    lifetime: dt.timedelta,
    client: str = "",
) -> str:
    """Record a new session for an already authenticated, active user; returns its secret.

    ``client`` is free text for the owner to recognise the session (browser, address).
    """
    if method not in METHODS:
        raise InvalidInput(f"unknown sign-in method '{method}'; use one of {', '.join(METHODS)}")
    if lifetime <= dt.timedelta(0):
        raise InvalidInput("a session lifetime must be positive")
    secret = secrets.token_urlsafe(32)
    now = _now()
    with context.sessions() as session, session.begin():
        actor = load_actor(session, username)  # NotFoundError for an unknown/inactive user
    with context.write(actor) as tx:
        tx.session.execute(delete(WebSessionRow).where(WebSessionRow.expires_at < now - _KEEP_DEAD))
        row = WebSessionRow(
            username=username,
            secret_sha256=_digest(secret),
            method=method,
            client=client[:300],
            created_at=now,
            last_seen_at=now,
            expires_at=now + lifetime,
        )
        tx.session.add(row)
        tx.session.flush()
        tx.record(
            "session.open",
            "web_session",
            str(row.id),
            before=None,
            after={
                "username": username,
                "method": method,
                "expires_at": row.expires_at.isoformat(),
            },
            details={"method": method},  # readable in the log: `after` is kept as a digest
        )
    return secret


def check_session(context: AppContext, secret: str) -> Actor:
    """The signed-in user of a live session, or SessionInvalid."""
    now = _now()
    with context.sessions() as session, session.begin():
        row = session.execute(
            select(WebSessionRow).where(WebSessionRow.secret_sha256 == _digest(secret))
        ).scalar_one_or_none()
        if row is None or row.revoked_at is not None:
            raise SessionInvalid("this session was signed out or revoked")
        if row.expires_at <= now:
            raise SessionInvalid("this session has expired")
        try:
            actor = load_actor(session, row.username)
        except NotFoundError:
            raise SessionInvalid(f"user '{row.username}' is no longer active") from None
        if now - row.last_seen_at >= _TOUCH_EVERY:
            row.last_seen_at = now
        return actor


def session_id(context: AppContext, secret: str) -> int | None:
    """The record id of the session holding ``secret`` (to mark "this browser" in a list)."""
    with context.read() as session:
        found: int | None = session.execute(
            select(WebSessionRow.id).where(WebSessionRow.secret_sha256 == _digest(secret))
        ).scalar_one_or_none()
        return found


def close_session(context: AppContext, secret: str) -> None:
    """Sign this session out (its own user, by holding the secret); unknown ones are a no-op."""
    with context.sessions() as session, session.begin():
        row = session.execute(
            select(WebSessionRow).where(WebSessionRow.secret_sha256 == _digest(secret))
        ).scalar_one_or_none()
        if row is None or row.revoked_at is not None:
            return
        username, row_id = row.username, row.id
        try:
            actor = load_actor(session, username)
        except NotFoundError:
            # A deactivated user may write nothing, not even the record of signing out:
            # the web process closes the session in its own name (no user row, no role).
            actor = SIGN_OUT_PROCESS
    with context.write(actor) as tx:
        _revoke(tx.session, [row_id], actor.username)
        tx.record(
            "session.close", "web_session", str(row_id), before=None, after={"username": username}
        )


def _revoke(session: Session, ids: list[int], by: str) -> None:
    session.execute(
        update(WebSessionRow)
        .where(WebSessionRow.id.in_(ids), WebSessionRow.revoked_at.is_(None))
        .values(revoked_at=_now(), revoked_by=by)
    )


def revoke_user_sessions(
    session: Session, username: str, by: str, *, keep: int | None = None
) -> list[int]:
    """Revoke every live session of ``username`` (but ``keep``) in the caller's transaction.

    For other services (a password change, a deactivation); returns the ids revoked.
    """
    ids = [
        found
        for found in session.execute(
            select(WebSessionRow.id).where(
                WebSessionRow.username == username,
                WebSessionRow.revoked_at.is_(None),
                WebSessionRow.expires_at > _now(),
            )
        ).scalars()
        if found != keep
    ]
    if ids:
        _revoke(session, ids, by)
    return ids


def revoke_sessions(
    context: AppContext,
    actor: Actor,
    username: str,
    session_id: int | None = None,
    *,
    keep: int | None = None,
) -> list[int]:
    """Revoke one session (``session_id``) or all live sessions of ``username`` but ``keep``
    (the browser asking to sign out its other sessions).

    The user themself may do it, and an admin for anyone.
    """
    authorize(
        actor.username,
        actor.roles,
        Action.USER_CREDENTIALS,
        Target.account(username),
        doing="sign out the sessions of",
    )
    with context.write(actor) as tx:
        if session_id is None:
            ids = revoke_user_sessions(tx.session, username, actor.username, keep=keep)
        else:
            row = tx.session.get(WebSessionRow, session_id)
            if row is None or row.username != username:
                raise NotFoundError(
                    f"no web session {session_id} of '{username}'; "
                    f"see `ombud user sessions {username}`"
                )
            ids = [row.id] if row.revoked_at is None else []
            _revoke(tx.session, ids, actor.username)
        if ids:
            tx.record(
                "session.revoke",
                "user",
                username,
                before=None,
                after={"username": username, "sessions": ids},
            )
    return ids


def list_sessions(
    context: AppContext, username: str | None = None, *, include_dead: bool = False
) -> list[WebSession]:
    """Sessions, newest first; only live ones unless ``include_dead``."""
    now = _now()
    query = select(WebSessionRow).order_by(WebSessionRow.id.desc())
    if username:
        query = query.where(WebSessionRow.username == username)
    if not include_dead:
        query = query.where(WebSessionRow.revoked_at.is_(None), WebSessionRow.expires_at > now)
    with context.read() as session:
        return [WebSession.from_row(row, now) for row in session.execute(query).scalars()]
