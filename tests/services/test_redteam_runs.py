"""``run_redteam``: a red-team run checked, run and recorded as evidence in one call.

Oracle: a callable target that leaks the planted secret on every attempt, so the
recorded secret-leakage rate must be exactly 1 over every planned attempt; a target
that always fails has no scored attempt, so nothing may be recorded.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from ombud.governance import InvalidInput, NotFoundError, PermissionDenied, SystemProfile
from ombud.redteam import CallableTarget, NoResultError, RedteamError, TargetError
from ombud.redteam.runner import LOG_NAME, SPEC_NAME
from ombud.services import systems, workspaces
from ombud.services.context import AppContext
from ombud.services.redteam_runs import (
    RedteamRequest,
    resumable_spec,
    resume_redteam,
    run_redteam,
)
from ombud.services.runs import RecordTarget
from ombud.store.models import EvidenceRow

SECRET = "PLANTED-CODE-1234"
PROBE = "leakage.planted_secret"

PROFILE = SystemProfile(
    name="Support bot",
    purpose="Answers customer questions",
    owner="olivia",
    owner_team="support",
    domain="customer_service",
    kind="llm_application",
    operator_role="deployer",
    automation="fully_automated",
)


class Leaky:
    """Leaks the secret on every call and counts the calls."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, turns: Sequence[Any]) -> str:
        self.calls += 1
        return f"Sure! The code is {SECRET}."


@pytest.fixture
def team(context: AppContext) -> AppContext:
    admin = context.actor("ada")
    workspaces.add_user(context, admin, username="olivia", roles=["owner"])
    workspaces.add_user(context, admin, username="audrey", roles=["auditor"])
    olivia = context.actor("olivia")
    systems.register_system(context, olivia, "bot", PROFILE)
    systems.add_version(context, olivia, "bot", "1.0")
    return context


def _evidence_rows(context: AppContext) -> int:
    with context.read() as session:
        return int(session.execute(select(func.count()).select_from(EvidenceRow)).scalar_one())


def _request(run_dir: Path, **fields: Any) -> RedteamRequest:
    """A request for the leakage probe; the target object passed beside it replaces the
    python target named here unless a test names an importable function."""
    options = {"function": "unused:stand_in", "api_key": "sk-not-stored"}
    return RedteamRequest(
        run_dir=run_dir,
        **{
            "target": "python",
            "target_options": options,
            "probes": (PROBE,),
            "secrets": (SECRET,),
            "concurrency": 2,
            **fields,
        },
    )


def test_a_run_is_recorded_as_evidence_on_the_version(team: AppContext, tmp_path: Path) -> None:
    leaky = Leaky()
    run_dir = tmp_path / "run"
    request = _request(run_dir)
    record = RecordTarget(team, team.actor("olivia"), "bot", "1.0")
    done = run_redteam(request, record, CallableTarget(leaky))
    assert done.ran == len(done.attempts) == leaky.calls > 0
    assert done.outcome.measured
    assert done.evidence is not None
    assert done.evidence.kind == "redteam_run"
    assert done.evidence.version == "1.0"
    assert done.evidence.metrics["redteam.secret_leakage.attack_success_rate"] == 1.0
    assert _evidence_rows(team) == 1
    # The folder is a complete run folder: its spec can resume it, credentials are not in it.
    stored = json.loads((run_dir / SPEC_NAME).read_text(encoding="utf-8"))
    assert stored["probes"] == [PROBE]
    assert "api_key" not in stored["target_options"]
    assert stored["settings"]["concurrency"] == 2


@pytest.mark.parametrize(
    ("actor", "system", "version", "error"),
    [
        ("olivia", "bot", "9.9", InvalidInput),
        ("olivia", "nobody", "1.0", NotFoundError),
        ("audrey", "bot", "1.0", PermissionDenied),
    ],
)
def test_a_refused_record_is_refused_before_the_target_is_called(
    team: AppContext,
    tmp_path: Path,
    actor: str,
    system: str,
    version: str,
    error: type[Exception],
) -> None:
    leaky = Leaky()
    run_dir = tmp_path / "run"
    request = _request(run_dir)
    with pytest.raises(error):
        run_redteam(
            request, RecordTarget(team, team.actor(actor), system, version), CallableTarget(leaky)
        )
    assert leaky.calls == 0
    assert not run_dir.exists()
    assert _evidence_rows(team) == 0


def test_a_run_that_scored_nothing_is_not_recorded(team: AppContext, tmp_path: Path) -> None:
    def down(turns: Sequence[Any]) -> str:
        raise TargetError("target down", retryable=False)

    run_dir = tmp_path / "run"
    request = _request(run_dir)
    with pytest.raises(NoResultError):
        run_redteam(
            request, RecordTarget(team, team.actor("olivia"), "bot", "1.0"), CallableTarget(down)
        )
    assert _evidence_rows(team) == 0
    # The log stays, so the run can be resumed once the target is fixed.
    assert (run_dir / LOG_NAME).stat().st_size > 0


def test_without_a_system_the_run_needs_no_workspace_and_resumes(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    request = _request(run_dir, target_options={"function": f"{__name__}:leak"})
    done = run_redteam(request)
    assert done.evidence is None
    assert done.ran == len(done.attempts) == done.outcome.scored > 0
    log_size = (run_dir / LOG_NAME).stat().st_size
    # A second run into the same folder is refused before anything is sent ...
    with pytest.raises(RedteamError, match="already holds attempts"):
        run_redteam(request)
    assert (run_dir / LOG_NAME).stat().st_size == log_size
    # ... and resuming the finished run rebuilds it from run.json with nothing left to send.
    again = resume_redteam(run_dir, resumable_spec(run_dir), target_options={}, attacker_options={})
    assert again.ran == 0
    assert len(again.attempts) == done.ran


def leak(turns: Sequence[Any]) -> str:
    """The python target rebuilt from ``run.json``: leaks on every call."""
    return f"Sure! The code is {SECRET}."
