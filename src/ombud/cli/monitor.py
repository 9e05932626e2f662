"""``ombud monitor init|ingest|check|show|report``: post-deployment monitoring on the CLI.

A thin adapter over ``services.monitoring`` (monitors and windows), ``services.monitor_check``
and ``services.monitor_findings`` (the recorded check) and ``services.monitor_queries``
(show) and ``services.monitor_report`` (report: one self-contained HTML file of charts).
``check`` exits 1 when a rule is breached, so a cron job or CI step can act on it;
bad input (a missing file, an unknown column, an unreadable timestamp) is one line and
exit 2, like every command.
"""

from __future__ import annotations

import math
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from ombud.cli._errors import EXIT_FAILURE
from ombud.cli._output import check_output, write_output
from ombud.cli._state import emit_json, state_of
from ombud.governance import InvalidInput
from ombud.services import monitoring
from ombud.services.fairness_runs import label_value
from ombud.services.monitor_check import MonitorCheck
from ombud.services.monitor_findings import check_monitor, settings_in_force
from ombud.services.monitor_queries import parse_day, window_summaries
from ombud.services.monitor_report import monitoring_report

__all__ = ["register"]

monitor_app = typer.Typer(
    help="Post-deployment monitoring: drift, performance and fairness gaps over time.",
    no_args_is_help=True,
)

NameOpt = Annotated[
    str, typer.Option("--name", help="Which monitor of the system (several may watch one).")
]


ByOpt = Annotated[str | None, typer.Option("--by", help="Roll stored windows up: week or month.")]
FromOpt = Annotated[str | None, typer.Option("--from", help="First period start, YYYY-MM-DD.")]
ToOpt = Annotated[str | None, typer.Option("--to", help="Before this day, YYYY-MM-DD.")]


class Format(StrEnum):
    table = "table"
    json = "json"


def _columns(text: str | None) -> tuple[str, ...]:
    return tuple(c.strip() for c in text.split(",") if c.strip()) if text else ()


def _num(value: float, digits: int = 3) -> str:
    return f"{value:.{digits}f}" if math.isfinite(value) else "n/a"


