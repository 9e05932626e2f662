"""``ombud redteam record``: a run's attack success rates land as evidence on a version.

Oracle: a callable target that leaks the planted secret on every attempt, so the
recorded secret-leakage rate must be exactly 1.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ombud.redteam import CallableTarget, RunSettings, build_plan, probe_registry, run_plan
from ombud.redteam.runner import detectors_for

Invoke = Any  # the `invoke` fixture of tests/cli/conftest.py
SECRET = "PLANTED-CODE-1234"


def _leaky(turns: Sequence[Any]) -> str:
    return f"Sure! The code is {SECRET}."


def test_record_a_run_as_evidence(invoke: Invoke, tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    plan = build_plan([probe_registry()["leakage.planted_secret"]])
    run_plan(
        run_dir, plan, CallableTarget(_leaky), detectors_for([SECRET]), RunSettings(concurrency=2)
    )
    ws = tmp_path / "ws"
    assert invoke("init", str(ws), "--admin", "ada").code == 0
    w = ("-w", str(ws), "--as", "ada")
    assert (
        invoke(
            *w,
            "system",
            "register",
            "bot",
            "--name",
            "Bot",
            "--purpose",
            "Chat",
            "--owner",
            "ada",
            "--team",
            "web",
            "--domain",
            "customer_service",
            "--kind",
            "llm_application",
            "--role",
            "deployer",
            "--automation",
            "fully_automated",
        ).code
        == 0
    )
    assert invoke(*w, "system", "version", "add", "bot", "1.0").code == 0
    recorded = invoke(
        *w, "redteam", "record", str(run_dir), "--system", "bot", "--version", "1.0", "--json"
    )
    assert recorded.code == 0, recorded.err
    evidence = json.loads(recorded.out)
    assert evidence["kind"] == "redteam_run"
    assert evidence["metrics"]["redteam.secret_leakage.attack_success_rate"] == 1.0
    assert {a["name"] for a in evidence["artifacts"]} >= {"attempts.jsonl"}
    missing = invoke(
        *w, "redteam", "record", str(tmp_path / "nope"), "--system", "bot", "--version", "1.0"
    )
    assert missing.code == 2
    assert "no manifest.json" in missing.err
