"""``--system/--version`` on every engine command: where the run's evidence goes.

The run service does the checking and recording; this only turns the two flags into a
:class:`RecordTarget` (with the workspace opened and the acting user resolved) for the
length of the command, or into None when the run is not to be recorded, which needs no
workspace at all.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer

from ombud.cli._state import state_of
from ombud.governance import InvalidInput
from ombud.services.runs import RecordTarget

__all__ = ["recording"]


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
