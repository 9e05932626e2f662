"""A global limit on requests and tokens per minute, shared by every worker.

Two token buckets refilled continuously; each holds one second's worth so a run
starts at the configured rate instead of bursting a whole minute's quota. Token use
is not known until the reply arrives, so a request reserves an estimate and the
difference is settled afterwards (the bucket may go negative and later requests wait).
"""

from __future__ import annotations

import asyncio
import time

__all__ = ["RateLimiter"]


class _Bucket:
    def __init__(self, per_minute: float) -> None:
        self.rate = per_minute / 60.0
        self.capacity = max(1.0, self.rate)
        self.level = self.capacity
        self.stamp = time.monotonic()

    def refill(self) -> None:
        now = time.monotonic()
        self.level = min(self.capacity, self.level + (now - self.stamp) * self.rate)
        self.stamp = now

    def wait_for(self, amount: float) -> float:
        self.refill()
        need = min(amount, self.capacity) - self.level
        return 0.0 if need <= 0 else need / self.rate


class RateLimiter:
    def __init__(
        self, requests_per_minute: float | None = None, tokens_per_minute: float | None = None
    ) -> None:
        for name, value in (("requests", requests_per_minute), ("tokens", tokens_per_minute)):
            if value is not None and value <= 0:
                raise ValueError(f"{name} per minute must be positive, got {value}")
        self._requests = _Bucket(requests_per_minute) if requests_per_minute else None
        self._tokens = _Bucket(tokens_per_minute) if tokens_per_minute else None
        self._lock = asyncio.Lock()

    @property
    def active(self) -> bool:
        return self._requests is not None or self._tokens is not None

    async def acquire(self, estimated_tokens: float) -> None:
        if not self.active:
            return
        async with self._lock:
            while True:
                delay = 0.0
                if self._requests is not None:
                    delay = max(delay, self._requests.wait_for(1.0))
                if self._tokens is not None:
                    delay = max(delay, self._tokens.wait_for(estimated_tokens))
                if delay <= 0:
                    break
                await asyncio.sleep(delay)
            if self._requests is not None:
                self._requests.level -= 1.0
            if self._tokens is not None:
                self._tokens.level -= estimated_tokens

    def settle(self, estimated_tokens: float, actual_tokens: float) -> None:
        if self._tokens is not None:
            self._tokens.refill()
            self._tokens.level -= actual_tokens - estimated_tokens
