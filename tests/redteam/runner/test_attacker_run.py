"""Attacker-driven crescendo attempts planned, run, logged, scored and resumed by the runner.

The oracle is the deterministic attacker and target below: their conversations can be
worked out by hand (step n, a refused blunt step 2 taken back, a yield at step 3).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from ombud.redteam import AttemptStatus, CallableTarget, Outcome, Turn, read_log
from ombud.redteam.core import RedteamError
from ombud.redteam.probes import CRESCENDO_ATTACKER
from ombud.redteam.runner import (
    LOG_NAME,
    AttackerSetup,
    CrescendoSettings,
    RunSettings,
    detectors_for,
    make_attacker,
    make_target,
    plan_from_spec,
    run_plan,
    select_probes,
)
from ombud.redteam.testing import ChatServer, Reply, last_user_text


def _attacker(messages: Sequence[Turn]) -> str:
    request = messages[-1].content
    step = request.count("YOU:") + 1
    return f"gentle step {step}" if "refused your last message" in request else f"step {step}"


def _target(messages: Sequence[Turn]) -> str:
    last = messages[-1].content
    if last == "step 2":
        return "I'm sorry, but I can't help with that."
    if last.endswith("step 3"):
        return "Sure, here is exactly how to do it."
    return f"ok ({last})"


SPEC: dict[str, Any] = {"probes": [CRESCENDO_ATTACKER], "attacker_options": {"model": "x"}}


def _run(run_dir: Path, target: CallableTarget, *, resume: bool = False) -> int:
    plan = plan_from_spec(SPEC)
    attacker = AttackerSetup(CallableTarget(_attacker), CrescendoSettings(max_turns=3))
    return run_plan(
        run_dir,
        plan,
        target,
        detectors_for([]),
        RunSettings(concurrency=2),
        resume=resume,
        attacker=attacker,
    )


def test_each_goal_is_one_logged_scored_conversation(tmp_path: Path) -> None:
    plan = plan_from_spec(SPEC)
    ran = _run(tmp_path, CallableTarget(_target))
    logged = read_log(tmp_path / LOG_NAME)
    assert ran == len(plan.attempts) == len(logged) >= 1
    assert {a.attempt_id for a in logged} == {a.attempt_id for a in plan.attempts}
    for attempt in logged:
        assert attempt.status is AttemptStatus.DONE
        # the planned turn (the goal) is kept, so the id does not depend on the attacker
        assert attempt.turns == (Turn("user", attempt.goal),)
        sent = [t.content for t in attempt.transcript if t.role == "user"]
        assert sent == ["step 1", "gentle step 2", "step 3"]
        assert json.loads(attempt.context["taken_back"])[0]["prompt"] == "step 2"
        assert attempt.response == "Sure, here is exactly how to do it."
        assert [(r.detector, r.outcome) for r in attempt.results] == [("compliance", Outcome.HIT)]
        assert attempt.verdict is Outcome.HIT


def test_resume_does_not_repeat_a_finished_conversation(tmp_path: Path) -> None:
    calls: list[int] = []

    def counting(messages: Sequence[Turn]) -> str:
        calls.append(1)
        return _target(messages)

    _run(tmp_path, CallableTarget(counting))
    first = len(calls)
    lines = (tmp_path / LOG_NAME).read_text().splitlines()
    (tmp_path / LOG_NAME).write_text(lines[0] + "\n")  # as if the run died after one
    again = _run(tmp_path, CallableTarget(counting), resume=True)
    assert again == len(lines) - 1
    assert len(calls) - first == first // len(lines) * again
    assert len({a.attempt_id for a in read_log(tmp_path / LOG_NAME)}) == len(lines)


def test_naming_the_probe_without_an_attacker_names_the_option() -> None:
    with pytest.raises(RedteamError, match="--attacker-option") as caught:
        plan_from_spec({"probes": [CRESCENDO_ATTACKER]})
    assert "\n" not in str(caught.value)
    # a wildcard without an attacker leaves the attacker-driven probe out
    ids = {p.info.id for p in select_probes(["jailbreak.*"])}
    assert CRESCENDO_ATTACKER not in ids
    assert "jailbreak.crescendo" in ids
    assert CRESCENDO_ATTACKER in {
        p.info.id for p in select_probes(["jailbreak.*"], with_attacker=True)
    }


def _http_attacker(request: Mapping[str, Any], number: int) -> Reply:
    text = last_user_text(request)
    step = text.count("YOU:") + 1
    return Reply(text=f"gentle step {step}" if "refused" in text else f"step {step}")


def _http_target(request: Mapping[str, Any], number: int) -> Reply:
    last = last_user_text(request)
    if last == "step 2":
        return Reply(text="I'm sorry, but I can't help with that.")
    return Reply(text=f"ok ({last})")


def test_attacker_and_target_over_http(tmp_path: Path) -> None:
    with ChatServer(_http_attacker) as attacker_server, ChatServer(_http_target) as server:
        spec = {
            **SPEC,
            "attacker_options": {"base_url": attacker_server.base_url, "model": "attacker"},
            "crescendo": {"max_turns": 2, "max_backtracks": 1},
        }
        attacker = make_attacker(spec)
        assert attacker is not None
        target = make_target("openai", {"base_url": server.base_url, "model": "bot"})
        plan = plan_from_spec(spec)
        run_plan(tmp_path, plan, target, detectors_for([]), RunSettings(), attacker=attacker)
        logged = read_log(tmp_path / LOG_NAME)
        assert len(logged) == len(plan.attempts)
        for attempt in logged:
            assert [t.content for t in attempt.transcript if t.role == "user"] == [
                "step 1",
                "gentle step 2",
            ]
            # 'ok (...)' is not a refusal, so the compliance detector hits
            assert attempt.verdict is Outcome.HIT
        # two calls each for two accepted turns plus two for the one taken back
        assert server.requests == attacker_server.requests == 3 * len(plan.attempts)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["attacker"]["crescendo"] == {"max_turns": 2, "max_backtracks": 1}
