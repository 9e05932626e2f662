"""``ombud demo``: build the demo workspace and print what happened, step by step."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from ombud.cli._state import emit_json, os_user, state_of
from ombud.cli.render import render_portfolio
from ombud.demo import DEMO_ADMIN, DEMO_LOGINS, DEMO_PASSWORD, DemoReport, run_demo

__all__ = ["register"]

OUTCOME_STYLE = {"pass": "green", "fail": "bold red", "insufficient": "yellow", "concern": "yellow"}


def _styled(outcome: str) -> str:
    return f"[{OUTCOME_STYLE.get(outcome, '')}]{outcome}[/]"


def demo_cmd(
    ctx: typer.Context,
    workspace: Annotated[
        Path, typer.Option("--workspace", help="Folder for the demo workspace.")
    ] = Path("demo-workspace"),
    fresh: Annotated[bool, typer.Option(help="Start from an empty workspace.")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Run the whole flow on a portfolio built from real public data sets, and print it."""
    state = state_of(ctx)
    with state.out.status("building the demo portfolio") as status:
        report = run_demo(
            workspace, fresh=fresh, os_user=os_user(), progress=lambda msg: status.update(msg)
        )
    if as_json:
        emit_json(report.to_dict())
        return
    out = state.out
    _portfolio(out, report)
    _audits(out, report)
    _gates(out, report)
    _reviews(out, report)
    _redteam(out, report)
    _explanations(out, report)
    _monitoring(out, report)
    _findings_and_incidents(out, report)
    _documents(out, report)
    _coverage(out, report)
    for note in report.notes:
        out.print(f"[yellow]note:[/] {note}")
    w = report.workspace
    out.print(
        f"\nworkspace: {w} (admin: {DEMO_ADMIN}; every person of the demo can act "
        f"with --as NAME). Try:\n  ombud -w {w} system show recidivism-risk\n"
        f"  ombud -w {w} gate check recidivism-risk\n"
        f"  ombud -w {w} review list\n  ombud -w {w} incident list\n"
        f"  ombud -w {w} audit-log verify"
    )
    out.print(web_hint(w))


def web_hint(workspace: Path, port: int = 8000) -> str:
    """How to open the demo in a browser: the serve command and the demo-only logins."""
    people = ", ".join(DEMO_LOGINS)
    return (
        f"\nOpen the dashboard:\n  ombud -w {workspace} serve --port {port}\n"
        f"  then http://127.0.0.1:{port}/ and log in as lena (the RAI lead); also {people}.\n"
        f"  Demo-only password for each: {DEMO_PASSWORD}  (change it with "
        f"`ombud -w {workspace} user passwd NAME` before showing the workspace to anyone)"
    )


def _portfolio(out: Console, report: DemoReport) -> None:
    render_portfolio(
        out,
        [
            {
                **s.to_dict(),
                "tier": s.classification.tier if s.classification else None,
                "eu_category": s.classification.eu_category if s.classification else None,
            }
            for s in report.systems
        ],
    )
    for system in sorted(
        report.systems, key=lambda s: (s.classification.tier if s.classification else 9, s.id)
    ):
        c = system.classification
        if not c:
            continue
        out.print(
            f"\n[bold]{system.name}[/] ({system.id}): tier {c.tier} "
            f"({c.tier_label}), {c.eu_category}, status {system.status}"
        )
        for reason in c.result["reasons"]:
            out.print(f"  • {reason['text']}  [dim][{reason['citation']}][/]")
        for regime in c.result["other_regimes"]:
            out.print(f"  • also: {regime['title']}  [dim][{regime['citation']}][/]")
        obligations = [o["id"] for o in c.result["obligations"]]
        more = ", ..." if len(obligations) > 6 else ""
        out.print(f"  obligations: {len(obligations)} ({', '.join(obligations[:6])}{more})")


def _single_attribute(name: str) -> bool:
    return "+" not in name.split(".")[1]


def _audits(out: Console, report: DemoReport) -> None:
    if not report.audits:
        return
    table = Table(title="\nFairness audits recorded as evidence", title_justify="left")
    for column in ("system", "data and model", "rules failed or of concern (single attributes)"):
        table.add_column(column)
    for item in report.audits:
        failed = [
            f"{k.removeprefix('fairness.')} {_styled(v)}"
            for k, v in item["verdicts"].items()
            if v in ("fail", "concern") and _single_attribute(k)
        ]
        table.add_row(item["system_id"], item["description"], ", ".join(failed) or "none")
    out.print(table)


def _gates(out: Console, report: DemoReport) -> None:
    if not report.gates:
        return
    table = Table(title="\nLaunch gates (default policy pack)", title_justify="left")
    for column in ("system", "tier", "gate", "failed checks"):
        table.add_column(column)
    for gate in report.gates:
        failed = [c.id for c in gate.checks if c.outcome == "fail"]
        table.add_row(
            gate.system_id, str(gate.tier), _styled(gate.outcome), ", ".join(failed) or "-"
        )
    out.print(table)


def _reviews(out: Console, report: DemoReport) -> None:
    for review in report.reviews:
        out.print(
            f"\n[bold]Review #{review.id}[/] of {review.system_id}@"
            f"{review.version}: {_decision(review.decision)} by "
            f"{review.decided_by}: {review.rationale}"
        )
        for vote in review.votes:
            out.print(f"  • {vote.reviewer} ({vote.capacity}): {vote.vote}: {vote.rationale}")


