"""What ``ombud redteam run`` and ``resume`` share: build and check a run, run it, judge it.

Kept apart from the command definitions so each module stays small. ``prepare`` does
every up-front check (settings, probes, target options) before anything is written, and
``execute`` fails a run in which no attempt was scored with exit 3 and the counted causes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
from rich.table import Table

from ombud.cli._errors import EXIT_ENVIRONMENT
from ombud.redteam import (
    Attempt,
    Detector,
    Plan,
    RedteamError,
    RunSettings,
    Target,
    attack_success_rates,
    latest_attempts,
    read_log,
    run_plan,
)
from ombud.redteam.reports import NO_DATA, percent
from ombud.redteam.runner import (
    LOG_NAME,
    AttackerSetup,
    detectors_for,
    make_attacker,
    make_target,
    plan_from_spec,
    run_outcome,
    settings_from_spec,
)

__all__ = [
    "Prepared",
    "check_out",
    "console",
    "execute",
    "fail",
    "has_manifest",
    "parse_options",
    "prepare",
    "print_rates",
]

# soft_wrap: an error or warning stays one line (a path is never broken) at any width.
console = Console(soft_wrap=True)
#: Errors and warnings go to standard error, as every other command's do.
errors = Console(stderr=True, soft_wrap=True)


def fail(exc: Exception) -> typer.Exit:
    """One line on the console; exit 2 for input to fix, 3 when a file cannot be written."""
    errors.print(f"[red]error:[/red] {exc}")
    return typer.Exit(code=EXIT_ENVIRONMENT if isinstance(exc, OSError) else 2)


def parse_options(pairs: list[str], flag: str = "--target-option") -> dict[str, Any]:
    options: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise RedteamError(f"{flag} '{pair}' must look like key=value")
        try:
            options[key] = json.loads(value)
        except json.JSONDecodeError:
            options[key] = value
    return options


@dataclass
class Prepared:
    """Everything a run needs, built before anything is written to disk."""

    plan: Plan
    target: Target
    detectors: dict[str, Detector]
    settings: RunSettings
    attacker: AttackerSetup | None


def prepare(
    spec: dict[str, Any],
    target_options: dict[str, Any],
    judge_options: dict[str, Any] | None = None,
    attacker_options: dict[str, Any] | None = None,
) -> Prepared:
    """Validate the spec and build plan, target and detectors; raises ``RedteamError``.

    Every up-front check happens here, so a bad flag, probe name or target option is
    reported before the run folder is created.
    """
    settings = settings_from_spec(spec)
    plan = plan_from_spec(
        {
            **spec,
            "attacker_options": {**spec.get("attacker_options", {}), **(attacker_options or {})},
        }
    )
    attacker = make_attacker(spec, attacker_options)
    target = make_target(spec["target"], {**spec.get("target_options", {}), **target_options})
    detectors = detectors_for(
        spec.get("secrets", []), {**spec.get("judge_options", {}), **(judge_options or {})}
    )
    return Prepared(plan, target, detectors, settings, attacker)


def execute(
    run_dir: Path,
    spec: dict[str, Any],
    ready: Prepared,
    resume: bool,
    allow_target_change: bool = False,
) -> None:
    for problem in ready.plan.problems:
        console.print(f"[yellow]warning:[/yellow] {problem}")
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task("attempts", total=len(ready.plan.attempts))
        if resume and (run_dir / LOG_NAME).exists():
            progress.update(task, completed=len(latest_attempts(read_log(run_dir / LOG_NAME))))
        ran = run_plan(
            run_dir,
            ready.plan,
            ready.target,
            ready.detectors,
            ready.settings,
            resume=resume,
            spec=spec,
            on_attempt=lambda _a: progress.advance(task),
            attacker=ready.attacker,
            allow_target_change=allow_target_change,
        )
    console.print(f"{ran} attempts run; log: {run_dir / LOG_NAME}")
    attempts = latest_attempts(read_log(run_dir / LOG_NAME))
    print_rates(attempts, "category")
    outcome = run_outcome(attempts, ready.target.describe())
    if not outcome.measured:
        errors.print(
            f"[red]error:[/red] not a result, no attempt was scored: {outcome.causes_text()}; "
            f"fix the target, then `ombud redteam resume {run_dir}`"
        )
        raise typer.Exit(code=EXIT_ENVIRONMENT)
    if outcome.causes:
        errors.print(
            f"[yellow]warning:[/yellow] {outcome.causes_text()}; the rates are over the "
            f"{outcome.scored} scored attempts"
        )


def print_rates(attempts: list[Attempt], grouping: str) -> None:
    table = Table(title=f"attack success rate by {grouping}")
    for column in (grouping, "rate", "95% interval", "hits/scored", "unscorable", "errors"):
        table.add_column(column)
    for row in attack_success_rates(attempts, grouping):
        table.add_row(
            row.key,
            percent(row.rate),
            f"{percent(row.lower)} – {percent(row.upper)}" if row.scored else NO_DATA,
            f"{row.hits}/{row.scored}",
            str(row.unscorable),
            str(row.errors),
        )
    console.print(table)


def has_manifest(folder: Path) -> bool:
    return (folder / "manifest.json").is_file()


def check_out(out: Path) -> None:
    """The run folder must be new or hold no attempts (checked before anything is written)."""
    if out.exists() and not out.is_dir():
        raise RedteamError(f"--out {out} is a file; choose a folder for the run")
    log = out / LOG_NAME
    if log.exists() and log.stat().st_size > 0:
        raise RedteamError(
            f"{log} already holds attempts; use `ombud redteam resume {out}` "
            "or choose an empty folder"
        )
