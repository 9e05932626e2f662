"""Global rate limit: the pacing matches the token-bucket arithmetic."""

from __future__ import annotations

import asyncio
import email.utils
import time

import pytest

from ombud.redteam.targets import RateLimiter
from ombud.redteam.targets._http import parse_retry_after


def test_tokens_per_minute_paces_by_tokens() -> None:
    """Oracle: 6,000 tokens/min = 100/s with a 100-token burst; 5 x 50 tokens = 250 tokens
    need (250 - 100) / 100 = 1.5 s."""
    limiter = RateLimiter(tokens_per_minute=6000)

    async def go() -> float:
        started = time.perf_counter()
        for _ in range(5):
            await limiter.acquire(50)
        return time.perf_counter() - started

    elapsed = asyncio.run(go())
    assert elapsed == pytest.approx(1.5, abs=0.35)


def test_settling_actual_use_slows_later_requests() -> None:
    limiter = RateLimiter(tokens_per_minute=6000)

    async def go() -> float:
        await limiter.acquire(10)
        limiter.settle(10, 110)  # the reply used 100 more tokens than reserved
        started = time.perf_counter()
        await limiter.acquire(10)
        return time.perf_counter() - started

    assert asyncio.run(go()) == pytest.approx(0.2, abs=0.15)


def test_rejects_non_positive_limits() -> None:
    with pytest.raises(ValueError, match="requests per minute"):
        RateLimiter(requests_per_minute=0)


def test_retry_after_seconds_and_http_date() -> None:
    assert parse_retry_after("2.5") == 2.5
    now = 1_700_000_000.0
    date = email.utils.formatdate(now + 30, usegmt=True)
    assert parse_retry_after(date, now=now) == pytest.approx(30, abs=1)
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None
