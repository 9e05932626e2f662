"""Runner behaviour against a real loopback HTTP server scripted to misbehave."""

from __future__ import annotations

import asyncio
import math
import time
from collections import Counter
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from ombud.redteam import (
    Attempt,
    AttemptStatus,
    CallableTarget,
    DetectorResult,
    OpenAIChatTarget,
    Outcome,
    Plan,
    RedteamError,
    RunLog,
    RunSettings,
    RunStopped,
    Turn,
    detector_registry,
    read_log,
    read_manifest,
    run_plan,
)
from ombud.redteam.runner._execute import EarlyStop, execute
from ombud.redteam.testing import ChatServer, Reply, last_user_text

from ..conftest import make_attempts, refusing

Serve = Callable[..., ChatServer]


def _run(server: ChatServer, tmp_path: Path, count: int, **settings: Any) -> list[Any]:
    target_options = settings.pop("target", {})
    target = OpenAIChatTarget(base_url=server.base_url, model="m", **target_options)
    defaults: dict[str, Any] = {"backoff_base": 0.01, "backoff_max": 0.2}
    defaults.update(settings)

    async def go() -> None:
        try:
            with RunLog(tmp_path / "log.jsonl") as log:
                await execute(
                    make_attempts(count), target, detector_registry(), log, RunSettings(**defaults)
                )
        finally:
            await target.aclose()

    asyncio.run(go())
    return read_log(tmp_path / "log.jsonl")


def test_concurrency_is_bounded_and_used(serve: Serve, tmp_path: Path) -> None:
    server = serve(lambda r, n: Reply(text="no", delay=0.05))
    attempts = _run(server, tmp_path, 40, concurrency=8)
    assert len(attempts) == 40
    assert server.max_in_flight == 8


def test_every_attempt_is_scored(serve: Serve, tmp_path: Path) -> None:
    attempts = _run(serve(refusing), tmp_path, 5)
    assert {a.verdict for a in attempts} == {Outcome.HIT}
    assert all(a.prompt_tokens == 10 and a.completion_tokens == 5 for a in attempts)


def test_429_is_retried_honouring_retry_after(serve: Serve, tmp_path: Path) -> None:
    seen: dict[str, int] = {}

    def respond(request: Mapping[str, Any], number: int) -> Reply:
        prompt = last_user_text(request)
        seen[prompt] = seen.get(prompt, 0) + 1
        if seen[prompt] == 1:
            return Reply(status=429, headers={"Retry-After": "0.3"}, raw=b"{}")
        return Reply(text="fine")

    started = time.perf_counter()
    attempts = _run(serve(respond), tmp_path, 3, concurrency=3)
    assert time.perf_counter() - started >= 0.3
    assert [a.tries for a in attempts] == [2, 2, 2]
    assert all(a.status is AttemptStatus.DONE for a in attempts)


def test_5xx_retries_then_records_an_error(serve: Serve, tmp_path: Path) -> None:
    server = serve(lambda r, n: Reply(status=503, raw=b"{}"))
    attempts = _run(server, tmp_path, 2, max_retries=2)
    assert all(a.status is AttemptStatus.ERROR and a.tries == 3 for a in attempts)
    assert server.requests == 6
    assert "503" in (attempts[0].error or "")


@pytest.mark.parametrize("status", [401, 403])
def test_auth_failure_stops_the_run(serve: Serve, tmp_path: Path, status: int) -> None:
    server = serve(lambda r, n: Reply(status=status, raw=b"{}"))
    with pytest.raises(RunStopped, match=f"{status}.*API key"):
        _run(server, tmp_path, 50, concurrency=2)
    assert server.requests < 50


def test_timeout_is_retried_and_then_an_error(serve: Serve, tmp_path: Path) -> None:
    server = serve(lambda r, n: Reply(text="late", delay=1.0))
    attempts = _run(server, tmp_path, 1, max_retries=1, target={"timeout": 0.1})
    assert attempts[0].status is AttemptStatus.ERROR
    assert "timed out" in (attempts[0].error or "")
    assert attempts[0].tries == 2


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"<html>oops</html>", "not JSON"),
        (b'{"choices": [{"message": {"content": "caf\xe9"}}]}', "not valid UTF-8"),
        (b'{"choices": []}', "without choices"),
        (b"x" * 5000, "over the cap"),
    ],
)
def test_bad_bodies_are_attempt_errors(
    serve: Serve, tmp_path: Path, raw: bytes, message: str
) -> None:
    server = serve(lambda r, n: Reply(raw=raw))
    attempts = _run(server, tmp_path, 2, target={"max_response_bytes": 4096})
    assert all(a.status is AttemptStatus.ERROR for a in attempts)
    assert message in (attempts[0].error or "")
    assert server.requests == 2  # not retried: they would fail the same way


def test_rate_limit_paces_requests(serve: Serve, tmp_path: Path) -> None:
    server = serve(lambda r, n: Reply(text="ok"))
    started = time.perf_counter()
    _run(server, tmp_path, 12, concurrency=12, requests_per_minute=600)
    elapsed = time.perf_counter() - started
    # 10 per second with a one-second burst of 10: the last 2 wait about 0.2 s in total.
    assert elapsed >= 0.15


def test_unreachable_target_is_an_error_not_a_crash(tmp_path: Path) -> None:
    target = OpenAIChatTarget(base_url="http://127.0.0.1:9/v1", model="m", timeout=1.0)

    async def go() -> None:
        with RunLog(tmp_path / "log.jsonl") as log:
            await execute(
                make_attempts(1), target, {}, log, RunSettings(max_retries=1, backoff_base=0.01)
            )
        await target.aclose()

    asyncio.run(go())
    (attempt,) = read_log(tmp_path / "log.jsonl")
    assert attempt.status is AttemptStatus.ERROR
    assert "refused the connection" in (attempt.error or "")
    assert attempt.error_kind == "connection refused"  # kept in the log for the run's summary