def _redteam(out: Console, report: DemoReport) -> None:
    for run in report.redteam:
        table = Table(
            title=f"\nRed team: {run['system_id']} (SmolLM2 over HTTP, evidence "
            f"#{run['evidence_id']})",
            title_justify="left",
        )
        for column in ("category", "attempts", "attack success rate", "95% CI (Wilson)"):
            table.add_column(column)
        metrics = run["metrics"]
        for name in sorted(m for m in metrics if m.endswith(".attack_success_rate")):
            base = name.removesuffix(".attack_success_rate")
            table.add_row(
                base.removeprefix("redteam."),
                f"{metrics.get(base + '.attempts', 0):.0f}",
                f"{metrics[name]:.0%}",
                f"{metrics.get(name + '.lower', 0):.0%} – {metrics.get(name + '.upper', 0):.0%}",
            )
        out.print(table)


def _explanations(out: Console, report: DemoReport) -> None:
    if not report.explanations:
        return
    table = Table(title="\nExplanations recorded as evidence", title_justify="left")
    for column in ("system", "what", "quality", "what it shows", "evidence"):
        table.add_column(column)
    for item in report.explanations:
        if "top_reasons" in item:
            shows = (
                f"{item['declined']} declined applicants; most given: "
                f"{'; '.join(item['top_reasons'])}; {item['withheld_applicants']} for whom a "
                f"protected attribute would have ranked (withheld, recorded)"
            )
        else:
            shows = (
                f"gap {item['gap']:.3f}, led by {item['leading_feature']} "
                f"({item['leading_share']:.3f})"
            )
        table.add_row(
            item["system_id"], item["what"], item["quality"], shows, f"#{item['evidence_id']}"
        )
    out.print(table)


def _monitoring(out: Console, report: DemoReport) -> None:
    if not report.monitoring:
        return
    table = Table(title="\nMonitoring after launch", title_justify="left")
    for column in ("system", "stream", "windows", "verdicts", "breaches → findings"):
        table.add_column(column)
    for item in report.monitoring:
        verdicts = ", ".join(
            f"{k.removeprefix('monitoring.')} {_styled(v)}" for k, v in item["verdicts"].items()
        )
        opened = ", ".join(f"#{fid} {action}" for fid, action in item["findings"]) or "none"
        stream = ("[bold]SIMULATED[/bold] " if item["simulated"] else "") + item["description"]
        table.add_row(
            item["system_id"],
            stream,
            f"{item['windows']} ({item['rows']:,} rows)",
            verdicts,
            f"{'; '.join(item['breaches']) or 'none'} → {opened}",
        )
    out.print(table)


def _documents(out: Console, report: DemoReport) -> None:
    if not report.documents:
        return
    table = Table(
        title="\nDocuments generated from the record (recorded as evidence)", title_justify="left"
    )
    for column in ("system", "document", "complete", "still missing", "file"):
        table.add_column(column)
    for doc in report.documents:
        missing = ", ".join(doc["missing"][:4]) + (" ..." if len(doc["missing"]) > 4 else "")
        table.add_row(
            doc["system_id"],
            doc["document"],
            f"{doc['completeness']:.0%}",
            missing or "-",
            Path(doc["path"]).name,
        )
    out.print(table)


def _coverage(out: Console, report: DemoReport) -> None:
    matrix = report.coverage
    if matrix is None:
        return
    table = Table(
        title="\nCompliance coverage (% of applicable items with fresh evidence)",
        title_justify="left",
    )
    table.add_column("system")
    for framework in matrix.frameworks:
        table.add_column(framework, justify="right")
    for row in matrix.systems:
        cells = []
        for framework in matrix.frameworks:
            cell = row.cells.get(framework)
            percent = cell.percent if cell is not None else None
            applicable = cell.applicable if cell is not None else 0
            cells.append("-" if percent is None else f"{percent:.0f}% of {applicable}")
        table.add_row(row.system_id, *cells)
    out.print(table)


def _decision(decision: str | None) -> str:
    style = "bold red" if decision == "reject" else "green"
    return f"[{style}]{decision}[/]"


def _findings_and_incidents(out: Console, report: DemoReport) -> None:
    if report.findings:
        table = Table(title="\nOpen findings", title_justify="left")
        for column in ("#", "system", "finding", "owner", "due", "source"):
            table.add_column(column)
        for f in report.findings:
            table.add_row(
                str(f.id),
                f.system_id,
                f.title,
                f.owner,
                str(f.due_date),
                f.source_ref,
            )
        out.print(table)
    for incident in report.incidents:
        clock = incident.art73_clock
        out.print(
            f"\n[bold]Incident #{incident.id}[/]: {incident.title} "
            f"({', '.join(incident.systems)}, severity {incident.severity})"
        )
        if clock:
            out.print(
                f"  {clock.citation}: deadline {clock.deadline.isoformat()[:16]} UTC, "
                f"{clock.remaining_seconds / 86400:.1f} days left, {clock.state}"
            )
        for duty in incident.reporting_duties:
            out.print(
                f"  {duty.system_id} is the {duty.role}: {duty.citation}, "
                f"{duty.first_step}. Date rule: {duty.date_rule}",
                markup=False,
            )
        for entry in incident.timeline:
            out.print(f"  • {entry.at.isoformat()[:16]} {entry.kind}: {entry.text}")


def register(app: typer.Typer) -> None:
    app.command("demo")(demo_cmd)
