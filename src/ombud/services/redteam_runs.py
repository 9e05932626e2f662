"""A red-team run as one service call: assemble, check, run, and record as evidence.

The harness (``ombud.redteam``) is a library that knows nothing of workspaces. Starting a
run from a request means turning its fields into a run spec (what ``run.json`` stores),
building plan, target, detectors and attacker from that spec, and checking all of it
before the run folder is touched; recording it means refusing an unknown system, version
or a missing permission *before* a run that may take an hour, then recording the
evidence once the log exists. ``ombud redteam run``/``resume`` and the demo both come
through here, so they build a run the same way; the CLI only parses flags and renders.

It follows the engine-run contract (``services/runs.py``): ``run_redteam`` without a
``RecordTarget`` needs no workspace, as the red-team commands have always worked outside
one; with one, the target is checked before the run and the evidence recorded after it in
one transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from ombud.redteam import (
    Attempt,
    Detector,
    Estimate,
    Plan,
    RedteamError,
    RunOutcome,
    RunSettings,
    Target,
    estimate,
    evidence_draft,
    latest_attempts,
    read_log,
    read_manifest,
    run_outcome,
    run_plan,
)
from ombud.redteam.importers import prompt_set_entry
from ombud.redteam.runner import (
    LOG_NAME,
    AttackerSetup,
    detectors_for,
    make_attacker,
    make_target,
    plan_from_spec,
    public_spec,
    read_spec,
    settings_from_spec,
    write_spec,
)
from ombud.services.evidence import Evidence
from ombud.services.runs import EngineRun, RecordTarget, run_engine

__all__ = [
    "PreparedRun",
    "RedteamRequest",
    "RedteamRun",
    "RunObserver",
    "check_run_folder",
    "estimate_redteam",
    "resumable_spec",
    "resume_redteam",
    "run_redteam",
]


@dataclass(frozen=True)
class RedteamRequest:
    """One run: where it goes, what it sends, and (optionally) where its evidence lands.

    The fields mirror ``ombud redteam run``'s flags. Options whose names look like
    credentials (``api_key``...) are used but never written to ``run.json``.
    """

    run_dir: Path
    target: str = "openai"
    target_options: Mapping[str, Any] = field(default_factory=dict)
    probes: Sequence[str] = ()
    mutators: Sequence[str] = ()
    secrets: Sequence[str] = ()
    judge_options: Mapping[str, Any] = field(default_factory=dict)
    attacker_options: Mapping[str, Any] = field(default_factory=dict)
    crescendo_max_turns: int = 6
    crescendo_max_backtracks: int = 3
    prompt_files: Sequence[Path] = ()
    prompts_format: str = "csv"
    prompts_license: str | None = None
    prompts_detectors: Sequence[str] = ()
    seed: int = 0
    concurrency: int = 8
    requests_per_minute: float | None = None
    tokens_per_minute: float | None = None
    max_retries: int = 4
    stop_halfwidth: float | None = None
    stop_by: str = "probe"
    stop_min_scored: int = 30
    #: Record the finished run as evidence on this system version (needs a workspace).
    redact_report: bool = True

    def spec(self) -> dict[str, Any]:
        """The run spec, credentials included; raises ``RedteamError`` for a bad prompt file."""
        return {
            "target": self.target,
            "target_options": dict(self.target_options),
            "probes": list(self.probes),
            "mutators": list(self.mutators),
            "secrets": list(self.secrets),
            "judge_options": dict(self.judge_options),
            "attacker_options": dict(self.attacker_options),
            "crescendo": {
                "max_turns": self.crescendo_max_turns,
                "max_backtracks": self.crescendo_max_backtracks,
            },
            "prompt_sets": [
                prompt_set_entry(
                    path, self.prompts_format, self.prompts_license, self.prompts_detectors
                )
                for path in self.prompt_files
            ],
            "seed": self.seed,
            "settings": {
                "concurrency": self.concurrency,
                "requests_per_minute": self.requests_per_minute,
                "tokens_per_minute": self.tokens_per_minute,
                "max_retries": self.max_retries,
                "seed": self.seed,
                "stop_halfwidth": self.stop_halfwidth,
                "stop_by": self.stop_by,
                "stop_min_scored": self.stop_min_scored,
            },
        }


@dataclass(frozen=True)
class PreparedRun:
    """Everything a run needs, built and checked before anything is written to disk.

    ``stored`` is the spec as ``run.json`` holds it (no credentials); the manifest
    records it too, so a resumed run compares like with like.
    """

    run_dir: Path
    stored: dict[str, Any]
    plan: Plan
    target: Target
    detectors: dict[str, Detector]
    settings: RunSettings
    attacker: AttackerSetup | None


@dataclass(frozen=True)
class RedteamRun:
    """A finished run: attempts run now, the whole log's latest attempts, its outcome, and
    the evidence recorded (None when the request named no system)."""

    run_dir: Path
    ran: int
    attempts: list[Attempt]
    outcome: RunOutcome
    evidence: Evidence | None = None


class RunObserver(Protocol):
    """Watches a run (a progress bar): told the plan once checked, each attempt, the end."""

    def started(self, prepared: PreparedRun, done: int) -> None: ...

    def attempt(self, attempt: Attempt) -> None: ...

    def stopped(self) -> None: ...


def estimate_redteam(
    request: RedteamRequest, *, latency_s: float, price_per_1k_tokens: float | None
) -> Estimate:
    """Calls, tokens, time and cost of ``request``'s plan; nothing is sent or written."""
    spec = request.spec()
    plan = plan_from_spec(spec)
    return estimate(
        plan.attempts,
        settings_from_spec(spec),
        latency_s=latency_s,
        price_per_1k_tokens=price_per_1k_tokens,
    )


