"""``--system/--version`` on every engine command: where the run's evidence goes.

The run service does the checking and recording; this only turns the two flags into a
:class:`RecordTarget` (with the workspace opened and the acting user resolved) for the
length of the command, or into None when the run is not to be recorded, which needs no
workspace at all.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from ombud.cli._output import open_output, write_output
from ombud.cli._state import state_of
from ombud.governance import InvalidInput
from ombud.services.evidence import Evidence
from ombud.services.runs import RecordTarget

__all__ = ["OutputOption", "SystemOption", "VersionOption", "announce", "recording", "show"]

#: The options every engine command shares, spelled once.
SystemOption = Annotated[
    str | None, typer.Option("--system", help="Record as evidence on this system.")
]
VersionOption = Annotated[str | None, typer.Option("--version", help="...on this version.")]
OutputOption = Annotated[Path | None, typer.Option("-o", "--output", help="Write to a file.")]


@contextmanager
def recording(
    ctx: typer.Context, system: str | None, version: str | None
) -> Iterator[RecordTarget | None]:
    if (system is None) != (version is None):
        raise InvalidInput("--system and --version go together; pass both or neither")
    if system is None or version is None:
        yield None
        return
    state = state_of(ctx)
    with state.context() as context:
        yield RecordTarget(context, state.actor(context), system, version)


def announce(evidence: Evidence | None) -> None:
    """Say on stderr what was recorded (stdout stays the report's, for pipes)."""
    if evidence is not None:
        Console(stderr=True).print(
            f"recorded evidence #{evidence.id} on {evidence.system_id}@{evidence.version}: "
            f"{evidence.summary}"
        )


def show(
    output: Path | None,
    *,
    text: str | None = None,
    table: Callable[[Console], None] | None = None,
) -> None:
    """Write a run's report: ``text`` (JSON, HTML, Markdown) or a Rich ``table``, to
    stdout or to ``output`` (then say where on stderr)."""
    if table is not None:
        if output is None:
            table(Console(soft_wrap=True))
        else:
            with open_output(output) as handle:
                table(Console(file=handle, width=200))
    elif text is not None:
        ended = text if text.endswith("\n") else text + "\n"
        if output is None:
            sys.stdout.write(ended)
        else:
            write_output(output, ended)
    if output is not None:
        Console(stderr=True).print(f"written to {output}")
