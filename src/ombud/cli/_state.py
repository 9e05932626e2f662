"""What every command needs: where the workspace is, who acts, and how to print.

Settings come from options or the environment and are passed down explicitly; there is
no global configuration object.
"""

from __future__ import annotations

import getpass
import json
import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

from ombud.services.context import Actor, AppContext, open_context, resolve_username
from ombud.store import Workspace, find_workspace, open_workspace

__all__ = ["CliState", "emit_json", "state_of"]


@dataclass
class CliState:
    workspace_dir: Path | None
    database_url: str | None
    user: str | None
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    out: Console = field(default_factory=lambda: Console(soft_wrap=True))

    def workspace(self) -> Workspace:
        if self.workspace_dir is not None:
            return open_workspace(self.workspace_dir, self.database_url)
        env = dict(self.env)
        if self.database_url:
            env["OMBUD_DATABASE_URL"] = self.database_url
        return find_workspace(Path.cwd(), env)

    @contextmanager
    def context(self) -> Iterator[AppContext]:
        context = open_context(self.workspace())
        try:
            yield context
        finally:
            context.close()

    def actor(self, context: AppContext) -> Actor:
        with context.read() as session:
            username = resolve_username(session, self.user, os_user())
        return context.actor(username)


def os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def state_of(ctx: typer.Context) -> CliState:
    state = ctx.find_root().obj
    assert isinstance(state, CliState)
    return state


def _plain(value: Any) -> Any:
    """A service's typed result as its JSON shape (its ``to_dict``), anything else as text."""
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        return to_dict()
    return str(value)


def emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=_plain) + "\n")
