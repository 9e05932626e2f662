"""A failed login takes the same time whoever the name (issue #19).

The hole: a hammered account answered "locked until ..." at once (no hash), while an
unknown name still paid an argon2 computation, so the time (~0.01 s against ~0.4 s)
told which names exist. Now every name is checked with the same work.

The oracle is the clock: each kind of attempt is timed N times, interleaved so that the
machine's load falls on all of them alike; their medians may differ by no more than the
noise (twice the largest median absolute deviation) plus a quarter of one argon2
verification, which is what a skipped hash would cost. The test first checks that it
can see a hash at all on this machine, so it cannot pass by drowning in noise.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from ombud.services import auth
from ombud.services.context import AppContext
from ombud.services.workspaces import add_user

# argon2id at a cost that dominates a login (~10-30 ms here), far cheaper than production.
HASHER = PasswordHasher(time_cost=2, memory_cost=16384, parallelism=1)
GOOD = "a long enough passphrase"
N = 21
OPEN = auth.LoginThrottle(account_free=10**6, client_free=10**6)


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """SQLite only: the timing of interest is Ombud's, not a network's."""
    return f"sqlite:///{tmp_path / 'ombud.db'}"


@pytest.fixture
def people(context: AppContext) -> AppContext:
    admin = context.actor("ada")
    add_user(context, admin, username="rex", roles=["reviewer"])
    add_user(context, admin, username="audrey", roles=["auditor"])  # no password
    auth.set_password(context, admin, "rex", GOOD, HASHER)
    return context


def _timed(attempt: Callable[[], object]) -> float:
    start = time.perf_counter()
    with contextlib.suppress(auth.AuthenticationFailed):
        attempt()
    return time.perf_counter() - start


def _series(attempts: dict[str, Callable[[], object]]) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {name: [] for name in attempts}
    names = list(attempts)
    for i in range(N):
        for name in names[i % len(names) :] + names[: i % len(names)]:  # rotate the order
            times[name].append(_timed(attempts[name]))
    return times


def _mad(values: list[float]) -> float:
    middle = statistics.median(values)
    return statistics.median(abs(v - middle) for v in values)


def _assert_alike(times: dict[str, list[float]], one_hash: float) -> None:
    noise = 2 * max(_mad(v) for v in times.values())
    tolerance = noise + one_hash / 4
    assert tolerance < one_hash, f"too noisy to see a hash: {tolerance:.4f} s vs {one_hash:.4f} s"
    medians = {name: statistics.median(v) for name, v in times.items()}
    spread = max(medians.values()) - min(medians.values())
    assert spread <= tolerance, f"medians {medians} differ by {spread:.4f} s > {tolerance:.4f} s"


def _one_hash() -> float:
    stored = HASHER.hash(GOOD)
    return statistics.median(_timed(lambda: HASHER.verify(stored, GOOD)) for _ in range(N))


def test_unknown_users_users_without_a_password_and_wrong_passwords_take_as_long(
    people: AppContext,
) -> None:
    def attempt(name: str) -> Callable[[], object]:
        return lambda: auth.authenticate_password(
            people, name, "wrong password!", OPEN, hasher=HASHER, client="192.0.2.1"
        )

    times = _series({n: attempt(n) for n in ("rex", "audrey", "nobody")})
    _assert_alike(times, _one_hash())


def test_a_throttled_name_answers_as_fast_as_a_throttled_unknown_name(
    people: AppContext,
) -> None:
    throttle = auth.LoginThrottle(
        account_free=3, client_free=10**6, base_delay=dt.timedelta(hours=1)
    )
    start = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    later = start + dt.timedelta(minutes=1)

    def attempt(name: str, at: dt.datetime) -> Callable[[], object]:
        return lambda: auth.authenticate_password(
            people, name, "wrong password!", throttle, hasher=HASHER, now=at, client="192.0.2.2"
        )

    for name in ("rex", "audrey", "nobody"):
        for _ in range(3):
            _timed(attempt(name, start))
    times = _series({n: attempt(n, later) for n in ("rex", "audrey", "nobody")})
    _assert_alike(times, _one_hash())