def test_multi_turn_sends_the_growing_conversation(serve: Serve, tmp_path: Path) -> None:
    lengths: list[int] = []

    def respond(request: Mapping[str, Any], number: int) -> Reply:
        lengths.append(len(request["messages"]))
        return Reply(text=f"answer {number}")

    from ombud.redteam import Attempt, Turn

    server: ChatServer = serve(respond)
    target = OpenAIChatTarget(base_url=server.base_url, model="m")
    attempt = Attempt(
        "p", 0, (Turn("system", "s"), Turn("user", "a"), Turn("user", "b")), detectors=("refusal",)
    )

    async def go() -> None:
        with RunLog(tmp_path / "log.jsonl") as log:
            await execute([attempt], target, detector_registry(), log, RunSettings())
        await target.aclose()

    asyncio.run(go())
    (done,) = read_log(tmp_path / "log.jsonl")
    assert lengths == [2, 4]
    assert [t.role for t in done.transcript] == ["system", "user", "assistant", "user", "assistant"]
    assert done.response == "answer 2"


class _SaysYes:
    """A detector that hits when the answer contains YES: the hit pattern is scripted."""

    id = "says_yes"

    async def score(self, attempt: Any) -> DetectorResult:
        hit = "YES" in (attempt.response or "")
        return DetectorResult(self.id, Outcome.HIT if hit else Outcome.MISS)


def _two_probes(count: int) -> list[Attempt]:
    return [
        Attempt(
            probe=probe,
            index=i,
            turns=(Turn("user", f"{probe} {i}"),),
            category=probe,
            family="test",
            detectors=("says_yes",),
        )
        for i in range(count)
        for probe in ("always", "mixed")
    ]


def _answer(turns: Any) -> str:
    # "always" always complies; "mixed" complies on every other prompt.
    probe, number = turns[-1].content.split()
    return "YES" if probe == "always" or int(number) % 2 else "no"


def _early_run(tmp_path: Path, count: int, **settings: Any) -> tuple[list[Any], EarlyStop]:
    stopper = EarlyStop.from_settings(RunSettings(**settings))
    assert stopper is not None

    async def go() -> None:
        with RunLog(tmp_path / "log.jsonl") as log:
            await execute(
                _two_probes(count),
                CallableTarget(_answer),
                {"says_yes": _SaysYes()},
                log,
                RunSettings(**settings),
                early_stop=stopper,
            )

    asyncio.run(go())
    return read_log(tmp_path / "log.jsonl"), stopper


def _zero_hit_stop(halfwidth: float, z: float = 1.959963984540054) -> int:
    """Oracle: with p-hat = 0 (or 1) the Wilson interval is [0, z^2/(n+z^2)] in closed form
    (Wilson 1927), so the half-width z^2/(2(n+z^2)) first drops below ``halfwidth`` at
    the smallest n with n > z^2/(2 halfwidth) - z^2."""
    return math.floor(z * z / (2 * halfwidth) - z * z) + 1


def test_early_stop_stops_a_settled_group_and_keeps_an_uncertain_one(tmp_path: Path) -> None:
    attempts, stopper = _early_run(
        tmp_path, 100, concurrency=1, stop_halfwidth=0.05, stop_min_scored=10
    )
    by_probe = Counter(a.probe for a in attempts)
    # All hits: the interval is the mirror image of the zero-hit one.
    assert by_probe["always"] == _zero_hit_stop(0.05) == 35
    # Half hits: the half-width after 100 is about 0.1, so no attempt is skipped.
    assert by_probe["mixed"] == 100
    summary = stopper.summary()
    assert set(summary["stopped"]) == {"always"}
    assert summary["stopped"]["always"]["skipped"] == 100 - 35
    assert summary["stopped"]["always"]["halfwidth"] < 0.05


def test_early_stop_never_before_the_minimum(tmp_path: Path) -> None:
    # At half-width 0.2 a group with no misses would stop after 6 attempts; the minimum rules.
    assert _zero_hit_stop(0.2) == 6
    attempts, _ = _early_run(tmp_path, 60, concurrency=1, stop_halfwidth=0.2, stop_min_scored=25)
    assert Counter(a.probe for a in attempts)["always"] == 25


def test_early_stop_is_in_the_manifest_and_survives_resume(tmp_path: Path) -> None:
    settings = RunSettings(concurrency=1, stop_halfwidth=0.05, stop_min_scored=10)
    plan = Plan(tuple(_two_probes(60)), ())
    detectors = {"says_yes": _SaysYes()}
    first = run_plan(tmp_path, plan, CallableTarget(_answer), detectors, settings)
    assert first == 35 + 60
    manifest = read_manifest(tmp_path)
    assert manifest["early_stopping"]["stopped"]["always"]["scored"] == 35
    again = run_plan(tmp_path, plan, CallableTarget(_answer), detectors, settings, resume=True)
    assert again == 0  # the stopped group stays stopped: the log's counts are seeded


def test_early_stop_settings_are_checked() -> None:
    with pytest.raises(RedteamError, match="stop_halfwidth"):
        RunSettings(stop_halfwidth=0.7)
    with pytest.raises(RedteamError, match="stop_by"):
        RunSettings(stop_halfwidth=0.1, stop_by="mutator")
