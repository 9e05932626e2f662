"""``ombud discover code``: AI usage in source trees that the inventory does not know.

Exit codes are for CI: 0 every hit belongs to a registered system (or nothing was found),
1 unregistered AI usage was found, 2 bad input (a path that does not exist), 3 I/O.
"""

from __future__ import annotations

import io
import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from ombud import __version__
from ombud.cli._errors import EXIT_FAILURE, EXIT_OK
from ombud.cli._output import check_output, write_output
from ombud.cli._state import state_of
from ombud.discover import (
    DEFAULT_MAX_FILE_BYTES,
    Confidence,
    ScanOptions,
    ScanResult,
    check_paths,
    to_sarif,
)
from ombud.governance import InvalidInput
from ombud.services import discovery

__all__ = ["register"]

discover_app = typer.Typer(
    help="Find AI usage the inventory does not know yet.", no_args_is_help=True
)


class Format(StrEnum):
    TABLE = "table"
    JSON = "json"
    SARIF = "sarif"


@discover_app.command("code")
def code_cmd(
    ctx: typer.Context,
    paths: Annotated[list[Path], typer.Argument(help="Files or folders to scan.")],
    output_format: Annotated[
        Format, typer.Option("--format", help="table, json or sarif (SARIF 2.1.0).")
    ] = Format.TABLE,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write to FILE.")] = None,
    min_confidence: Annotated[
        Confidence,
        typer.Option("--min-confidence", help="Report hits at least this sure: low, medium, high."),
    ] = Confidence.MEDIUM,
    max_file_size: Annotated[
        int,
        typer.Option("--max-file-size", help="Skip source files larger than this many bytes."),
    ] = DEFAULT_MAX_FILE_BYTES,
    exclude: Annotated[
        list[str] | None,
        typer.Option("--exclude", help="Skip paths matching this glob (repeatable)."),
    ] = None,
) -> None:
    """Scan code for LLM calls, ML training/inference, model files and prompt templates."""
    check_paths(paths)
    if max_file_size < 1:
        raise InvalidInput(f"--max-file-size {max_file_size}: give a positive number of bytes")
    check_output(output)
    options = ScanOptions(
        max_file_bytes=max_file_size,
        min_confidence=min_confidence,
        exclude=tuple(exclude or ()),
    )
    state = state_of(ctx)
    with state.context() as context:
        result = discovery.discover_code(context, paths, options)
    base = Path.cwd()
    text = _render(result, output_format, base)
    if output is None:
        sys.stdout.write(text)
    else:
        write_output(output, text)
        sys.stderr.write(f"wrote {output} ({output_format.value}); {_summary(result)}\n")
    raise typer.Exit(EXIT_FAILURE if result.unregistered else EXIT_OK)


def _summary(result: ScanResult) -> str:
    stats = result.stats
    skipped = {
        "too large": stats.too_large,
        "binary": stats.binary,
        "undecodable": stats.undecodable,
        "symlinks": stats.symlinks,
        "unreadable": stats.unreadable,
    }
    left = ", ".join(f"{n} {what}" for what, n in skipped.items() if n)
    unparsed = f"; {stats.unparsable} read by patterns (not parsable)" if stats.unparsable else ""
    return (
        f"{len(result.hits)} hit(s) in {len(result.candidates)} candidate(s), "
        f"{len(result.unregistered)} unregistered; {stats.files_scanned} file(s) scanned"
        + (f", skipped: {left}" if left else "")
        + unparsed
    )


def _render(result: ScanResult, output_format: Format, base: Path) -> str:
    if output_format is Format.JSON:
        return json.dumps(result.to_dict(base), indent=2, ensure_ascii=False) + "\n"
    if output_format is Format.SARIF:
        return json.dumps(to_sarif(result, base, __version__), indent=2, ensure_ascii=False) + "\n"
    buffer = io.StringIO()
    console = Console(file=buffer, width=200, no_color=True, soft_wrap=True)
    if result.candidates:
        table = Table(title="Candidates")
        for column in ("service", "guessed kind", "status", "hits", "providers", "systems"):
            table.add_column(column)
        for c in result.candidates:
            table.add_row(
                c.to_dict(base)["root"],
                c.system_kind,
                c.status,
                str(len(c.hits)),
                ", ".join(c.providers),
                ", ".join(c.matched_systems) or "-",
            )
        console.print(table)
    unregistered = result.unregistered
    if unregistered:
        hits = Table(title="Unregistered AI usage")
        for column in ("where", "kind", "provider", "confidence", "evidence"):
            hits.add_column(column)
        for hit in unregistered:
            hits.add_row(
                hit.where(base), hit.kind.value, hit.provider, hit.confidence.value, hit.evidence
            )
        console.print(hits)
    for note in result.notes:
        console.print(f"note: {note}")
    console.print(_summary(result))
    return buffer.getvalue()


def register(app: typer.Typer) -> None:
    app.add_typer(discover_app, name="discover")
