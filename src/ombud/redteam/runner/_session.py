"""A run on disk: a folder with ``manifest.json`` and ``attempts.jsonl``.

``start_run`` and ``resume_run`` share one code path; resume only differs in
skipping the attempt ids already finished in the log. The manifest records what an
auditor needs to reproduce the run (versions, seed, prompt-set hashes, a hash of
the target configuration with secrets left out).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import platform
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from ombud.redteam.core import Attempt, Detector, RedteamError, Target
from ombud.redteam.runner._execute import (
    AttackerSetup,
    EarlyStop,
    RunSettings,
    close_detectors,
    execute,
)
from ombud.redteam.runner._log import RunLog, finished_ids, latest_attempts, read_log
from ombud.redteam.runner._outcome import run_outcome
from ombud.redteam.runner._plan import Plan, probe_prompt_hash

__all__ = ["LOG_NAME", "MANIFEST_NAME", "Estimate", "estimate", "read_manifest", "run_plan"]

LOG_NAME = "attempts.jsonl"
MANIFEST_NAME = "manifest.json"


def ombud_version() -> str:
    try:
        return version("ombud")
    except PackageNotFoundError:
        return "unknown"


def _hash(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()


def _manifest(
    plan: Plan,
    target: Target,
    detectors: Mapping[str, Detector],
    settings: RunSettings,
    spec: Mapping[str, Any],
) -> dict[str, Any]:
    by_probe: dict[str, list[Attempt]] = {}
    for attempt in plan.attempts:
        if not attempt.mutators:
            by_probe.setdefault(attempt.probe, []).append(attempt)
    described = dict(target.describe())
    return {
        "ombud_version": ombud_version(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "created_at": time.time(),
        "seed": settings.seed,
        "settings": asdict(settings),
        "spec": dict(spec),
        "probe_prompt_sha256": {p: probe_prompt_hash(a) for p, a in sorted(by_probe.items())},
        "mutator_chains": sorted({"+".join(a.mutators) for a in plan.attempts if a.mutators}),
        "detectors": sorted(detectors),
        "target": described,
        "target_config_sha256": _hash(described),
        "plan_sha256": plan.sha256,
        "attempts_planned": len(plan.attempts),
        "plan_problems": list(plan.problems),
    }


def read_json_object(path: Path, what: str) -> dict[str, Any]:
    """A JSON object from ``path``, or a one-line ``RedteamError`` naming the file."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise RedteamError(f"{path}: not UTF-8 text (byte {exc.start}); {what}") from exc
    except json.JSONDecodeError as exc:
        raise RedteamError(f"{path}:{exc.lineno}: not JSON ({exc.msg}); {what}") from exc
    except OSError as exc:
        raise RedteamError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    if not isinstance(data, dict):
        raise RedteamError(f"{path}: expected a JSON object, found {type(data).__name__}; {what}")
    return data


def read_manifest(run_dir: Path) -> dict[str, Any]:
    path = run_dir / MANIFEST_NAME
    if not path.is_file():
        raise RedteamError(f"{run_dir} has no {MANIFEST_NAME}; is it a red-team run folder?")
    data = read_json_object(path, "the manifest was edited or damaged")
    for key, kind in (("target", dict), ("plan_sha256", (str, type(None)))):
        if key in data and not isinstance(data[key], kind):
            raise RedteamError(
                f"{path}: field '{key}' has the wrong type ({type(data[key]).__name__}); "
                "the manifest was edited or damaged"
            )
    return data


#: The description fields that say *which* system is attacked (not how it is called).
TARGET_IDENTITY = ("type", "url", "model", "model_file", "command", "function", "name")


def target_identity(described: Mapping[str, Any]) -> dict[str, Any]:
    return {k: described[k] for k in TARGET_IDENTITY if described.get(k) is not None}


def _check_same_target(
    run_dir: Path, previous: Mapping[str, Any], now: Mapping[str, Any], allowed: bool
) -> dict[str, Any] | None:
    """The recorded change if the resumed target differs; refused unless ``allowed``."""
    before, after = target_identity(previous), target_identity(now)
    if before == after:
        return None
    changed = ", ".join(
        f"{k} {before.get(k)!r} -> {after.get(k)!r}"
        for k in TARGET_IDENTITY
        if before.get(k) != after.get(k)
    )
    if not allowed:
        raise RedteamError(
            f"{run_dir}: resume would attack a different target than the run started with "
            f"({changed}); start a new run folder, or pass --allow-target-change to mix "
            "both targets in one run (recorded in the manifest)"
        )
    return {"at": time.time(), "from": before, "to": after}


