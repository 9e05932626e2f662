"""Who may sign in to the web interface, and with what: passwords, API tokens, throttling.

Passwords are hashed with argon2id (memory-hard, so a stolen table is slow to crack);
API tokens are 256-bit random strings, so a plain SHA-256 of them is enough to store:
nobody can guess a preimage of a random value, and the lookup stays one indexed query.
Failed logins are throttled by client address and by user name with exponential
back-off (services.auth.login_throttle), in the database, so every web worker shares it.
Whatever the name, the answer to a failed login is the same words after the same work:
a user that does not exist, or has no password, is checked against a dummy argon2 hash
of the same cost. The web layer only calls these functions; the rules live here.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select

from ombud.governance import Action, InvalidInput, NotFoundError, Target, authorize
from ombud.governance.authorization import check_token_scopes
from ombud.services.auth import login_throttle
from ombud.services.auth.login_throttle import LoginThrottle
from ombud.services.auth.web_sessions import revoke_user_sessions
from ombud.services.context import Actor, AppContext, load_actor
from ombud.store.models import UserRow
from ombud.store.models_auth import ApiTokenRow, PasswordRow

__all__ = [
    "DEFAULT_HASHER",
    "MIN_PASSWORD_LENGTH",
    "SCOPES",
    "TOKEN_PREFIX",
    "ApiToken",
    "AuthenticationFailed",
    "LoginThrottle",
    "LoginThrottled",
    "TokenIdentity",
    "authenticate_password",
    "authenticate_token",
    "issue_token",
    "list_tokens",
    "prime_dummy_hash",
    "revoke_token",
    "set_password",
]

MIN_PASSWORD_LENGTH = 12
SCOPES = ("read", "write")
TOKEN_PREFIX = "ombud_"
# argon2-cffi's defaults follow RFC 9106's second recommended option (argon2id, 64 MiB).
DEFAULT_HASHER = PasswordHasher()
_TOUCH_EVERY = dt.timedelta(seconds=60)
DEFAULT_THROTTLE = LoginThrottle()


class AuthenticationFailed(ValueError):
    """Wrong user name, password or token; deliberately says no more than that."""


class LoginThrottled(AuthenticationFailed):
    """Too many failed logins from this address or for this name; try after a delay."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            "too many failed logins from this address or for this user name; "
            f"try again in {retry_after} s"
        )
        self.retry_after = retry_after


@dataclass(frozen=True, kw_only=True)
class ApiToken:
    """An API token as its holder and admins see it: never the secret, only its name,
    scopes and lifetime. ``to_dict()`` is the JSON of ``--json`` and of the audit events."""

    id: int
    username: str
    name: str
    scopes: tuple[str, ...]
    created_by: str
    created_at: dt.datetime
    revoked_at: dt.datetime | None
    last_used_at: dt.datetime | None

    @classmethod
    def from_row(cls, row: ApiTokenRow) -> ApiToken:
        return cls(
            id=row.id,
            username=row.username,
            name=row.name,
            scopes=tuple(row.scopes),
            created_by=row.created_by,
            created_at=row.created_at,
            revoked_at=row.revoked_at,
            last_used_at=row.last_used_at,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "username": self.username,
            "name": self.name,
            "scopes": list(self.scopes),
            "created_by": self.created_by,
            "created_at": self.created_at.isoformat(),
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
            "last_used_at": self.last_used_at.isoformat() if self.last_used_at else None,
        }


@dataclass(frozen=True)
class TokenIdentity:
    actor: Actor
    scopes: frozenset[str]
    token_id: int


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _may(actor: Actor, username: str, doing: str) -> None:
    """The user themself or an admin (the authorization table's user.credentials)."""
    target = Target.account(username)
    authorize(actor.username, actor.roles, Action.USER_CREDENTIALS, target, doing=doing)


