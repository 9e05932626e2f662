"""Run folders: manifest, refusal to overwrite, and resume after a real SIGKILL."""

from __future__ import annotations

import collections
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from ombud.redteam import (
    OpenAIChatTarget,
    RedteamError,
    RunSettings,
    build_plan,
    detector_registry,
    estimate,
    latest_attempts,
    probe_registry,
    read_log,
    read_manifest,
    run_plan,
)
from ombud.redteam.probes import StaticProbe, user
from ombud.redteam.testing import ChatServer, Reply, last_user_text

from ..conftest import TEST_INFO

Serve = Callable[..., ChatServer]

_CHILD = """
import sys
from pathlib import Path
from ombud.redteam import OpenAIChatTarget, RunSettings, build_plan, detector_registry, run_plan
from ombud.redteam.probes._base import StaticProbe, user
from ombud.redteam.core._protocols import ProbeInfo
info = ProbeInfo("test.probe", "goal", "test", "test", "low", ("refusal",))
probe = StaticProbe(info, [user(f"prompt number {i}") for i in range(int(sys.argv[3]))])
target = OpenAIChatTarget(base_url=sys.argv[1], model="m")
run_plan(Path(sys.argv[2]), build_plan([probe]), target, detector_registry(),
         RunSettings(concurrency=4), resume=len(sys.argv) > 4)
"""


def _plan(count: int) -> Any:
    return build_plan([StaticProbe(TEST_INFO, [user(f"prompt number {i}") for i in range(count)])])


def test_resume_after_sigkill_neither_repeats_nor_loses(serve: Serve, tmp_path: Path) -> None:
    seen: collections.Counter[str] = collections.Counter()

    def respond(request: Mapping[str, Any], number: int) -> Reply:
        seen[last_user_text(request)] += 1
        return Reply(text="I can't do that.", delay=0.03)

    server = serve(respond)
    run_dir = tmp_path / "run"
    total = 400
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, server.base_url, str(run_dir), str(total)]
    )
    log = run_dir / "attempts.jsonl"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if log.exists() and log.read_bytes().count(b"\n") >= 30:
            break
        time.sleep(0.01)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    before = {last_user_text_of(a) for a in read_log(log)}
    assert 30 <= len(before) < total, (
        "the run must be killed mid-way for this test to mean anything"
    )

    run_plan(
        run_dir,
        _plan(total),
        OpenAIChatTarget(base_url=server.base_url, model="m"),
        detector_registry(),
        RunSettings(concurrency=4),
        resume=True,
    )

    records = read_log(log)
    assert len(records) == total  # no finished attempt logged twice
    assert {last_user_text_of(a) for a in records} == {f"prompt number {i}" for i in range(total)}
    assert all(seen[prompt] == 1 for prompt in before)  # nothing finished was sent again


def last_user_text_of(attempt: Any) -> str:
    return str(attempt.user_turns[-1].content)


def test_torn_last_line_is_dropped_and_rerun(serve: Serve, tmp_path: Path) -> None:
    server = serve(lambda r, n: Reply(text="ok"))
    run_dir = tmp_path / "run"
    target = OpenAIChatTarget(base_url=server.base_url, model="m")
    run_plan(run_dir, _plan(5), target, detector_registry(), RunSettings())
    log = run_dir / "attempts.jsonl"
    lines = log.read_bytes().splitlines(keepends=True)
    log.write_bytes(b"".join(lines[:3]) + lines[3][:25])
    assert len(read_log(log)) == 3
    target = OpenAIChatTarget(base_url=server.base_url, model="m")
    ran = run_plan(run_dir, _plan(5), target, detector_registry(), RunSettings(), resume=True)
    assert ran == 2
    assert len(read_log(log)) == 5
    assert all(json.loads(line) for line in log.read_text().splitlines())


def test_start_refuses_a_used_folder_and_resume_refuses_another_plan(
    serve: Serve, tmp_path: Path
) -> None:
    server = serve(lambda r, n: Reply(text="ok"))
    run_dir = tmp_path / "run"
    run_plan(
        run_dir,
        _plan(2),
        OpenAIChatTarget(base_url=server.base_url, model="m"),
        detector_registry(),
        RunSettings(),
    )
    with pytest.raises(RedteamError, match="resume"):
        run_plan(
            run_dir,
            _plan(2),
            OpenAIChatTarget(base_url=server.base_url, model="m"),
            detector_registry(),
            RunSettings(),
        )
    with pytest.raises(RedteamError, match="plan differs"):
        run_plan(
            run_dir,
            _plan(3),
            OpenAIChatTarget(base_url=server.base_url, model="m"),
            detector_registry(),
            RunSettings(),
            resume=True,
        )


def test_manifest_has_hashes_and_no_secret(serve: Serve, tmp_path: Path) -> None:
    server = serve(lambda r, n: Reply(text="ok"))
    target = OpenAIChatTarget(base_url=server.base_url, model="m", api_key="sk-very-secret")
    run_plan(tmp_path, _plan(2), target, detector_registry(), RunSettings(seed=7))
    manifest = read_manifest(tmp_path)
    assert manifest["seed"] == 7
    assert set(manifest["probe_prompt_sha256"]) == {"test.probe"}
    assert len(manifest["target_config_sha256"]) == 64
    assert "sk-very-secret" not in (tmp_path / "manifest.json").read_text()
    assert len(latest_attempts(read_log(tmp_path / "attempts.jsonl"))) == 2


def test_estimate_counts_calls_and_tokens() -> None:
    """Oracle: hand count. The crescendo probe has 2 attempts x 3 user turns = 6 calls."""
    plan = build_plan([probe_registry()["jailbreak.crescendo"]])
    result = estimate(
        plan.attempts,
        RunSettings(concurrency=2),
        latency_s=1.0,
        completion_tokens=100,
        price_per_1k_tokens=0.5,
    )
    assert result.target_calls == 6
    assert result.completion_tokens == 600
    assert result.seconds == pytest.approx(3.0)
    assert result.cost == pytest.approx((result.prompt_tokens + 600) / 1000 * 0.5)
