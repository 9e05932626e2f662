"""``ombud demo``: build the demo workspace and print the classified portfolio."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ombud.cli._state import emit_json, os_user, state_of
from ombud.cli.render import render_portfolio
from ombud.services.demo import DEMO_ADMIN, run_demo

__all__ = ["register"]


def demo_cmd(
    ctx: typer.Context,
    workspace: Annotated[
        Path, typer.Option("--workspace", help="Folder for the demo workspace.")
    ] = Path("demo-workspace"),
    fresh: Annotated[bool, typer.Option(help="Start from an empty workspace.")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Build a realistic portfolio from real public data sets, classify it, print it."""
    state = state_of(ctx)
    with state.out.status("building the demo portfolio") as status:
        report = run_demo(
            workspace, fresh=fresh, os_user=os_user(), progress=lambda msg: status.update(msg)
        )
    if as_json:
        emit_json(
            {"workspace": str(report.workspace), "systems": report.systems, "notes": report.notes}
        )
        return
    out = state.out
    render_portfolio(
        out,
        [
            {
                **s,
                "tier": (s["classification"] or {}).get("tier"),
                "eu_category": (s["classification"] or {}).get("eu_category"),
            }
            for s in report.systems
        ],
    )
    for system in sorted(report.systems, key=lambda s: (s["classification"] or {}).get("tier", 9)):
        c = system["classification"]
        if not c:
            continue
        out.print(
            f"\n[bold]{system['name']}[/] ({system['id']}): tier {c['tier']} "
            f"({c['tier_label']}), {c['eu_category']}, status {system['status']}"
        )
        for reason in c["result"]["reasons"]:
            out.print(f"  • {reason['text']}  [dim][{reason['citation']}][/]")
        for regime in c["result"]["other_regimes"]:
            out.print(f"  • also: {regime['title']}  [dim][{regime['citation']}][/]")
        out.print(
            f"  obligations: {len(c['result']['obligations'])} "
            f"({', '.join(o['id'] for o in c['result']['obligations'][:6])}"
            f"{', ...' if len(c['result']['obligations']) > 6 else ''})"
        )
    for note in report.notes:
        out.print(f"[yellow]note:[/] {note}")
    out.print(
        f"\nworkspace: {report.workspace}  (users: {DEMO_ADMIN} is admin; try "
        f"`ombud -w {report.workspace} system show recidivism-risk` or "
        f"`ombud -w {report.workspace} audit-log verify`)"
    )


def register(app: typer.Typer) -> None:
    app.command("demo")(demo_cmd)
