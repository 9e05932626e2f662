"""The asyncio runner: many attempts in flight, one global rate limit, one log.

A fixed pool of worker tasks pulls from a queue (rather than one task per attempt)
so memory stays flat for large plans and concurrency is exactly what was asked.
Transient failures (429, 5xx, timeouts, resets) are retried with exponential backoff
that honours ``Retry-After``; a 401/403 stops the whole run at once because every
later request would fail the same way. Attempts in flight when a run stops are not
logged, so ``resume`` runs them again and nothing is counted twice.

Early stopping (optional) saves calls once a group's attack success rate is known well
enough: a probe or category whose Wilson interval is narrower than asked gets no new
attempts. A group is never judged on fewer than ``stop_min_scored`` scored attempts,
because with zero hits the interval narrows quickly while a rare failure may still be
waiting in the untried prompts.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from ombud.redteam.core import (
    Attempt,
    AttemptStatus,
    Detector,
    DetectorResult,
    ErrorKind,
    Outcome,
    RedteamError,
    Target,
    TargetAuthError,
    TargetError,
    TargetReply,
    Turn,
)
from ombud.redteam.probes import ATTACKER_DRIVER
from ombud.redteam.runner._crescendo import CrescendoSettings, run_crescendo
from ombud.redteam.runner._log import RunLog
from ombud.redteam.targets import RateLimiter
from ombud.stats.intervals import wilson_interval

__all__ = [
    "AttackerSetup",
    "EarlyStop",
    "RunSettings",
    "RunStopped",
    "close_detectors",
    "execute",
    "score_attempt",
]

STOP_GROUPINGS = ("probe", "category")


class RunStopped(RedteamError):
    """The run cannot go on (bad credentials); finished attempts are in the log."""


@dataclass(frozen=True)
class RunSettings:
    concurrency: int = 8
    requests_per_minute: float | None = None
    tokens_per_minute: float | None = None
    max_retries: int = 4
    backoff_base: float = 0.5
    backoff_max: float = 30.0
    attempt_timeout: float | None = None
    seed: int = 0
    stop_halfwidth: float | None = None
    stop_by: str = "probe"
    stop_min_scored: int = 30
    stop_confidence: float = 0.95

    def __post_init__(self) -> None:
        if self.stop_halfwidth is not None and not 0.0 < self.stop_halfwidth < 0.5:
            raise RedteamError(
                f"stop_halfwidth must lie between 0 and 0.5 (e.g. 0.05), got {self.stop_halfwidth}"
            )
        if self.stop_by not in STOP_GROUPINGS:
            raise RedteamError(f"stop_by must be one of {STOP_GROUPINGS}, got {self.stop_by!r}")
        if self.stop_min_scored < 1:
            raise RedteamError(f"stop_min_scored must be at least 1, got {self.stop_min_scored}")
        if self.concurrency < 1:
            raise RedteamError(f"concurrency must be at least 1, got {self.concurrency}")
        if self.max_retries < 0:
            raise RedteamError(f"max_retries must be 0 or more, got {self.max_retries}")
        for flag, value in (
            ("--rpm (requests per minute)", self.requests_per_minute),
            ("--tpm (tokens per minute)", self.tokens_per_minute),
            ("attempt_timeout", self.attempt_timeout),
        ):
            if value is not None and not value > 0:
                raise RedteamError(
                    f"{flag} must be a positive number, got {value}; omit it for no limit"
                )


def _estimate_tokens(turns: Sequence[Turn]) -> float:
    # About four characters per token for English; only used to pace the rate limit.
    return sum(len(t.content) for t in turns) / 4.0 + 1.0


def _fit_to_target(turns: Sequence[Turn], target: Target) -> list[Turn]:
    """Fold system turns into the first user turn for targets without a system prompt."""
    if target.capabilities.system_prompt:
        return list(turns)
    system = "\n".join(t.content for t in turns if t.role == "system")
    rest = [t for t in turns if t.role != "system"]
    if system and rest:
        rest[0] = Turn(rest[0].role, f"{system}\n\n{rest[0].content}")
    return rest


async def _converse(target: Target, turns: Sequence[Turn]) -> tuple[list[Turn], TargetReply]:
    """Play the scripted turns: the target answers each user turn not followed by a reply."""
    sent: list[Turn] = []
    fitted = _fit_to_target(turns, target)
    reply: TargetReply | None = None
    single_call = not target.capabilities.multi_turn
    if single_call:
        history = "\n".join(f"{t.role}: {t.content}" for t in fitted[:-1])
        last = fitted[-1]
        fitted = [Turn("user", f"{history}\n\n{last.content}" if history else last.content)]
    for position, turn in enumerate(fitted):
        sent.append(turn)
        following = fitted[position + 1] if position + 1 < len(fitted) else None
        if turn.role == "user" and (following is None or following.role != "assistant"):
            reply = await target.complete(list(sent))
            sent.append(Turn("assistant", reply.text))
    if reply is None:
        raise TargetError("attempt has no user turn to send")
    return sent, reply


async def score_attempt(attempt: Attempt, detectors: Mapping[str, Detector]) -> Attempt:
    """Apply the attempt's detectors; a missing or failing detector is 'could not score'.

    An empty (or whitespace-only) answer is 'could not score' for every detector without
    asking them: silence is no evidence of safety, and a canary "not found" in an empty
    answer would otherwise count as a miss and pull the attack success rate down.
    """
    if attempt.response is not None and not attempt.response.strip():
        empty = tuple(
            DetectorResult(name, Outcome.UNSCORABLE, note="empty response")
            for name in attempt.detectors
        )
        return replace(attempt, results=empty)
    results: list[DetectorResult] = []
    for name in attempt.detectors:
        detector = detectors.get(name)
        if detector is None:
            results.append(DetectorResult(name, Outcome.UNSCORABLE, note="detector not loaded"))
            continue
        try:
            results.append(await detector.score(attempt))
        except Exception as exc:
            results.append(DetectorResult(name, Outcome.UNSCORABLE, note=f"raised {exc!r}"[:300]))
    return replace(attempt, results=tuple(results))


async def close_detectors(detectors: Mapping[str, Detector]) -> None:
    """Release what detectors hold (a judge's HTTP connections); ``aclose`` is optional."""
    for detector in detectors.values():
        closer = getattr(detector, "aclose", None)
        if closer is not None:
            await closer()


@dataclass
class _GroupCount:
    hits: int = 0
    scored: int = 0
    skipped: int = 0
    halfwidth: float | None = None


@dataclass
class EarlyStop:
    """Which groups (probes or categories) have a narrow enough interval to stop sending."""

    halfwidth: float
    by: str = "probe"
    min_scored: int = 30
    confidence: float = 0.95
    counts: dict[str, _GroupCount] = field(default_factory=dict)
    stopped: set[str] = field(default_factory=set)

    @classmethod
    def from_settings(cls, settings: RunSettings) -> EarlyStop | None:
        if settings.stop_halfwidth is None:
            return None
        return cls(
            settings.stop_halfwidth,
            settings.stop_by,
            settings.stop_min_scored,
            settings.stop_confidence,
        )

    def group(self, attempt: Attempt) -> str:
        return attempt.probe if self.by == "probe" else attempt.category

    def should_skip(self, attempt: Attempt) -> bool:
        """True (and counted) if the attempt's group has stopped."""
        key = self.group(attempt)
        if key not in self.stopped:
            return False
        self.counts[key].skipped += 1
        return True

    def record(self, attempt: Attempt) -> None:
        """Count a finished attempt; stop its group once the interval is narrow enough."""
        verdict = attempt.verdict
        if verdict is None or verdict is Outcome.UNSCORABLE:
            return  # errors and "could not score" tell nothing about the rate
        key = self.group(attempt)
        count = self.counts.setdefault(key, _GroupCount())
        count.scored += 1
        count.hits += verdict is Outcome.HIT
        if count.scored < self.min_scored or key in self.stopped:
            return
        lower, upper = wilson_interval(count.hits, count.scored, confidence=self.confidence)
        count.halfwidth = float(upper - lower) / 2.0
        if count.halfwidth < self.halfwidth:
            self.stopped.add(key)

    def seed(self, attempts: Iterable[Attempt]) -> None:
        """Count attempts already in the log (on resume) so stopped groups stay stopped."""
        for attempt in attempts:
            self.record(attempt)

    def summary(self) -> dict[str, Any]:
        """For the manifest: the rule and, per stopped group, the counts it stopped at."""
        return {
            "by": self.by,
            "halfwidth": self.halfwidth,
            "min_scored": self.min_scored,
            "confidence": self.confidence,
            "stopped": {
                key: {
                    "scored": self.counts[key].scored,
                    "hits": self.counts[key].hits,
                    "halfwidth": self.counts[key].halfwidth,
                    "skipped": self.counts[key].skipped,
                }
                for key in sorted(self.stopped)
            },
        }


@dataclass
class _Shared:
    stop: str | None = None
    done: int = 0

    def stopped(self) -> bool:
        return self.stop is not None


async def _attempt_once(
    attempt: Attempt, target: Target, limiter: RateLimiter, settings: RunSettings
) -> tuple[list[Turn], TargetReply]:
    estimate = _estimate_tokens(attempt.turns)
    await limiter.acquire(estimate)
    call = _converse(target, attempt.turns)
    if settings.attempt_timeout is None:
        transcript, reply = await call
    else:
        try:
            transcript, reply = await asyncio.wait_for(call, settings.attempt_timeout)
        except TimeoutError as exc:
            raise TargetError(
                f"attempt exceeded {settings.attempt_timeout}s",
                retryable=True,
                kind=ErrorKind.TIMEOUT,
            ) from exc
    used = (reply.prompt_tokens or 0) + (reply.completion_tokens or 0)
    limiter.settle(estimate, used or estimate)
    return transcript, reply


class _Paced:
    """A target whose every call waits for the run's shared rate limit."""

    def __init__(self, inner: Target, limiter: RateLimiter) -> None:
        self.inner = inner
        self.limiter = limiter
        self.capabilities = inner.capabilities

    def describe(self) -> Mapping[str, Any]:
        return self.inner.describe()

    async def complete(self, messages: Sequence[Turn]) -> TargetReply:
        estimate = _estimate_tokens(messages)
        await self.limiter.acquire(estimate)
        reply = await self.inner.complete(messages)
        used = (reply.prompt_tokens or 0) + (reply.completion_tokens or 0)
        self.limiter.settle(estimate, used or estimate)
        return reply

    async def aclose(self) -> None:
        await self.inner.aclose()


@dataclass(frozen=True)
class AttackerSetup:
    """The attacker model that writes crescendo turns, and the conversation budget."""

    target: Target
    crescendo: CrescendoSettings = field(default_factory=CrescendoSettings)


async def _run_attacker_driven(
    attempt: Attempt,
    target: Target,
    attacker: AttackerSetup | None,
    detectors: Mapping[str, Detector],
    limiter: RateLimiter,
) -> Attempt:
    """One crescendo conversation, logged under the planned attempt's id.

    The planned turns (the goal) are kept as ``turns`` so the id, and so resume, does
    not depend on what the attacker happened to write; the conversation goes into the
    transcript. A failed call ends the conversation as an error (no retry: replaying an
    attacker's conversation would not be the same attempt); 401/403 stops the run.
    """
    if attacker is None:
        return replace(
            attempt,
            status=AttemptStatus.ERROR,
            error="no attacker model configured; pass --attacker-option base_url=... "
            "--attacker-option model=...",
            error_kind=ErrorKind.NO_ATTACKER,
            tries=1,
        )
    finished = await run_crescendo(
        attempt.goal,
        _Paced(target, limiter),
        _Paced(attacker.target, limiter),
        settings=attacker.crescendo,
        probe_id=attempt.probe,
        index=attempt.index,
        category=attempt.category,
        detectors=attempt.detectors,
        context=attempt.context,
    )
    logged = replace(
        finished,
        turns=attempt.turns,
        family=attempt.family,
        mutators=attempt.mutators,
        context={**finished.context, **attempt.context},
    )
    if logged.status is not AttemptStatus.DONE:
        return logged
    return await score_attempt(logged, detectors)


async def _run_one(
    attempt: Attempt,
    target: Target,
    detectors: Mapping[str, Detector],
    limiter: RateLimiter,
    settings: RunSettings,
    rng: random.Random,
    attacker: AttackerSetup | None = None,
) -> Attempt:
    if attempt.context.get(ATTACKER_DRIVER[0]) == ATTACKER_DRIVER[1]:
        return await _run_attacker_driven(attempt, target, attacker, detectors, limiter)
    started_wall, started = time.time(), time.monotonic()
    tries = 0
    while True:
        tries += 1
        try:
            transcript, reply = await _attempt_once(attempt, target, limiter, settings)
        except TargetAuthError:
            raise
        except TargetError as exc:
            if not exc.retryable or tries > settings.max_retries:
                return replace(
                    attempt,
                    status=AttemptStatus.ERROR,
                    error=str(exc),
                    error_kind=exc.kind,
                    started_at=started_wall,
                    elapsed_s=time.monotonic() - started,
                    tries=tries,
                )
            backoff = min(settings.backoff_max, settings.backoff_base * 2 ** (tries - 1))
            # A server's Retry-After is honoured in full (up to ten minutes), not capped by
            # our own backoff ceiling; jitter only ever lengthens the wait.
            delay = min(600.0, exc.retry_after) if exc.retry_after is not None else backoff
            await asyncio.sleep(delay * (1.0 + 0.1 * rng.random()))
            continue
        answered = replace(
            attempt,
            status=AttemptStatus.DONE,
            response=reply.text,
            transcript=tuple(transcript),
            started_at=started_wall,
            elapsed_s=time.monotonic() - started,
            prompt_tokens=reply.prompt_tokens,
            completion_tokens=reply.completion_tokens,
            tries=tries,
        )
        return await score_attempt(answered, detectors)


async def execute(
    plan: Sequence[Attempt],
    target: Target,
    detectors: Mapping[str, Detector],
    log: RunLog,
    settings: RunSettings,
    on_attempt: Callable[[Attempt], None] | None = None,
    early_stop: EarlyStop | None = None,
    attacker: AttackerSetup | None = None,
) -> int:
    """Run every attempt of ``plan``, logging each as it completes; returns how many ran.

    With ``settings.stop_halfwidth`` (or an ``early_stop`` passed in, which then holds
    what stopped), attempts of groups whose interval is narrow enough are skipped.
    Raises ``RunStopped`` on 401/403 after closing the workers; the log stays valid.
    Attempts planned by an attacker-driven probe are run as crescendo conversations
    with ``attacker``.
    """
    stopper = early_stop if early_stop is not None else EarlyStop.from_settings(settings)
    queue: asyncio.Queue[Attempt] = asyncio.Queue()
    for attempt in plan:
        queue.put_nowait(attempt)
    limiter = RateLimiter(settings.requests_per_minute, settings.tokens_per_minute)
    shared = _Shared()

    async def worker(number: int) -> None:
        rng = random.Random(settings.seed * 1_000_003 + number)
        while not shared.stopped():
            try:
                attempt = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            if stopper is not None and stopper.should_skip(attempt):
                continue
            try:
                finished = await _run_one(
                    attempt, target, detectors, limiter, settings, rng, attacker
                )
            except TargetAuthError as exc:
                shared.stop = str(exc)
                return
            if shared.stopped():
                return
            log.append(finished)
            shared.done += 1
            if stopper is not None:
                stopper.record(finished)
            if on_attempt is not None:
                on_attempt(finished)

    workers = [asyncio.create_task(worker(n)) for n in range(settings.concurrency)]
    try:
        await asyncio.gather(*workers)
    finally:
        for task in workers:
            task.cancel()
    if shared.stop is not None:
        raise RunStopped(
            f"run stopped: {shared.stop}; {shared.done} attempts are logged, "
            "fix the credentials and use `ombud redteam resume`"
        )
    return shared.done
