"""Passwords, API tokens and login throttling (services/auth/), on SQLite and PostgreSQL."""

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
    assert [e.entity_id for e in events] == ["rex", "rex"]
    assert all("argon2" not in str(e) for e in events)


START = dt.datetime(2030, 1, 1, 12, 0, tzinfo=dt.UTC)
# Two free failures per name, then 10 s, 20 s, 40 s ...; addresses get more room.
THROTTLE = auth.LoginThrottle(account_free=2, client_free=50, base_delay=dt.timedelta(seconds=10))


def _try(
    context: AppContext,
    username: str,
    password: str,
    at: dt.datetime,
    client: str = "198.51.100.7",
    trusted: bool = False,
) -> str:
    """The outcome of one attempt: the user name, or the refusal's words."""
    try:
        return auth.authenticate_password(
            context,
            username,
            password,
            THROTTLE,
            hasher=CHEAP,
            now=at,
            client=client,
            trusted=trusted,
        ).username
    except auth.AuthenticationFailed as exc:
        return str(exc)


WRONG = "wrong user name or password"


def test_back_off_doubles_and_the_right_password_works_once_it_has_passed(
    people: AppContext,
) -> None:
    """Oracle: the schedule itself (2 free failures, then 10 s, 20 s), read off the clock."""
    assert _try(people, "rex", "nope", START) == WRONG
    assert _try(people, "rex", "nope", START) == WRONG  # second failure: 10 s back-off
    refused = _try(people, "rex", GOOD, START + dt.timedelta(seconds=9))
    assert refused.endswith("try again in 1 s")  # refused unchecked, right password or not
    assert _try(people, "rex", "nope", START + dt.timedelta(seconds=10)) == WRONG  # now 20 s
    assert "try again in 20 s" in _try(people, "rex", GOOD, START + dt.timedelta(seconds=10))
    assert _try(people, "rex", GOOD, START + dt.timedelta(seconds=30)) == "rex"  # no lockout


def test_unknown_names_and_users_without_a_password_answer_like_wrong_passwords(
    people: AppContext,
) -> None:
    """The hole (issue #19): only existing accounts answered "locked until ...". Now every
    name is throttled alike, so the answers are the same words at the same steps."""
    answers = {}
    for name in ("rex", "audrey", "nobody"):  # a password, none, no such user
        answers[name] = [
            _try(people, name, "nope", START + dt.timedelta(seconds=i), client=f"192.0.2.{i}")
            for i in range(4)
        ]
    assert answers["rex"] == answers["audrey"] == answers["nobody"]
    assert answers["rex"][:2] == [WRONG, WRONG]
    assert "too many failed logins" in answers["rex"][2]


def test_an_attacker_cannot_keep_the_owner_out_of_their_own_browser(people: AppContext) -> None:
    """The name's back-off stops strangers; the owner's browser (trusted) passes it, and
    the attacker's own address is throttled apart from the owner's."""
    for i in range(30):
        _try(people, "rex", "guess", START + dt.timedelta(seconds=i), client="203.0.113.9")
    during = START + dt.timedelta(seconds=30)
    assert "too many" in _try(people, "rex", GOOD, during, client="198.51.100.1")
    assert _try(people, "rex", GOOD, during, client="198.51.100.1", trusted=True) == "rex"
    # Even behind the attacker's own address (one NAT), the owner's browser gets in ...
    assert "too many" in _try(people, "rex", GOOD, during, client="203.0.113.9")
    assert _try(people, "rex", GOOD, during, client="203.0.113.9", trusted=True) == "rex"
    # ... and a stolen device cookie buys the name's few free guesses, then back-off.
    thief = [_try(people, "rex", "guess", during, client="192.0.2.7", trusted=True) for _ in "ab"]
    assert thief == [WRONG, WRONG]
    assert "too many" in _try(people, "rex", GOOD, during, client="192.0.2.7", trusted=True)


def test_a_blank_name_or_password_is_refused_without_being_counted(people: AppContext) -> None:
    for _ in range(5):
        assert _try(people, "", "nope", START) == "enter a user name and a password"
        assert _try(people, "rex", "", START) == "enter a user name and a password"
    assert _try(people, "rex", GOOD, START) == "rex"


