"""Login throttling: exponential back-off per client address and per user name.

Why not a lockout: five wrong passwords used to lock an account for 15 minutes, right
password included, so anyone could keep anyone out for ever, and only existing accounts
answered "locked" (issue #19). Now every attempt is charged, before its password is
checked, to two keys:

- the client's address (an IPv6 address by its /64, what one host usually holds), for
  every name it tries: one machine cannot spray guesses over many accounts;
- the submitted user name, whether or not such a user exists (so the answers never
  tell which names exist).

An attempt from a browser that has signed in as that user before (a signed device
cookie, kept by the web layer) is counted apart, against the name at that address only
(with the name's allowance): an attacker hammering an account, from anywhere or from
behind the same NAT, cannot keep its owner out of their usual browser, and a stolen
device cookie still buys only a few guesses before the back-off.

A key may fail ``free`` times; after that each failure blocks the key for a delay that
doubles (``base_delay``, 2x, 4x ... up to ``max_delay``), and an attempt on a blocked key
is refused without checking its password. A key forgets its failures after
``forget_after`` without one. Charging before the check (and giving the charge back when
the password was right) means a burst of parallel attempts cannot slip several guesses
into one free slot. The counters live in the database, so every web worker shares them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import math
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ombud.store.models_auth import LoginThrottleRow

__all__ = [
    "Charge",
    "LoginThrottle",
    "Throttled",
    "charge",
    "clear_account",
    "client_key",
    "refund",
]


@dataclass(frozen=True)
class LoginThrottle:
    """Free failures per key, then a doubling delay between attempts."""

    account_free: int = 5
    client_free: int = 20
    base_delay: dt.timedelta = dt.timedelta(seconds=1)
    max_delay: dt.timedelta = dt.timedelta(minutes=15)
    forget_after: dt.timedelta = dt.timedelta(hours=1)

    def delay(self, failures: int, free: int) -> dt.timedelta | None:
        """How long a key with ``failures`` in a row must wait before its next attempt."""
        if failures < free:
            return None
        factor: int = 2 ** min(failures - free, 40)
        return min(self.base_delay * factor, self.max_delay)


class Throttled(Exception):
    """Too many failures for this address or name; ``retry_after`` whole seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"retry after {retry_after} s")
        self.retry_after = retry_after


@dataclass(frozen=True)
class Charge:
    """What one attempt charged: each key with the block it set (given back on success)."""

    keys: tuple[tuple[str, dt.datetime | None], ...]


def client_key(host: str) -> str:
    """The address an attempt is counted against: IPv6 by its /64, IPv4 as it is."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host[:64]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def _key(kind: str, value: str) -> str:
    return hashlib.sha256(f"{kind}\0{value}".encode()).hexdigest()


def _ensure(session: Session, keys: list[tuple[str, str | None]], now: dt.datetime) -> int:
    """Create the missing rows without racing another worker; returns how many were new."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    created = 0
    for key, account in keys:
        statement = (
            insert(LoginThrottleRow)
            .values(key=key, account=account, failures=0, last_failure_at=now)
            .on_conflict_do_nothing(index_elements=["key"])
        )
        created += session.execute(statement).rowcount or 0  # type: ignore[attr-defined]
    return created


def charge(
    session: Session,
    throttle: LoginThrottle,
    *,
    client: str,
    account: str,
    trusted: bool,
    now: dt.datetime,
) -> Charge:
    """Count one attempt, in the caller's transaction; Throttled if a key is blocked."""
    address = client_key(client)
    wanted: dict[str, tuple[str | None, int]]
    if trusted:
        wanted = {_key("device", f"{address}\0{account}"): (account[:64], throttle.account_free)}
    else:
        wanted = {
            _key("client", address): (None, throttle.client_free),
            _key("account", account): (account[:64], throttle.account_free),
        }
    ordered = sorted(wanted)  # one lock order for every worker: no deadlock
    if _ensure(session, [(k, wanted[k][0]) for k in ordered], now):
        stale = now - throttle.forget_after - throttle.max_delay
        session.execute(delete(LoginThrottleRow).where(LoginThrottleRow.last_failure_at < stale))
    rows = (
        session.execute(
            select(LoginThrottleRow)
            .where(LoginThrottleRow.key.in_(ordered))
            .order_by(LoginThrottleRow.key)
            .with_for_update()
        )
        .scalars()
        .all()
    )
    blocked = [r.blocked_until for r in rows if r.blocked_until and r.blocked_until > now]
    if blocked:
        raise Throttled(max(1, math.ceil((max(blocked) - now).total_seconds())))
    charged = []
    for row in rows:
        if now - row.last_failure_at > throttle.forget_after:
            row.failures = 0
        row.failures += 1
        row.last_failure_at = now
        wait = throttle.delay(row.failures, wanted[row.key][1])
        row.blocked_until = now + wait if wait else None
        charged.append((row.key, row.blocked_until))
    return Charge(tuple(charged))


def refund(session: Session, spent: Charge) -> None:
    """The password was right: take back the failure and the block this attempt set."""
    blocks = dict(spent.keys)
    rows = session.execute(
        select(LoginThrottleRow)
        .where(LoginThrottleRow.key.in_(sorted(blocks)))
        .order_by(LoginThrottleRow.key)
        .with_for_update()
    ).scalars()
    for row in rows:
        row.failures = max(row.failures - 1, 0)
        if row.blocked_until is not None and row.blocked_until == blocks[row.key]:
            row.blocked_until = None


def clear_account(session: Session, username: str) -> None:
    """Forget the failures counted against a user name (an admin set a new password)."""
    session.execute(delete(LoginThrottleRow).where(LoginThrottleRow.account == username[:64]))
