"""``ombud audit-log verify|show|export|keygen|checkpoint|baseline``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ombud.cli._output import check_output, write_output
from ombud.cli._state import CliState, emit_json, state_of
from ombud.services import audit_log
from ombud.store import ChainReport
from ombud.store.checkpoint import generate_key

__all__ = ["register"]

audit_app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)


@audit_app.command("verify")
def verify(
    ctx: typer.Context,
    state_check: Annotated[
        bool,
        typer.Option(
            "--state", help="Also compare every current record with the digest its log holds."
        ),
    ] = False,
    checkpoints: Annotated[
        Path | None,
        typer.Option(
            "--checkpoints",
            help="Folder of signed checkpoints; each must still be a prefix of the chain.",
        ),
    ] = None,
    public_key: Annotated[
        Path | None,
        typer.Option("--public-key", help="Public key the checkpoints are checked with."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Prove the hash chain; exit 1 and name the first bad event if it is broken."""
    state = state_of(ctx)
    with state.context() as context:
        report = audit_log.verify_log(context)
        records = audit_log.verify_state(context) if state_check and report.ok else None
        anchors = (
            audit_log.verify_checkpoints(context, checkpoints, public_key)
            if checkpoints is not None
            else None
        )
    ok = report.ok and (records is None or records.ok) and (anchors is None or anchors.ok)
    if as_json:
        emit_json(
            {
                "ok": ok,
                "events": report.events,
                "head_hash": report.head_hash,
                "first_bad_seq": report.first_bad_seq,
                "problem": report.problem,
                "state": None
                if records is None
                else {
                    "ok": records.ok,
                    "rows": records.rows,
                    "problems": [p.__dict__ for p in records.problems],
                },
                "checkpoints": None
                if anchors is None
                else [{**c.__dict__, "path": str(c.path)} for c in anchors.checked],
            }
        )
    else:
        _print_verification(state, report, records, anchors)
    if not ok:
        raise typer.Exit(1)


def _print_verification(
    state: CliState,
    report: ChainReport,
    records: audit_log.StateReport | None,
    anchors: audit_log.CheckpointReport | None,
) -> None:
    if report.ok:
        state.out.print(f"audit log intact: {report.events} events, head {report.head_hash}")
    else:
        where = "" if report.first_bad_seq is None else f" at event #{report.first_bad_seq}"
        sys.stderr.write(f"audit log BROKEN{where}: {report.problem}\n")
    if records is not None:
        if records.ok:
            state.out.print(f"records match the log: {records.rows} rows checked")
        else:
            shown = records.problems[:20]
            for problem in shown:
                sys.stderr.write(f"record {problem.kind}: {problem.message}\n")
            more = len(records.problems) - len(shown)
            if more:
                sys.stderr.write(f"… and {more} more (see --json)\n")
            sys.stderr.write(
                f"records DO NOT match the log: {len(records.problems)} of {records.rows} rows\n"
            )
    if anchors is not None:
        for check in anchors.checked:
            if check.ok:
                state.out.print(f"checkpoint #{check.seq} ({check.taken_at}) holds: {check.path}")
            else:
                sys.stderr.write(
                    f"checkpoint #{check.seq} ({check.taken_at}) FAILS: {check.problem} "
                    f"[{check.path}]\n"
                )


@audit_app.command("keygen")
def keygen(
    path: Annotated[
        Path, typer.Argument(help="Where to write the private key (outside the workspace).")
    ],
) -> None:
    """Create an Ed25519 key pair for signing checkpoints (PATH and PATH.pub)."""
    public_path = generate_key(path)
    sys.stdout.write(
        f"private key {path} (keep it outside the workspace and its backups)\n"
        f"public key {public_path} (give it to whoever verifies checkpoints)\n"
    )


@audit_app.command("checkpoint")
def checkpoint(
    ctx: typer.Context,
    key: Annotated[
        Path | None, typer.Option("--key", help="Private key (default: [audit] checkpoint_key).")
    ] = None,
    to: Annotated[
        Path | None,
        typer.Option("--to", help="Folder to write into (default: [audit] checkpoint_dir)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Sign the chain's current head and write it outside the database."""
    state = state_of(ctx)
    with state.context() as context:
        taken, path = audit_log.take_checkpoint(context, key_path=key, folder=to)
    if as_json:
        emit_json({**taken.payload(), "signature": taken.signature, "path": str(path)})
    else:
        state.out.print(f"checkpoint of event #{taken.seq} ({taken.head_hash[:16]}…) -> {path}")


@audit_app.command("baseline")
def baseline(ctx: typer.Context) -> None:
    """Vouch once for records that predate state digests (admin; after an upgrade)."""
    state = state_of(ctx)
    with state.context() as context:
        count = audit_log.record_baseline(context, state.actor(context))
    state.out.print(
        f"state baseline recorded for {count} rows"
        if count
        else "every record is already vouched for; nothing recorded"
    )


@audit_app.command("show")
def show(
    ctx: typer.Context,
    entity: Annotated[str | None, typer.Option(help="Only events about this entity id.")] = None,
    action: Annotated[str | None, typer.Option(help="Only actions starting with this.")] = None,
    limit: Annotated[int, typer.Option(help="The most recent N events.")] = 50,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Show recent audit events."""
    state = state_of(ctx)
    with state.context() as context:
        events = list(audit_log.iter_events(context, entity_id=entity, action=action, limit=limit))
    if as_json:
        emit_json(events)
        return
    table = Table("#", "at (UTC)", "actor", "action", "entity", "details")
    for e in events:
        details = json.dumps(e.details, ensure_ascii=False) if e.details else ""
        table.add_row(
            str(e.seq),
            e.at[:19],
            e.actor,
            e.action,
            f"{e.entity_type}:{e.entity_id}",
            details[:80],
        )
    state.out.print(table)


@audit_app.command("export")
def export(
    ctx: typer.Context,
    output: Annotated[Path | None, typer.Option("-o", help="File (default: stdout).")] = None,
) -> None:
    """Export every event as JSON Lines, in chain order."""
    check_output(output)
    state = state_of(ctx)
    with state.context() as context:
        lines = [
            json.dumps(e.to_dict(), ensure_ascii=False, sort_keys=True)
            for e in audit_log.iter_events(context)
        ]
    text = "".join(line + "\n" for line in lines)
    if output is None:
        sys.stdout.write(text)
    else:
        write_output(output, text)
        state.out.print(f"{len(lines)} events written to {output}")


def register(app: typer.Typer) -> None:
    app.add_typer(audit_app, name="audit-log")
