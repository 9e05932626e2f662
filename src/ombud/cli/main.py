"""The ``ombud`` command: a thin adapter that parses, calls a service and renders.

Every failure ends with one line on stderr and an exit code from ``cli/_errors.py``
(0 ok, 1 failed or refused, 2 bad input, 3 environment, 70 internal error); never a
traceback unless ``--debug`` asks for it.
"""

from __future__ import annotations

import sys
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from ombud.cli import (
    admin,
    audit_bias,
    audit_fairness,
    audit_log,
    card,
    classify,
    compliance,
    demo,
    discover,
    evidence,
    explain,
    export,
    finding,
    gate,
    incident,
    mitigate,
    monitor,
    policy,
    redteam,
    redteam_record,
    review,
    serve,
    supplier,
    systems,
)
from ombud.cli._errors import describe
from ombud.cli._state import CliState

__all__ = ["app", "run"]

app = typer.Typer(
    name="ombud",
    help="Ombud: inventory, risk classification, evidence and an audit trail for AI systems.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def _root(
    ctx: typer.Context,
    workspace: Annotated[
        Path | None,
        typer.Option(
            "--workspace",
            "-w",
            envvar="OMBUD_WORKSPACE",
            help="Workspace folder (default: found from the current folder upward).",
        ),
    ] = None,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            envvar="OMBUD_DATABASE_URL",
            help="Database URL (sqlite:///PATH or postgresql://...).",
        ),
    ] = None,
    as_user: Annotated[
        str | None,
        typer.Option("--as", envvar="OMBUD_USER", help="Act as this workspace user."),
    ] = None,
    debug: Annotated[
        bool,
        typer.Option(
            "--debug",
            envvar="OMBUD_DEBUG",
            help="Show the Python traceback of an error instead of one line.",
        ),
    ] = False,
) -> None:
    if isinstance(ctx.obj, _Flags):
        ctx.obj.debug = debug
    ctx.obj = CliState(workspace_dir=workspace, database_url=db, user=as_user)


@dataclass
class _Flags:
    """What ``run`` needs to know from the parsed global options once the command failed."""

    debug: bool = False


admin.register(app)
systems.register(app)
policy.register(app)
gate.register(app)
review.register(app)
classify.register(app)
audit_log.register(app)
evidence.register(app)
finding.register(app)
incident.register(app)
supplier.register(app)
audit_bias.register(audit_fairness.app)
app.add_typer(audit_fairness.app, name="audit")
redteam_record.register(redteam.app)
app.add_typer(redteam.app, name="redteam")
app.add_typer(explain.app, name="explain")
app.add_typer(mitigate.app, name="mitigate")
demo.register(app)
compliance.register(app)
card.register(app)
monitor.register(app)
discover.register(app)
export.register(app)
serve.register(app)


def run(argv: list[str] | None = None) -> None:
    """Console-script entry point: the CLI's one error boundary.

    Click's standalone mode handles usage errors (exit 2) and ``typer.Exit``; every other
    exception becomes one line on stderr and the exit code of ``cli/_errors.py``, and
    ``--debug`` adds the traceback.
    """
    flags = _Flags()
    try:
        app(args=argv, obj=flags)
    except Exception as exc:
        code, line = describe(exc)
        if flags.debug:
            traceback.print_exc(file=sys.stderr)
        sys.stderr.write(line + "\n")
        sys.exit(code)