@monitor_app.command("init")
def init_cmd(
    ctx: typer.Context,
    system: Annotated[str, typer.Argument(help="The monitored system's id.")],
    version: Annotated[str, typer.Option("--version", help="The deployed model version.")],
    reference: Annotated[
        Path, typer.Option("--reference", help="CSV or Parquet the model was validated on.")
    ],
    timestamp: Annotated[str, typer.Option("--timestamp", help="Timestamp column.")],
    score: Annotated[str | None, typer.Option("--score", help="Score column in [0, 1].")] = None,
    pred: Annotated[str | None, typer.Option("--pred", help="0/1 decision column.")] = None,
    label: Annotated[
        str | None, typer.Option("--label", help="Outcome column (may be empty).")
    ] = None,
    sensitive: Annotated[
        str | None, typer.Option("--sensitive", help="Sensitive column(s), comma-separated.")
    ] = None,
    features: Annotated[
        str | None, typer.Option("--features", help="Input feature column(s), comma-separated.")
    ] = None,
    categorical: Annotated[
        str | None, typer.Option("--categorical", help="Numeric features to treat as categories.")
    ] = None,
    period: Annotated[
        str, typer.Option("--period", help="Window length: hour, day, week or month.")
    ] = "day",
    pos_label: Annotated[
        str | None, typer.Option("--pos-label", help="Positive value of --pred/--label.")
    ] = None,
    threshold: Annotated[
        float | None, typer.Option("--threshold", help="Score-only: positive if score >= this.")
    ] = None,
    name: NameOpt = monitoring.DEFAULT_MONITOR,
    record_id: Annotated[
        str | None,
        typer.Option(
            "--id", help="Record id column of the logs (joins late labels; needs --label)."
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Set up a monitor: learn bins, categories and the baseline from a reference file."""
    state = state_of(ctx)
    with state.context() as context:
        monitor = monitoring.init_monitor(
            context,
            state.actor(context),
            system,
            version,
            reference,
            timestamp=timestamp,
            features=_columns(features),
            sensitive=_columns(sensitive),
            prediction=pred,
            score=score,
            label=label,
            period=period,
            categorical=_columns(categorical),
            pos_label=label_value(pos_label),
            threshold=threshold,
            name=name,
            record_id=record_id,
        )
    if as_json:
        emit_json(monitor)
        return
    state.out.print(
        f"monitor '{monitor.name}' on {monitor.system_id}@{monitor.version}: "
        f"{monitor.spec.period} windows over {', '.join(monitor.spec.columns)}; "
        f"baseline {monitor.reference_rows} rows of {monitor.reference_name} "
        f"(spec {monitor.spec_digest[:12]})"
    )


@monitor_app.command("ingest")
def ingest_cmd(
    ctx: typer.Context,
    system: Annotated[str, typer.Argument(help="The monitored system's id.")],
    data: Annotated[
        Path | None,
        typer.Argument(
            help="Prediction log: CSV or Parquet (or use --sql; optional with --labels)."
        ),
    ] = None,
    sql: Annotated[
        str | None,
        typer.Option(
            "--sql",
            help='A DuckDB query as the log, e.g. "SELECT * FROM '
            "read_parquet('logs/*.parquet')\"; summarised inside DuckDB, rows never reach Python.",
        ),
    ] = None,
    amend: Annotated[
        bool,
        typer.Option("--amend", help="Add late rows to periods already stored (audited)."),
    ] = False,
    labels: Annotated[
        Path | None,
        typer.Option("--labels", help="Late labels: CSV or Parquet of record id and label."),
    ] = None,
    id_column: Annotated[
        str | None, typer.Option("--id", help="Id column of --labels (default: the monitor's).")
    ] = None,
    label_column: Annotated[
        str | None,
        typer.Option("--label", help="Label column of --labels (default: the monitor's)."),
    ] = None,
    name: NameOpt = monitoring.DEFAULT_MONITOR,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Store one window per period of a prediction log; re-ingesting the same rows is a no-op.

    The log is a FILE or a DuckDB query (--sql). With --labels, join labels that arrived
    later (by record id) into the stored windows; given together with a log, the log is
    stored first, then the labels (each all or nothing; running the same command again
    changes nothing already done).
    """
    if data is not None and sql is not None:
        raise InvalidInput("give the prediction log as a FILE or as --sql QUERY, not both")
    if data is None and sql is None and labels is None:
        raise InvalidInput(
            "give a prediction log FILE (or --sql QUERY), or late labels with --labels FILE"
        )
    if labels is None and (id_column or label_column):
        raise InvalidInput("--id and --label name the columns of --labels; add --labels FILE")
    log: monitoring.Data | None = (
        data if data is not None else monitoring.SqlLog(sql) if sql is not None else None
    )
    state = state_of(ctx)
    results: list[object] = []
    with state.context() as context:
        actor = state.actor(context)
        if log is not None:
            outcome = monitoring.ingest(context, actor, system, log, name=name, amend_windows=amend)
            results.append(outcome)
            if not as_json:
                for note in outcome.notes:
                    state.out.print(f"note: {note}")
                state.out.print(
                    f"{outcome.source}: {outcome.rows} rows into {len(outcome.changes)} "
                    f"window(s) of {system}/{name}: {outcome.count('stored')} stored, "
                    f"{outcome.count('unchanged')} already stored, "
                    f"{outcome.count('amended')} amended"
                )
        if labels is not None:
            joined = monitoring.ingest_labels(
                context,
                actor,
                system,
                labels,
                name=name,
                id_column=id_column,
                label_column=label_column,
            )
            results.append(joined)
            if not as_json:
                for note in joined.notes:
                    state.out.print(f"warning: {note}")
                state.out.print(
                    f"{joined.source}: {joined.rows} labels for {system}/{name}: "
                    f"{joined.labelled} new, {joined.unchanged} already recorded, "
                    f"{joined.unknown} unknown id(s); {len(joined.changes)} window(s) amended"
                )
    if as_json:
        emit_json(results[0] if len(results) == 1 else {"results": results})


def _render_check(check: MonitorCheck, console: Console) -> None:
    recent = (
        f"{check.recent_start.date()} .. {check.recent_end.date()}"
        if check.recent_start and check.recent_end
        else "none"
    )
    console.print(
        f"monitor '{check.monitor}' of {check.system_id}@{check.version}: {check.windows} "
        f"windows, {check.rows} rows; recent range {recent} ({check.recent_rows} rows)"
    )
    if check.drift:
        table = Table(title="drift against the reference (PSI; breach needs effect and BH p)")
        for column in ("feature", "PSI", "p", "BH p", "breach"):
            table.add_column(column)
        for d in check.drift:
            adjusted = "-" if d.adjusted is None else f"{d.adjusted:.2g}"
            table.add_row(
                d.feature, _num(d.psi), f"{d.pvalue:.2g}", adjusted, "yes" if d.breach else ""
            )
        console.print(table)
    for p in check.performance:
        console.print(
            f"{p.kind} {p.metric}: {_num(p.value)} [{_num(p.lower)}, {_num(p.upper)}] "
            f"vs reference {_num(p.reference)}" + (" BREACH" if p.breach else "")
        )
    if check.gaps:
        table = Table(title="fairness gaps to the reference group (sequential CUSUM)")
        for column in ("attribute", "group", "metric", "band", "looks", "latest", "p", "alarm"):
            table.add_column(column)
        for g in check.gaps:
            alarm = str(g.alarm_at.date()) if g.alarm_at and g.breach else ""
            table.add_row(
                g.attribute,
                g.group,
                g.metric,
                f"[{g.band[0]:.3f}, {g.band[1]:.3f}]",
                str(g.looks),
                _num(g.latest),
                f"{g.pvalue:.2g}",
                alarm,
            )
        console.print(table)
    verdicts = ", ".join(f"{rule}: {v}" for rule, v in check.verdicts.items())
    console.print(f"verdicts: {verdicts}")


@monitor_app.command("check")
def check_cmd(
    ctx: typer.Context,
    system: Annotated[str, typer.Argument(help="The monitored system's id.")],
    name: NameOpt = monitoring.DEFAULT_MONITOR,
    output_format: Annotated[Format, typer.Option("--format")] = Format.table,
    recent: Annotated[
        int | None,
        typer.Option("--recent", help="How many latest windows form the recent range."),
    ] = None,
    gap_period: Annotated[
        str | None,
        typer.Option("--gap-period", help="Roll windows up to this for the gap detector."),
    ] = None,
    record: Annotated[
        bool,
        typer.Option("--record/--no-record", help="Record evidence and open findings."),
    ] = True,
) -> None:
    """Check drift, performance and fairness gaps; record it; exit 1 on a breach.

    Thresholds come from the policy pack's `monitoring:` section for the system's tier;
    --recent and --gap-period override it for this run. A breach the pack's
    `monitoring.incidents` names also opens an incident; all of it is one transaction."""
    state = state_of(ctx)
    err = Console(stderr=True, soft_wrap=True)
    with state.context() as context:
        settings = settings_in_force(context, system, recent_windows=recent, gap_period=gap_period)
        outcome = check_monitor(
            context, state.actor(context), system, name=name, settings=settings, record=record
        )
    if outcome.evidence is not None:
        err.print(f"recorded evidence #{outcome.evidence.id}: {outcome.evidence.summary}")
    for action in outcome.findings:
        if action.finding_id:
            err.print(f"{action.action} finding #{action.finding_id} ({action.rule})")
        else:
            err.print(f"{action.rule} breached: finding {action.action}")
    for incident in outcome.incidents:
        kind = "serious incident" if incident.serious else "incident"
        err.print(f"{incident.action} {kind} #{incident.incident_id} ({incident.rule})")
    if output_format is Format.json:
        data = outcome.check.to_dict()
        data["evidence"] = None if outcome.evidence is None else outcome.evidence.id
        data["findings"] = [
            {"rule": a.rule, "id": a.finding_id, "action": a.action} for a in outcome.findings
        ]
        data["incidents"] = [
            {"rule": i.rule, "id": i.incident_id, "action": i.action, "serious": i.serious}
            for i in outcome.incidents
        ]
        emit_json(data)
    else:
        _render_check(outcome.check, state.out)
    if outcome.check.breached:
        raise typer.Exit(EXIT_FAILURE)


@monitor_app.command("show")
def show_cmd(
    ctx: typer.Context,
    system: Annotated[str, typer.Argument(help="The monitored system's id.")],
    by: ByOpt = None,
    start: FromOpt = None,
    end: ToOpt = None,
    name: NameOpt = monitoring.DEFAULT_MONITOR,
    output_format: Annotated[Format, typer.Option("--format")] = Format.table,
) -> None:
    """The stored windows: rows, labels, selection rate and accuracy (from summaries only)."""
    state = state_of(ctx)
    with state.context() as context:
        lines = window_summaries(
            context,
            system,
            name,
            by=by,
            start=parse_day(start, "--from"),
            end=parse_day(end, "--to"),
        )
    if output_format is Format.json:
        emit_json(list(lines))
        return
    if not lines:
        sys.stderr.write(f"no windows stored for {system}/{name} in that range\n")
        return
    table = Table(title=f"{system}/{name}: windows" + (f" by {by}" if by else ""))
    for column in ("start", "rows", "labelled", "selection rate", "accuracy [95% CI]", "digest"):
        table.add_column(column, justify="left" if column in ("start", "digest") else "right")
    for w in lines:
        accuracy = _num(w.accuracy)
        if math.isfinite(w.accuracy_lower):
            accuracy += f" [{_num(w.accuracy_lower)}, {_num(w.accuracy_upper)}]"
        table.add_row(
            w.start.date().isoformat(),
            str(w.rows),
            str(w.labelled),
            _num(w.selection_rate),
            accuracy,
            w.digest[:12] + (" (amended)" if w.amended else ""),
        )
    state.out.print(table)


@monitor_app.command("report")
def report_cmd(
    ctx: typer.Context,
    system: Annotated[str, typer.Argument(help="The monitored system's id.")],
    output: Annotated[
        Path, typer.Option("-o", "--output", help="The HTML file to write (self-contained).")
    ],
    by: ByOpt = None,
    start: FromOpt = None,
    end: ToOpt = None,
    name: Annotated[
        str, typer.Option("--monitor", "--name", help="Which monitor of the system.")
    ] = monitoring.DEFAULT_MONITOR,
) -> None:
    """Charts of drift, performance and fairness gaps over time, as one HTML file.

    From the stored windows only; alert markers are the breaches of the check computed now
    with the policy in force (not recorded). No script, no CDN: it opens offline."""
    state = state_of(ctx)
    check_output(output)
    first, last = parse_day(start, "--from"), parse_day(end, "--to")
    with state.context() as context:
        report = monitoring_report(context, system, name, by=by, start=first, end=last)
    write_output(output, report.html())
    err = Console(stderr=True, soft_wrap=True)
    err.print(
        f"wrote {output}: {len(report.charts)} charts over {len(report.windows)} windows of "
        f"{system}/{name}" + (" (SIMULATED data)" if report.simulated else "")
    )


def register(app: typer.Typer) -> None:
    app.add_typer(monitor_app, name="monitor")
