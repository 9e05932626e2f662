"""Every command is documented: a command missing from the docs/ pages fails the build."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import typer

from ombud.cli.main import app

DOC = "\n".join(
    page.read_text(encoding="utf-8") for page in (Path(__file__).parents[2] / "docs").glob("*.md")
)


def _commands(command: Any, prefix: str) -> list[str]:
    # typer vendors its own click, so look for the group shape rather than a class.
    if hasattr(command, "commands"):
        found = []
        for name, sub in command.commands.items():
            found += _commands(sub, f"{prefix} {name}")
        return found
    return [prefix]


COMMANDS = _commands(typer.main.get_command(app), "ombud")


def test_the_command_tree_is_found() -> None:
    assert "ombud system register" in COMMANDS
    assert len(COMMANDS) >= 12


@pytest.mark.parametrize("command", COMMANDS)
def test_command_is_documented(command: str) -> None:
    assert f"`{command}" in DOC, f"{command} is not documented in docs/*.md"
