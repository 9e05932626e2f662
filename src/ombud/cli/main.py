"""The ``ombud`` command: a thin adapter that parses, calls a service and renders.

User mistakes end with one line on stderr and exit code 2 (bad input) or 1 (a refused
or failed operation); never a traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from ombud.cli import (
    admin,
    audit,
    audit_bias,
    audit_fairness,
    card,
    classify,
    compliance,
    demo,
    evidence,
    export,
    finding,
    gate,
    incident,
    policy,
    redteam,
    redteam_record,
    review,
    serve,
    supplier,
    systems,
)
from ombud.cli._errors import exit_code_for
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
) -> None:
    ctx.obj = CliState(workspace_dir=workspace, database_url=db, user=as_user)


admin.register(app)
systems.register(app)
policy.register(app)
gate.register(app)
review.register(app)
classify.register(app)
audit.register(app)
evidence.register(app)
finding.register(app)
incident.register(app)
supplier.register(app)
audit_bias.register(audit_fairness.app)
app.add_typer(audit_fairness.app, name="audit")
redteam_record.register(redteam.app)
app.add_typer(redteam.app, name="redteam")
demo.register(app)
compliance.register(app)
card.register(app)
export.register(app)
serve.register(app)


def run(argv: list[str] | None = None) -> None:
    """Console-script entry point.

    Click's standalone mode handles usage errors (exit 2) and ``typer.Exit``; what is left
    are our own exceptions, which become one line on stderr with their exit code.
    """
    try:
        app(args=argv)
    except Exception as exc:
        code = exit_code_for(exc)
        if code is None:
            raise  # a bug: keep the traceback
        sys.stderr.write(f"error: {exc}\n")
        sys.exit(code)
