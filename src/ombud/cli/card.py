"""``ombud card model|system|annex-iv|dataset``: documents generated from the record."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from ombud.cards import Document, render
from ombud.cli._output import check_output, write_output
from ombud.cli._state import CliState, state_of
from ombud.governance import InvalidInput
from ombud.services import cards

__all__ = ["register"]

card_app = typer.Typer(help="Documents generated from the record.", no_args_is_help=True)

VersionOpt = Annotated[
    str | None, typer.Option("--version", help="System version (default: the latest).")
]
FormatOpt = Annotated[str, typer.Option("--format", "-f", help="md, html, pdf or json.")]
OutOpt = Annotated[Path | None, typer.Option("-o", "--output", help="Write to this file.")]
RecordOpt = Annotated[
    bool,
    typer.Option("--record", help="Record the document as documentation evidence on the version."),
]


def _emit(state: CliState, document: Document, fmt: str, output: Path | None, record: bool) -> None:
    if fmt == "pdf" and output is None:
        raise InvalidInput("PDF is binary: give a file with -o FILE.pdf")
    content = render(document, fmt)
    if output is not None:
        write_output(output, content)
    else:
        sys.stdout.write(content.decode())
    score = document.completeness
    message = f"{document.kind}: {score.score:.0%} complete"
    if score.missing:
        message += f"; missing: {', '.join(score.missing)}"
    if output is not None:
        message = f"wrote {output} ({message})"
    if record:
        if "system_id" not in document.subject:
            raise InvalidInput("--record needs a system: give SYSTEM")
        with state.context() as context:
            item = cards.record_document(context, state.actor(context), document, fmt)
        message += f"; recorded as evidence #{item.id} ({item.kind})"
    sys.stderr.write(message + "\n")


def _system_document(
    ctx: typer.Context,
    which: str,
    system_id: str,
    version: str | None,
    fmt: str,
    output: Path | None,
    record: bool,
) -> None:
    check_output(output)
    state = state_of(ctx)
    with state.context() as context:
        document = cards.generate(context, which, system_id, version)
    _emit(state, document, fmt, output, record)


@card_app.command("model")
def model_cmd(
    ctx: typer.Context,
    system_id: str,
    version: VersionOpt = None,
    fmt: FormatOpt = "md",
    output: OutOpt = None,
    record: RecordOpt = False,
) -> None:
    """Model card (Mitchell et al.; Hugging Face layout) of a system version."""
    _system_document(ctx, "model", system_id, version, fmt, output, record)


@card_app.command("system")
def system_cmd(
    ctx: typer.Context,
    system_id: str,
    version: VersionOpt = None,
    fmt: FormatOpt = "md",
    output: OutOpt = None,
    record: RecordOpt = False,
) -> None:
    """System card: components, data flows, safeguards, red-team results, failure modes."""
    _system_document(ctx, "system", system_id, version, fmt, output, record)


@card_app.command("annex-iv")
def annex_iv_cmd(
    ctx: typer.Context,
    system_id: str,
    version: VersionOpt = None,
    fmt: FormatOpt = "md",
    output: OutOpt = None,
    record: RecordOpt = False,
    supplement: Annotated[
        Path | None,
        typer.Option(help="YAML of field id: text for what the record cannot hold."),
    ] = None,
) -> None:
    """EU AI Act Annex IV technical documentation draft, every missing field named."""
    check_output(output)
    state = state_of(ctx)
    with state.context() as context:
        document = cards.annex_iv_document(context, system_id, version, supplement)
    _emit(state, document, fmt, output, record)


@card_app.command("dataset")
def dataset_cmd(
    ctx: typer.Context,
    system_id: str,
    datasheet_file: Annotated[
        Path, typer.Option("--datasheet", help="The datasheet YAML kept with the data.")
    ],
    data: Annotated[Path | None, typer.Option(help="The data file (.csv or .parquet).")] = None,
    group: Annotated[
        list[str] | None, typer.Option(help="Column whose groups are counted (repeatable).")
    ] = None,
    label: Annotated[str | None, typer.Option(help="Label column, for balance by group.")] = None,
    version: VersionOpt = None,
    fmt: FormatOpt = "md",
    output: OutOpt = None,
    record: RecordOpt = False,
) -> None:
    """Datasheet for a dataset (Gebru et al.): YAML answers plus facts measured from the data."""
    check_output(output)
    state = state_of(ctx)
    with state.context() as context:
        document = cards.datasheet_document(
            context,
            system_id,
            datasheet_file,
            data=data,
            groups=group or (),
            label=label,
            version_label=version,
        )
    _emit(state, document, fmt, output, record)


def register(app: typer.Typer) -> None:
    app.add_typer(card_app, name="card")
