"""``ombud export cyclonedx``: the inventory for supply-chain tools."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from ombud.cli._output import check_output, write_output
from ombud.cli._state import state_of
from ombud.services import cards

__all__ = ["register"]

export_app = typer.Typer(help="Export the inventory in standard formats.", no_args_is_help=True)


@export_app.command("cyclonedx")
def cyclonedx_cmd(
    ctx: typer.Context,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Write to this file.")
    ] = None,
) -> None:
    """CycloneDX 1.6 ML-BOM of every system (latest version) with its model card."""
    check_output(output)
    state = state_of(ctx)
    with state.context() as context:
        text = cards.inventory_bom(context)
    if output is None:
        sys.stdout.write(text)
    else:
        write_output(output, text)
        sys.stderr.write(f"wrote {output} (CycloneDX 1.6, schema-valid)\n")


def register(app: typer.Typer) -> None:
    app.add_typer(export_app, name="export")
