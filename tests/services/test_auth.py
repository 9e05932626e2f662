"""Passwords, API tokens and login throttling (services/auth.py), on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select, update

from ombud.governance import InvalidInput, NotFoundError, PermissionDenied
from ombud.services import auth
from ombud.services.audit_log import iter_events
from ombud.services.context import AppContext
from ombud.services.workspaces import add_user
from ombud.store.models_auth import ApiTokenRow, PasswordRow

CHEAP = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
GOOD = "a long enough passphrase"


@pytest.fixture
def people(context: AppContext) -> AppContext:
    admin = context.actor("ada")
    add_user(context, admin, username="rex", roles=["reviewer"])
    add_user(context, admin, username="audrey", roles=["auditor"])
    auth.set_password(context, admin, "rex", GOOD, CHEAP)
    return context


def test_password_is_stored_as_argon2id_and_checks(people: AppContext) -> None:
    with people.read() as session:
        stored = session.get(PasswordRow, "rex")
        assert stored is not None
        assert stored.password_hash.startswith("$argon2id$")
        assert GOOD not in stored.password_hash
    assert auth.authenticate_password(people, "rex", GOOD, hasher=CHEAP).username == "rex"
    with pytest.raises(auth.AuthenticationFailed, match="wrong user name or password"):
        auth.authenticate_password(people, "rex", GOOD + "x", hasher=CHEAP)
    with pytest.raises(auth.AuthenticationFailed, match="wrong user name or password"):
        auth.authenticate_password(people, "nobody", GOOD, hasher=CHEAP)


def test_password_rules_and_who_may_set_them(people: AppContext) -> None:
    rex = people.actor("rex")
    with pytest.raises(InvalidInput, match="at least 12"):
        auth.set_password(people, rex, "rex", "short", CHEAP)
    with pytest.raises(InvalidInput, match="user name"):
        auth.set_password(people, people.actor("ada"), "audrey.lambert", "Audrey.Lambert", CHEAP)
    with pytest.raises(PermissionDenied, match="needs one of: admin, the user themself"):
        auth.set_password(people, rex, "audrey", GOOD, CHEAP)
    with pytest.raises(NotFoundError):
        auth.set_password(people, people.actor("ada"), "ghost", GOOD, CHEAP)
    auth.set_password(people, rex, "rex", "another long passphrase", CHEAP)  # self is fine
    events = list(iter_events(people, action="user.password"))
    assert [e["entity_id"] for e in events] == ["rex", "rex"]
    assert all("argon2" not in str(e) for e in events)


def test_throttle_locks_after_failures_even_for_the_right_password(people: AppContext) -> None:
    throttle = auth.LoginThrottle(max_failures=3, lockout=dt.timedelta(minutes=10))
    start = dt.datetime(2030, 1, 1, 12, 0, tzinfo=dt.UTC)
    for _ in range(3):
        with pytest.raises(auth.AuthenticationFailed, match="wrong"):
            auth.authenticate_password(people, "rex", "nope", throttle, hasher=CHEAP, now=start)
    with pytest.raises(auth.AuthenticationFailed, match="locked until 12:10 UTC"):
        auth.authenticate_password(people, "rex", GOOD, throttle, hasher=CHEAP, now=start)
    later = start + dt.timedelta(minutes=11)
    assert auth.authenticate_password(people, "rex", GOOD, throttle, hasher=CHEAP, now=later)


def test_success_resets_the_failure_count(people: AppContext) -> None:
    throttle = auth.LoginThrottle(max_failures=2)
    with pytest.raises(auth.AuthenticationFailed):
        auth.authenticate_password(people, "rex", "nope", throttle, hasher=CHEAP)
    auth.authenticate_password(people, "rex", GOOD, throttle, hasher=CHEAP)
    with pytest.raises(auth.AuthenticationFailed, match="wrong"):
        auth.authenticate_password(people, "rex", "nope", throttle, hasher=CHEAP)
    assert auth.authenticate_password(people, "rex", GOOD, throttle, hasher=CHEAP)


def test_admin_reset_clears_a_lockout(people: AppContext) -> None:
    throttle = auth.LoginThrottle(max_failures=1)
    with pytest.raises(auth.AuthenticationFailed):
        auth.authenticate_password(people, "rex", "nope", throttle, hasher=CHEAP)
    with pytest.raises(auth.AuthenticationFailed, match="locked"):
        auth.authenticate_password(people, "rex", GOOD, throttle, hasher=CHEAP)
    auth.set_password(people, people.actor("ada"), "rex", GOOD, CHEAP)
    assert auth.authenticate_password(people, "rex", GOOD, throttle, hasher=CHEAP)


def test_token_is_stored_hashed_scoped_and_revocable(people: AppContext) -> None:
    rex = people.actor("rex")
    secret, info = auth.issue_token(people, rex, "rex", ["read"], "notebook")
    assert secret.startswith(auth.TOKEN_PREFIX)
    assert len(secret) > 40
    with people.read() as session:
        row = session.execute(select(ApiTokenRow)).scalar_one()
        assert secret not in (row.token_sha256, row.name)
    identity = auth.authenticate_token(people, secret)
    assert identity.actor.username == "rex"
    assert identity.scopes == {"read"}
    assert auth.list_tokens(people, "rex")[0]["last_used_at"] is not None
    auth.revoke_token(people, rex, info["id"])
    with pytest.raises(auth.AuthenticationFailed, match="revoked"):
        auth.authenticate_token(people, secret)
    assert auth.revoke_token(people, rex, info["id"])["revoked_at"]  # twice is a no-op
    actions = [e["action"] for e in iter_events(people, entity_id=str(info["id"]))]
    assert actions == ["token.issue", "token.revoke"]


def test_token_last_use_is_refreshed_at_most_once_a_minute(people: AppContext) -> None:
    """Oracle: the stored timestamp itself, before and after a use, with the clock rule
    (a use within 60 s of the last recorded one leaves it; an older one moves it)."""
    secret, _ = auth.issue_token(people, people.actor("rex"), "rex", ["read"])
    auth.authenticate_token(people, secret)
    first = auth.list_tokens(people, "rex")[0]["last_used_at"]
    auth.authenticate_token(people, secret)
    assert auth.list_tokens(people, "rex")[0]["last_used_at"] == first
    stale = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=2)
    with people.read() as session:
        session.execute(update(ApiTokenRow).values(last_used_at=stale))
    auth.authenticate_token(people, secret)
    refreshed = dt.datetime.fromisoformat(auth.list_tokens(people, "rex")[0]["last_used_at"])
    assert refreshed > stale + dt.timedelta(minutes=1)


def test_token_rules(people: AppContext) -> None:
    rex, ada = people.actor("rex"), people.actor("ada")
    with pytest.raises(InvalidInput, match="admin"):
        auth.issue_token(people, rex, "rex", ["admin"])
    with pytest.raises(InvalidInput, match="none"):
        auth.issue_token(people, rex, "rex", [])
    with pytest.raises(PermissionDenied):
        auth.issue_token(people, rex, "audrey", ["read"])
    _, audreys = auth.issue_token(people, ada, "audrey", ["read"])
    with pytest.raises(PermissionDenied):
        auth.revoke_token(people, rex, audreys["id"])
    with pytest.raises(NotFoundError):
        auth.revoke_token(people, ada, 999)
    for bogus in ("", "Bearer x", auth.TOKEN_PREFIX + "not-issued"):
        with pytest.raises(auth.AuthenticationFailed):
            auth.authenticate_token(people, bogus)
