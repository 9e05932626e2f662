"""A failed login takes the same time whoever the name (issue #19).

The hole: a hammered account answered "locked until ..." at once (no hash), while an
unknown name still paid an argon2 computation, so the time (~0.01 s against ~0.4 s)
told which names exist. Now every name is checked with the same work.

The oracle is the clock: each kind of attempt is timed in interleaved rounds, so that the
machine's load falls on all of them alike, and compared by paired differences; see
``_assert_alike`` for the tolerance, which is derived from the measured spread and must
be small enough to see one argon2 verification, so a noisy run cannot pass blindly.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from ombud.services import auth
from ombud.services.context import AppContext
from ombud.services.workspaces import add_user

# argon2id at a cost that dominates a failed login (~30-80 ms here), cheaper than production.
HASHER = PasswordHasher(time_cost=2, memory_cost=16384, parallelism=1)
GOOD = "a long enough passphrase"
N = 15
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


def _mad(values: list[float]) -> float:
    middle = statistics.median(values)
    return statistics.median(abs(v - middle) for v in values)


def _one_hash() -> float:
    stored = HASHER.hash(GOOD)
    return statistics.median(_timed(lambda: HASHER.verify(stored, GOOD)) for _ in range(N))


def _assert_alike(attempts: dict[str, Callable[[], object]]) -> None:
    """Time the attempts in interleaved rounds (rotating their order) and compare each
    kind with the first through their paired differences, which cancel the load that
    falls on both. The median difference must stay within a quarter of one argon2
    verification (what a skipped hash would show) or three standard errors, and those
    must be small enough to see a hash: more rounds are taken (up to 4 N) until they are.
    """
    one_hash = _one_hash()
    names = list(attempts)
    times: dict[str, list[float]] = {name: [] for name in names}
    while True:
        for i in range(N):
            shift = i % len(names)
            for name in names[shift:] + names[:shift]:
                times[name].append(_timed(attempts[name]))
        rounds = len(times[names[0]])
        report = []
        for other in names[1:]:
            diffs = [b - a for a, b in zip(times[names[0]], times[other], strict=True)]
            # the standard error of a median, from the MAD as a robust sigma
            error = 1.2533 * 1.4826 * _mad(diffs) / math.sqrt(rounds)
            report.append((other, statistics.median(diffs), error))
        if all(3 * error < one_hash / 2 for _, _, error in report) or rounds >= 4 * N:
            break
    for other, median, error in report:
        assert 3 * error < one_hash / 2, f"too noisy to see a hash ({error:.4f} s)"
        tolerance = max(one_hash / 4, 3 * error)
        assert abs(median) <= tolerance, (
            f"{other} takes {median * 1000:+.1f} ms against {names[0]} "
            f"(tolerance {tolerance * 1000:.1f} ms, one hash {one_hash * 1000:.1f} ms)"
        )


@pytest.mark.slow  # some 3 x 15 argon2 verifications, more on a loaded machine
def test_unknown_users_users_without_a_password_and_wrong_passwords_take_as_long(
    people: AppContext,
) -> None:
    def attempt(name: str) -> Callable[[], object]:
        return lambda: auth.authenticate_password(
            people, name, "wrong password!", OPEN, hasher=HASHER, client="192.0.2.1"
        )

    _assert_alike({n: attempt(n) for n in ("nobody", "audrey", "rex")})


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
    _assert_alike({n: attempt(n, later) for n in ("nobody", "audrey", "rex")})
