"""What ``ombud redteam run`` and ``resume`` share: parse options, show progress, judge a run.

The run itself is assembled and checked by ``ombud.services.redteam_runs``; this module
only renders it. ``show_run`` fails a run in which no attempt was scored with exit 3 and
the counted causes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TimeElapsedColumn
from rich.table import Table

from ombud.cli._errors import EXIT_ENVIRONMENT
from ombud.redteam import Attempt, RedteamError, attack_success_rates
from ombud.redteam.reports import NO_DATA, percent
from ombud.redteam.runner import LOG_NAME
from ombud.services.redteam_runs import PreparedRun, RedteamRun

__all__ = [
    "ProgressBar",
    "console",
    "fail",
    "has_manifest",
    "parse_options",
    "print_rates",
    "show_run",
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


class ProgressBar:
    """The run's progress on the console: plan warnings first, then a transient bar."""

    def __init__(self) -> None:
        self._progress: Progress | None = None
        self._task: TaskID | None = None

    def started(self, prepared: PreparedRun, done: int) -> None:
        for problem in prepared.plan.problems:
            console.print(f"[yellow]warning:[/yellow] {problem}")
        self._progress = Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        self._progress.start()
        self._task = self._progress.add_task("attempts", total=len(prepared.plan.attempts))
        if done:
            self._progress.update(self._task, completed=done)

    def attempt(self, attempt: Attempt) -> None:
        if self._progress is not None and self._task is not None:
            self._progress.advance(self._task)

    def stopped(self) -> None:
        if self._progress is not None:
            self._progress.stop()


def show_run(finished: RedteamRun) -> None:
    """Rates of a finished run; exit 3 if no attempt was scored (fix the target, resume)."""
    run_dir = finished.run_dir
    console.print(f"{finished.ran} attempts run; log: {run_dir / LOG_NAME}")
    print_rates(finished.attempts, "category")
    outcome = finished.outcome
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
