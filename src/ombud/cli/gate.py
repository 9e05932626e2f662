"""``ombud gate check``: the launch gate for people (a table), tools (JSON) and CI (JUnit).

Exit codes are the contract with CI: 0 pass, 1 fail, 3 insufficient evidence. JUnit XML
is the one report format every CI system shows; each policy check becomes a test case,
a failed check a failure and an undetermined one a skipped case with the reason.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from datetime import UTC, datetime, time
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from ombud.cli._state import state_of
from ombud.compliance import parse_as_of
from ombud.services import gates

__all__ = ["EXIT_FOR_OUTCOME", "junit_xml", "register"]

gate_app = typer.Typer(
    help="Launch gates: policy against a version's evidence.", no_args_is_help=True
)

EXIT_FOR_OUTCOME = {"pass": 0, "fail": 1, "insufficient": 3}
_STYLE = {"pass": "green", "waived": "cyan", "fail": "bold red", "insufficient": "yellow"}


class Format(StrEnum):
    TABLE = "table"
    JSON = "json"
    JUNIT = "junit"


def junit_xml(result: Mapping[str, Any]) -> str:
    """One <testsuite> per evaluation, one <testcase> per check."""
    checks = result["checks"]
    suite = ET.Element(
        "testsuite",
        name=f"ombud gate {result['system_id']}@{result['version']}",
        tests=str(len(checks)),
        failures=str(sum(c["outcome"] == "fail" for c in checks)),
        skipped=str(sum(c["outcome"] == "insufficient" for c in checks)),
        errors="0",
        timestamp=result["evaluated_at"],
    )
    props = ET.SubElement(suite, "properties")
    policy = result["policy"]
    for name, value in [
        ("outcome", result["outcome"]),
        ("policy", f"{policy['name']}@{policy['version']}"),
        ("policy_sha256", policy["sha256"]),
        ("tier", str(result["tier"])),
    ]:
        ET.SubElement(props, "property", name=name, value=value)
    for check in checks:
        case = ET.SubElement(
            suite, "testcase", classname=f"ombud.gate.{check['category']}", name=check["id"]
        )
        detail = check["message"] + (f"\nTo pass: {check['remedy']}" if check["remedy"] else "")
        if check["evidence_ids"]:
            detail += "\nEvidence: " + ", ".join(f"#{i}" for i in check["evidence_ids"])
        if check["outcome"] == "fail":
            ET.SubElement(case, "failure", message=check["message"], type="policy").text = detail
        elif check["outcome"] == "insufficient":
            ET.SubElement(
                case, "skipped", message=f"insufficient: {check['message']}"
            ).text = detail
        else:
            ET.SubElement(case, "system-out").text = detail
    suites = ET.Element("testsuites", name="ombud gate")
    suites.append(suite)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


def _table(result: Mapping[str, Any]) -> Table:
    table = Table(
        "check",
        "outcome",
        "detail",
        "evidence",
        "to pass",
        title=(
            f"{result['system_id']}@{result['version']} (tier {result['tier']}) — "
            f"{result['policy']['name']} {result['policy']['version']}"
        ),
        title_justify="left",
    )
    for c in result["checks"]:
        table.add_row(
            c["id"],
            f"[{_STYLE.get(c['outcome'], '')}]{c['outcome']}[/]",
            c["message"],
            ", ".join(f"#{i}" for i in c["evidence_ids"]),
            c["remedy"],
        )
    return table


@gate_app.command("check")
def check_cmd(
    ctx: typer.Context,
    system_id: str,
    version: Annotated[str | None, typer.Option(help="Version label (default: latest).")] = None,
    policy: Annotated[Path | None, typer.Option(help="Policy pack (default: in force).")] = None,
    output_format: Annotated[Format, typer.Option("--format", help="table, json or junit.")] = (
        Format.TABLE
    ),
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write to FILE.")] = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="Evaluate as on this day, YYYY-MM-DD: only obligations in force then count.",
        ),
    ] = None,
) -> None:
    """Evaluate and record the gate; exit 0 pass, 1 fail, 3 insufficient."""
    state = state_of(ctx)
    now = None
    if as_of is not None:
        now = datetime.combine(parse_as_of(as_of), time(23, 59, 59), tzinfo=UTC)
    with state.context() as context:
        result = gates.check_gate(
            context, state.actor(context), system_id, version, policy, now=now
        )
    summary = (
        f"gate: [{_STYLE[result['outcome']]}]{result['outcome']}[/] "
        f"(evaluation #{result['evaluation_id']})"
    )
    if output_format is Format.TABLE:
        if output is None:
            state.out.print(_table(result))
            for item in result.get("upcoming_obligations", []):
                state.out.print(
                    f"upcoming: {item['id']} applies from {item['applies_from']} "
                    f"({item['days_left']} days left); not counted yet"
                )
            state.out.print(summary)
        else:
            with output.open("w", encoding="utf-8") as handle:
                file_console = Console(file=handle, width=200, no_color=True)
                file_console.print(_table(result))
                file_console.print(summary)
            state.out.print(f"{summary}; report written to {output}")
    else:
        text = (
            junit_xml(result)
            if output_format is Format.JUNIT
            else json.dumps(result, indent=2, ensure_ascii=False) + "\n"
        )
        if output is None:
            typer.echo(text, nl=False)
        else:
            output.write_text(text, encoding="utf-8")
            state.out.print(f"gate: {result['outcome']}; report written to {output}")
    raise typer.Exit(EXIT_FOR_OUTCOME[result["outcome"]])


def register(app: typer.Typer) -> None:
    app.add_typer(gate_app, name="gate")
