"""``ombud redteam record``: a finished (or imported) run becomes Evidence on a system version.

Kept apart from the harness's own commands, which work without any workspace.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ombud.cli._state import emit_json, state_of
from ombud.governance import DomainError, InvalidInput
from ombud.redteam import NoResultError, RedteamError, evidence_draft
from ombud.services.evidence import record_evidence

__all__ = ["register"]


def record_cmd(
    ctx: typer.Context,
    run_dir: Annotated[Path, typer.Argument(help="Run folder (from run, resume or import).")],
    system: Annotated[str, typer.Option("--system", help="System id.")],
    version: Annotated[str, typer.Option("--version", help="Version label of that system.")],
    redact: Annotated[
        bool, typer.Option(help="Redact harmful response text in the stored report.")
    ] = True,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Record a red-team run as evidence (kind redteam_run) that a gate can read."""
    state = state_of(ctx)
    try:
        draft = evidence_draft(run_dir, redact_report=redact)
    except NoResultError as exc:
        # Not bad input: the run exists but measured nothing, so recording is refused (exit 1).
        raise DomainError(str(exc)) from None
    except (RedteamError, OSError) as exc:
        raise InvalidInput(f"{run_dir}: {exc}") from None
    with state.context() as context:
        evidence = record_evidence(context, state.actor(context), system, version, draft)
    if as_json:
        emit_json(evidence)
        return
    rates = {k: v for k, v in draft.metrics.items() if k.endswith(".attack_success_rate")}
    state.out.print(
        f"evidence #{evidence.id} recorded on {system}@{version}: "
        + ", ".join(f"{k.split('.')[1]} {v:.0%}" for k, v in sorted(rates.items()))
    )


def register(redteam_app: typer.Typer) -> None:
    redteam_app.command("record")(record_cmd)