def run_plan(
    run_dir: Path,
    plan: Plan,
    target: Target,
    detectors: Mapping[str, Detector],
    settings: RunSettings,
    *,
    resume: bool = False,
    spec: Mapping[str, Any] | None = None,
    on_attempt: Callable[[Attempt], None] | None = None,
    attacker: AttackerSetup | None = None,
    allow_target_change: bool = False,
) -> int:
    """Run (or finish) ``plan`` into ``run_dir``; returns the number of attempts run now.

    ``attacker`` drives the attempts of attacker-driven probes (crescendo); it is
    closed with the target when the run ends. On resume, a target whose identity (kind,
    URL, model...) differs from the manifest's is refused unless ``allow_target_change``,
    which is then recorded under ``target_changes`` in the manifest. The manifest's
    ``outcome`` counts the attempts scored and the causes of those not scored.
    """
    run_dir.mkdir(parents=True, exist_ok=True)
    log_path = run_dir / LOG_NAME
    manifest = _manifest(plan, target, detectors, settings, spec or {})
    if attacker is not None:
        described = dict(attacker.target.describe())
        manifest["attacker"] = {
            "target": described,
            "target_config_sha256": _hash(described),
            "crescendo": asdict(attacker.crescendo),
        }
    if resume:
        previous = read_manifest(run_dir)
        if previous.get("plan_sha256") != plan.sha256:
            raise RedteamError(
                f"{run_dir}: the rebuilt plan differs from the one in the manifest (probes, "
                "mutators or seed changed); start a new run folder instead"
            )
        change = _check_same_target(
            run_dir, previous.get("target") or {}, manifest["target"], allow_target_change
        )
        changes = list(previous.get("target_changes") or [])
        if change is not None:
            changes.append(change)
        if changes:
            manifest["target_changes"] = changes
        manifest["created_at"] = previous.get("created_at", manifest["created_at"])
        done = finished_ids(log_path)
    else:
        if log_path.exists() and log_path.stat().st_size > 0:
            raise RedteamError(
                f"{log_path} already holds attempts; use `ombud redteam resume {run_dir}` "
                "or choose an empty folder"
            )
        done = set()
    (run_dir / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    # Hashing every attempt id costs ~0.05 ms each; a fresh run has nothing to skip.
    pending = [a for a in plan.attempts if a.attempt_id not in done] if done else plan.attempts
    stopper = EarlyStop.from_settings(settings)
    if stopper is not None and resume and log_path.exists():
        stopper.seed(read_log(log_path))

    async def go() -> int:
        try:
            with RunLog(log_path) as log:
                return await execute(
                    pending,
                    target,
                    detectors,
                    log,
                    settings,
                    on_attempt,
                    early_stop=stopper,
                    attacker=attacker,
                )
        finally:
            await target.aclose()
            if attacker is not None:
                await attacker.target.aclose()
            await close_detectors(detectors)

    count = asyncio.run(go())
    manifest["finished_at"] = time.time()
    manifest["attempts_run_last"] = count
    if stopper is not None:
        manifest["early_stopping"] = stopper.summary()
    manifest["outcome"] = run_outcome(
        latest_attempts(read_log(log_path)), manifest["target"]
    ).to_dict()
    (run_dir / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return count


@dataclass(frozen=True)
class Estimate:
    attempts: int
    target_calls: int
    prompt_tokens: int
    completion_tokens: int
    seconds: float
    cost: float | None


def estimate(
    attempts: Sequence[Attempt],
    settings: RunSettings,
    *,
    latency_s: float = 1.0,
    completion_tokens: int = 256,
    price_per_1k_tokens: float | None = None,
) -> Estimate:
    """What a run will cost before it starts: calls, tokens (4 chars/token), time, money."""
    calls = 0
    prompt = 0
    for attempt in attempts:
        context = 0
        for turn in attempt.turns:
            context += len(turn.content) // 4 + 1
            if turn.role == "user":
                calls += 1
                prompt += context
                context += completion_tokens
    completion = calls * completion_tokens
    seconds = calls * latency_s / settings.concurrency
    if settings.requests_per_minute:
        seconds = max(seconds, calls / settings.requests_per_minute * 60)
    if settings.tokens_per_minute:
        seconds = max(seconds, (prompt + completion) / settings.tokens_per_minute * 60)
    cost = None
    if price_per_1k_tokens is not None:
        cost = (prompt + completion) / 1000 * price_per_1k_tokens
    return Estimate(len(attempts), calls, prompt, completion, seconds, cost)