def set_password(
    context: AppContext,
    actor: Actor,
    username: str,
    password: str,
    hasher: PasswordHasher = DEFAULT_HASHER,
) -> None:
    """Set (or reset) a user's password: the user themself, or an admin. Clears the
    back-off counted against the user name.

    ``hasher`` sets argon2's cost; tests pass a cheap one, deployments keep the default.
    """
    _may(actor, username, "set the password of")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"the password is {len(password)} characters long; use at least "
            f"{MIN_PASSWORD_LENGTH} (a few unrelated words work well)"
        )
    if password.strip().lower() == username.lower():
        raise InvalidInput("the password may not be the user name")
    hashed = hasher.hash(password)
    with context.write(actor) as tx:
        _may(tx.actor, username, "set the password of")  # the roles in force now
        user = tx.session.get(UserRow, username)
        if user is None:
            raise NotFoundError(f"no workspace user '{username}'; see `ombud user list`")
        row = tx.session.get(PasswordRow, username)
        created = row is None
        if row is None:
            row = PasswordRow(username=username, password_hash=hashed, failed_attempts=0)
            tx.session.add(row)
        row.password_hash = hashed
        row.updated_at = _now()
        login_throttle.clear_account(tx.session, username)
        # A new password ends every browser session of the user, wherever it was opened.
        revoked = revoke_user_sessions(tx.session, username, actor.username)
        # The hash itself never enters the audit trail.
        tx.record(
            "user.password",
            "user",
            username,
            before=None,
            after={"username": username, "password": "set"},
            details={"first": created, "sessions_revoked": revoked},
        )


def authenticate_password(
    context: AppContext,
    username: str,
    password: str,
    throttle: LoginThrottle = DEFAULT_THROTTLE,
    *,
    hasher: PasswordHasher = DEFAULT_HASHER,
    now: dt.datetime | None = None,
    client: str = "",
    trusted: bool = False,
) -> Actor:
    """The active user whose password this is, or AuthenticationFailed.

    ``client`` is the address the attempt came from; ``trusted`` says the browser has
    signed in as ``username`` before (then only its own count for this name and address
    applies, see services.auth.login_throttle). LoginThrottled, without checking the
    password, while a key of the attempt is in back-off.
    """
    if not username or not password:  # names nothing, so it tells nothing: not counted
        raise AuthenticationFailed("enter a user name and a password")
    moment = now or _now()
    with context.sessions() as session, session.begin():
        try:
            spent = login_throttle.charge(
                session, throttle, client=client, account=username, trusted=trusted, now=moment
            )
        except login_throttle.Throttled as exc:
            raise LoginThrottled(exc.retry_after) from None
        row = session.get(PasswordRow, username)
        stored = row.password_hash if row is not None else None
    # The same argon2 work whether the user exists, has a password, or not.
    if not _verify(hasher, stored or _dummy_hash(hasher), password) or stored is None:
        raise AuthenticationFailed("wrong user name or password")
    with context.sessions() as session, session.begin():
        login_throttle.refund(session, spent)
        if hasher.check_needs_rehash(stored):
            found = session.get(PasswordRow, username)
            if found is not None and found.password_hash == stored:
                found.password_hash = hasher.hash(password)
    try:
        with context.read() as session:
            return load_actor(session, username)
    except NotFoundError:
        raise AuthenticationFailed("wrong user name or password") from None


@functools.lru_cache(maxsize=8)
def _dummy_for(parameters: tuple[int, int, int, int, int, str]) -> str:
    time_cost, memory_cost, parallelism, hash_len, salt_len, kind = parameters
    hasher = PasswordHasher(
        time_cost, memory_cost, parallelism, hash_len, salt_len, type=Type[kind]
    )
    return hasher.hash(secrets.token_urlsafe(16))


def prime_dummy_hash(hasher: PasswordHasher) -> None:
    """Make the dummy hash now (a server's start), so that even the first failed login
    with an unknown name costs no more than any other."""
    _dummy_hash(hasher)


