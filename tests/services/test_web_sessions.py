"""Server-side web sessions (services/auth/web_sessions.py), on SQLite and PostgreSQL.

The oracle is the rule each test states: a session is live only until it is signed out,
revoked, expired, or its user loses access; the secret is never stored in clear.
"""

from __future__ import annotations

import datetime as dt

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select, update

from ombud.governance import InvalidInput, NotFoundError, PermissionDenied
from ombud.services import auth
from ombud.services.audit_log import iter_events
from ombud.services.auth import web_sessions
from ombud.services.context import AppContext
from ombud.services.workspaces import add_user
from ombud.store.models import UserRow
from ombud.store.models_auth import WebSessionRow

CHEAP = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
HOUR = dt.timedelta(hours=1)


@pytest.fixture
def people(context: AppContext) -> AppContext:
    admin = context.actor("ada")
    add_user(context, admin, username="rex", roles=["reviewer"])
    add_user(context, admin, username="omar", roles=["owner"])
    return context


def _open(context: AppContext, user: str = "rex") -> str:
    return web_sessions.open_session(
        context, user, method="password", lifetime=HOUR, client="127.0.0.1 test"
    )


def test_a_session_names_its_user_and_stores_only_a_hash(people: AppContext) -> None:
    secret = _open(people)
    assert web_sessions.check_session(people, secret).username == "rex"
    with people.read() as session:
        row = session.execute(select(WebSessionRow)).scalar_one()
        assert secret not in row.secret_sha256
        assert len(row.secret_sha256) == 64
    listed = web_sessions.list_sessions(people, "rex")
    assert [s.live for s in listed] == [True]
    assert listed[0].client == "127.0.0.1 test"
    assert listed[0].method == "password"
    assert [e.action for e in iter_events(people, entity_id=str(listed[0].id))] == ["session.open"]


def test_unknown_secret_and_inactive_user_are_refused(people: AppContext) -> None:
    with pytest.raises(web_sessions.SessionInvalid, match="signed out or revoked"):
        web_sessions.check_session(people, "not-a-session")
    with pytest.raises(NotFoundError, match="no active workspace user 'ghost'"):
        _open(people, "ghost")
    secret = _open(people)
    with people.read() as session:
        session.execute(update(UserRow).where(UserRow.username == "rex").values(active=False))
    with pytest.raises(web_sessions.SessionInvalid, match="no longer active"):
        web_sessions.check_session(people, secret)


def test_signing_out_ends_only_that_session(people: AppContext) -> None:
    first, second = _open(people), _open(people)
    web_sessions.close_session(people, first)
    web_sessions.close_session(people, first)  # twice is a no-op
    with pytest.raises(web_sessions.SessionInvalid):
        web_sessions.check_session(people, first)
    assert web_sessions.check_session(people, second).username == "rex"
    everything = web_sessions.list_sessions(people, "rex", include_dead=True)
    assert [s.live for s in everything] == [True, False]
    assert everything[1].revoked_by == "rex"


def test_expired_sessions_are_refused(people: AppContext) -> None:
    secret = _open(people)
    with people.read() as session:
        session.execute(
            update(WebSessionRow).values(
                expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
            )
        )
    with pytest.raises(web_sessions.SessionInvalid, match="expired"):
        web_sessions.check_session(people, secret)
    assert web_sessions.list_sessions(people, "rex") == []


def test_admin_or_self_revokes_all_or_one(people: AppContext) -> None:
    a, b, other = _open(people), _open(people), _open(people, "omar")
    omar, ada = people.actor("omar"), people.actor("ada")
    with pytest.raises(PermissionDenied, match="needs one of: admin, the user themself"):
        web_sessions.revoke_sessions(people, omar, "rex")
    one = web_sessions.list_sessions(people, "rex")[0].id
    assert web_sessions.revoke_sessions(people, people.actor("rex"), "rex", one) == [one]
    with pytest.raises(web_sessions.SessionInvalid):
        web_sessions.check_session(people, b)  # newest first: b was the one revoked
    with pytest.raises(NotFoundError, match="no web session"):
        web_sessions.revoke_sessions(people, ada, "omar", one)  # rex's, not omar's
    assert len(web_sessions.revoke_sessions(people, ada, "rex")) == 1
    with pytest.raises(web_sessions.SessionInvalid):
        web_sessions.check_session(people, a)
    assert web_sessions.check_session(people, other).username == "omar"
    assert any(e.action == "session.revoke" for e in iter_events(people, entity_id="rex"))


def test_a_new_password_ends_every_session_of_that_user(people: AppContext) -> None:
    secret, other = _open(people), _open(people, "omar")
    auth.set_password(people, people.actor("ada"), "rex", "a long enough passphrase", CHEAP)
    with pytest.raises(web_sessions.SessionInvalid):
        web_sessions.check_session(people, secret)
    assert web_sessions.check_session(people, other).username == "omar"


def test_bad_method_or_lifetime_is_refused(people: AppContext) -> None:
    with pytest.raises(InvalidInput, match="unknown sign-in method 'magic'"):
        web_sessions.open_session(people, "rex", method="magic", lifetime=HOUR)
    with pytest.raises(InvalidInput, match="lifetime must be positive"):
        web_sessions.open_session(people, "rex", method="password", lifetime=dt.timedelta(0))