def test_an_address_spraying_many_names_is_slowed(people: AppContext) -> None:
    throttle = auth.LoginThrottle(account_free=50, client_free=3)
    outcomes = []
    for i in range(5):
        try:
            auth.authenticate_password(
                people, f"user{i}", "nope", throttle, hasher=CHEAP, now=START, client="::1"
            )
        except auth.AuthenticationFailed as exc:
            outcomes.append(str(exc))
    assert outcomes[:3] == [WRONG] * 3
    assert all("too many failed logins from this address" in o for o in outcomes[3:])
    # IPv6 addresses count by /64: another address of the same network is the same client.
    assert auth.login_throttle.client_key("2001:db8::1") == auth.login_throttle.client_key(
        "2001:db8::ffff"
    )


def test_a_success_neither_counts_as_a_failure_nor_wipes_the_failures(people: AppContext) -> None:
    assert _try(people, "rex", "nope", START) == WRONG
    for _ in range(3):  # each attempt is charged before its check, and given back after
        assert _try(people, "rex", GOOD, START) == "rex"
    assert _try(people, "rex", "nope", START) == WRONG  # the second failure: back-off
    assert "too many" in _try(people, "rex", GOOD, START)


def test_failures_are_forgotten_after_a_quiet_hour(people: AppContext) -> None:
    _try(people, "rex", "nope", START)
    _try(people, "rex", "nope", START)
    later = START + dt.timedelta(hours=1, seconds=11)
    assert _try(people, "rex", "nope", later) == WRONG
    assert _try(people, "rex", GOOD, later) == "rex"  # one failure again, not three


def test_admin_reset_clears_the_back_off(people: AppContext) -> None:
    _try(people, "rex", "nope", START)
    _try(people, "rex", "nope", START)
    assert "too many" in _try(people, "rex", GOOD, START)
    auth.set_password(people, people.actor("ada"), "rex", GOOD, CHEAP)
    assert _try(people, "rex", GOOD, START) == "rex"


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
    assert auth.list_tokens(people, "rex")[0].last_used_at is not None
    auth.revoke_token(people, rex, info.id)
    with pytest.raises(auth.AuthenticationFailed, match="revoked"):
        auth.authenticate_token(people, secret)
    assert auth.revoke_token(people, rex, info.id).revoked_at  # twice is a no-op
    actions = [e.action for e in iter_events(people, entity_id=str(info.id))]
    assert actions == ["token.issue", "token.revoke"]


def test_token_last_use_is_refreshed_at_most_once_a_minute(people: AppContext) -> None:
    """Oracle: the stored timestamp itself, before and after a use, with the clock rule
    (a use within 60 s of the last recorded one leaves it; an older one moves it)."""
    secret, _ = auth.issue_token(people, people.actor("rex"), "rex", ["read"])
    auth.authenticate_token(people, secret)
    first = auth.list_tokens(people, "rex")[0].last_used_at
    auth.authenticate_token(people, secret)
    assert auth.list_tokens(people, "rex")[0].last_used_at == first
    stale = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=2)
    with people.read() as session:
        session.execute(update(ApiTokenRow).values(last_used_at=stale))
    auth.authenticate_token(people, secret)
    refreshed = auth.list_tokens(people, "rex")[0].last_used_at
    assert refreshed is not None
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
        auth.revoke_token(people, rex, audreys.id)
    with pytest.raises(NotFoundError):
        auth.revoke_token(people, ada, 999)
    for bogus in ("", "Bearer x", auth.TOKEN_PREFIX + "not-issued"):
        with pytest.raises(auth.AuthenticationFailed):
            auth.authenticate_token(people, bogus)


def test_a_burst_of_parallel_guesses_gets_no_more_than_the_free_ones(people: AppContext) -> None:
    """Each attempt is charged, under a row lock, before its password is checked: ten
    guesses sent at once get the name's two free checks, and the rest are refused."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=10) as pool:
        answers = list(
            pool.map(
                lambda i: _try(people, "rex", f"guess {i}", START, client=f"192.0.2.{i}"),
                range(10),
            )
        )
    assert answers.count(WRONG) == 2
    assert sum("too many failed logins" in a for a in answers) == 8