def _dummy_hash(hasher: PasswordHasher) -> str:
    """A hash of a random password with ``hasher``'s cost, made once per cost."""
    return _dummy_for(
        (
            hasher.time_cost,
            hasher.memory_cost,
            hasher.parallelism,
            hasher.hash_len,
            hasher.salt_len,
            hasher.type.name,
        )
    )


def _verify(hasher: PasswordHasher, hashed: str, password: str) -> bool:
    try:
        return hasher.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False


def _parse_scopes(scopes: list[str] | tuple[str, ...]) -> list[str]:
    chosen = sorted({s.strip().lower() for s in scopes})
    unknown = [s for s in chosen if s not in SCOPES]
    if unknown or not chosen:
        raise InvalidInput(
            f"token scope {', '.join(unknown) or '(none)'} is unknown; use read or write"
        )
    return chosen


def issue_token(
    context: AppContext,
    actor: Actor,
    username: str,
    scopes: list[str] | tuple[str, ...],
    name: str = "",
) -> tuple[str, ApiToken]:
    """A new API token for ``username`` (self or admin); the secret is returned once only."""
    _may(actor, username, "issue an API token for")
    chosen = _parse_scopes(scopes)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with context.write(actor) as tx:
        _may(tx.actor, username, "issue an API token for")  # the roles in force now
        holder = load_actor(tx.session, username)
        check_token_scopes(username, holder.roles, chosen)
        row = ApiTokenRow(
            username=username,
            name=name.strip() or "api token",
            token_sha256=_digest(secret),
            scopes=chosen,
            created_by=actor.username,
            created_at=_now(),
        )
        tx.session.add(row)
        tx.session.flush()
        info = ApiToken.from_row(row)
        tx.record("token.issue", "api_token", str(row.id), before=None, after=info.to_dict())
    return secret, info


def list_tokens(context: AppContext, username: str | None = None) -> list[ApiToken]:
    """API tokens (revoked ones too), oldest first, optionally of one user."""
    query = select(ApiTokenRow).order_by(ApiTokenRow.id)
    if username:
        query = query.where(ApiTokenRow.username == username)
    with context.read() as session:
        return [ApiToken.from_row(row) for row in session.execute(query).scalars()]


def revoke_token(context: AppContext, actor: Actor, token_id: int) -> ApiToken:
    """Revoke a token (its user or an admin); revoking twice is a no-op."""
    with context.write(actor) as tx:
        row = tx.session.get(ApiTokenRow, token_id)
        if row is None:
            raise NotFoundError(f"no API token {token_id}; see `ombud user token-list`")
        _may(tx.actor, row.username, f"revoke token {token_id} of")
        if row.revoked_at is None:
            before = ApiToken.from_row(row).to_dict()
            row.revoked_at = _now()
            after = ApiToken.from_row(row)
            tx.record(
                "token.revoke", "api_token", str(row.id), before=before, after=after.to_dict()
            )
            return after
        return ApiToken.from_row(row)


def authenticate_token(context: AppContext, token: str) -> TokenIdentity:
    """The user and scopes of a live token, or AuthenticationFailed."""
    if not token.startswith(TOKEN_PREFIX):
        raise AuthenticationFailed("not an Ombud API token")
    with context.sessions() as session, session.begin():
        row = session.execute(
            select(ApiTokenRow).where(ApiTokenRow.token_sha256 == _digest(token))
        ).scalar_one_or_none()
        if row is None or row.revoked_at is not None:
            raise AuthenticationFailed("unknown or revoked API token")
        try:
            actor = load_actor(session, row.username)
        except NotFoundError:
            raise AuthenticationFailed("the token's user is no longer active") from None
        now = _now()
        # Refreshed at most once a minute: a write (and a row lock shared by every client
        # of one CI token) on each API call would serialise the API for a timestamp.
        if row.last_used_at is None or now - row.last_used_at >= _TOUCH_EVERY:
            row.last_used_at = now
        return TokenIdentity(actor, frozenset(row.scopes), row.id)