def check_run_folder(run_dir: Path) -> None:
    """A new run's folder must be new or hold no attempts (checked before anything is written)."""
    if run_dir.exists() and not run_dir.is_dir():
        raise RedteamError(f"--out {run_dir} is a file; choose a folder for the run")
    log = run_dir / LOG_NAME
    if log.exists() and log.stat().st_size > 0:
        raise RedteamError(
            f"{log} already holds attempts; use `ombud redteam resume {run_dir}` "
            "or choose an empty folder"
        )


def _prepare(
    run_dir: Path,
    stored: dict[str, Any],
    target_options: Mapping[str, Any],
    judge_options: Mapping[str, Any] | None = None,
    attacker_options: Mapping[str, Any] | None = None,
    target: Target | None = None,
) -> PreparedRun:
    """Build plan, target, detectors and attacker from a stored spec plus the unstored
    options (credentials); raises ``RedteamError`` on the first bad setting."""
    settings = settings_from_spec(stored)
    plan = plan_from_spec(
        {
            **stored,
            "attacker_options": {**stored.get("attacker_options", {}), **(attacker_options or {})},
        }
    )
    attacker = make_attacker(stored, attacker_options)
    built = target or make_target(
        stored["target"], {**stored.get("target_options", {}), **target_options}
    )
    detectors = detectors_for(
        stored.get("secrets", []), {**stored.get("judge_options", {}), **(judge_options or {})}
    )
    return PreparedRun(run_dir, stored, plan, built, detectors, settings, attacker)


def _run(
    prepared: PreparedRun,
    *,
    resume: bool,
    allow_target_change: bool,
    observer: RunObserver | None,
) -> RedteamRun:
    run_dir = prepared.run_dir
    log = run_dir / LOG_NAME
    done = len(latest_attempts(read_log(log))) if resume and log.exists() else 0
    if observer is not None:
        observer.started(prepared, done)
    try:
        ran = run_plan(
            run_dir,
            prepared.plan,
            prepared.target,
            prepared.detectors,
            prepared.settings,
            resume=resume,
            spec=prepared.stored,
            on_attempt=observer.attempt if observer is not None else None,
            attacker=prepared.attacker,
            allow_target_change=allow_target_change,
        )
    finally:
        if observer is not None:
            observer.stopped()
    attempts = latest_attempts(read_log(log))
    return RedteamRun(run_dir, ran, attempts, run_outcome(attempts, prepared.target.describe()))


def redteam_run(
    request: RedteamRequest,
    target: Target | None = None,
    *,
    observer: RunObserver | None = None,
) -> EngineRun[RedteamRun]:
    """``request`` as an engine run: the run folder and every setting are checked when it
    starts (``RedteamError``), before anything is sent; its draft is the run's evidence
    (``NoResultError`` for a run that scored nothing, which then is not recorded)."""

    def execute() -> RedteamRun:
        spec = request.spec()
        check_run_folder(request.run_dir)
        prepared = _prepare(
            request.run_dir,
            public_spec(spec),
            spec["target_options"],
            spec["judge_options"],
            spec["attacker_options"],
            target,
        )
        write_spec(request.run_dir, spec)
        return _run(prepared, resume=False, allow_target_change=False, observer=observer)

    return EngineRun(
        label="red-team run",
        execute=execute,
        draft=lambda finished: evidence_draft(
            finished.run_dir, redact_report=request.redact_report
        ),
    )


def run_redteam(
    request: RedteamRequest,
    record: RecordTarget | None = None,
    target: Target | None = None,
    *,
    observer: RunObserver | None = None,
) -> RedteamRun:
    """Run ``request`` into a new folder; with ``record``, record it as evidence there.

    ``target`` replaces the one ``request.target``/``target_options`` would build (a
    caller's own object); the spec still names the request's. Refusals come before the
    run: permission, system and version (``GovernanceError``, through the run service),
    then the folder and every run setting (``RedteamError``).
    """
    outcome = run_engine(redteam_run(request, target, observer=observer), record)
    return replace(outcome.result, evidence=outcome.evidence)


def resumable_spec(run_dir: Path) -> dict[str, Any]:
    """The stored spec of a run folder that can be resumed (``run.json`` and a manifest);
    raises ``RedteamError`` for a folder not started by a run or damaged."""
    spec = read_spec(run_dir)
    read_manifest(run_dir)
    return spec


def resume_redteam(
    run_dir: Path,
    spec: dict[str, Any],
    *,
    target_options: Mapping[str, Any],
    attacker_options: Mapping[str, Any],
    allow_target_change: bool = False,
    observer: RunObserver | None = None,
) -> RedteamRun:
    """Finish an interrupted run from its folder and ``resumable_spec``; credentials are
    given again (``target_options``, ``attacker_options``), never stored."""
    prepared = _prepare(run_dir, spec, target_options, attacker_options=attacker_options)
    return _run(prepared, resume=True, allow_target_change=allow_target_change, observer=observer)
