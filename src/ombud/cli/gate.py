"""``ombud gate check``: the launch gate for people (a table), tools (JSON) and CI (JUnit).

Exit codes are the contract with CI: 0 pass; 1 the gate did not pass (failed, or
insufficient evidence); 2 the request was wrong (a bad policy, an unknown system or
version); 3 the environment failed (the ``-o`` file cannot be written). A gate that could
not be reported is not recorded: the ``-o`` file is opened before the evaluation and
renamed into place after it. JUnit XML is the one report format every CI system shows;
each policy check becomes a test case, a failed check a failure, an undetermined or
waived one a skipped case with the reason.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import tempfile
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, time
from enum import StrEnum
from pathlib import Path
from typing import IO, Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ombud.cli._errors import EXIT_ENVIRONMENT
from ombud.cli._state import CliState, state_of
from ombud.compliance import parse_as_of
from ombud.governance import InvalidInput, NotFoundError
from ombud.services import gates
from ombud.services.gates import GateEvaluation
from ombud.text import visible

__all__ = ["EXIT_FOR_OUTCOME", "junit_xml", "register"]

gate_app = typer.Typer(
    help="Launch gates: policy against a version's evidence.", no_args_is_help=True
)

EXIT_FOR_OUTCOME = {"pass": 0, "fail": 1, "insufficient": 1}
# Characters XML 1.0 cannot carry at all, not even as a character reference, and the
# DEL/C1 controls it only tolerates.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_STYLE = {"pass": "green", "waived": "cyan", "fail": "bold red", "insufficient": "yellow"}


class Format(StrEnum):
    TABLE = "table"
    JSON = "json"
    JUNIT = "junit"


def _xml_safe(text: str) -> str:
    """``text`` with the characters XML cannot hold written out as ``\\xNN``, so the
    report always parses, whatever a policy or an evidence name contains."""
    return _NOT_XML.sub(_escaped, text)


def _escaped(found: re.Match[str]) -> str:
    code = ord(found.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def junit_xml(result: GateEvaluation) -> str:
    """One <testsuite> per evaluation, one <testcase> per check."""
    checks = result.checks
    x = _xml_safe
    suite = ET.Element(
        "testsuite",
        name=x(f"ombud gate {result.system_id}@{result.version}"),
        tests=str(len(checks)),
        failures=str(sum(c.outcome == "fail" for c in checks)),
        skipped=str(sum(c.outcome in ("insufficient", "waived") for c in checks)),
        errors="0",
        timestamp=x(result.evaluated_at.isoformat()),
    )
    props = ET.SubElement(suite, "properties")
    policy = result.policy
    for name, value in [
        ("outcome", result.outcome),
        ("policy", f"{policy.name}@{policy.version}"),
        ("policy_sha256", policy.sha256),
        ("tier", str(result.tier)),
        ("waived", str(sum(c.outcome == "waived" for c in checks))),
    ]:
        ET.SubElement(props, "property", name=name, value=x(value))
    for check in checks:
        case = ET.SubElement(
            suite,
            "testcase",
            classname=x(f"ombud.gate.{check.category}"),
            name=x(check.id),
        )
        detail = check.message + (f"\nTo pass: {check.remedy}" if check.remedy else "")
        if check.evidence_ids:
            detail += "\nEvidence: " + ", ".join(f"#{i}" for i in check.evidence_ids)
        message, detail = x(check.message), x(detail)
        if check.outcome == "fail":
            ET.SubElement(case, "failure", message=message, type="policy").text = detail
        elif check.outcome in ("insufficient", "waived"):
            skipped = ET.SubElement(case, "skipped", message=f"{check.outcome}: {message}")
            skipped.text = detail
        else:
            ET.SubElement(case, "system-out").text = detail
    suites = ET.Element("testsuites", name="ombud gate")
    suites.append(suite)
    # A NUL is not allowed in XML at all; forbidden characters appear only in text.
    return visible(ET.tostring(suites, encoding="unicode", xml_declaration=True)) + "\n"


def _table(result: GateEvaluation) -> Table:
    table = Table(
        "check",
        "outcome",
        "detail",
        "evidence",
        "to pass",
        title=(
            f"{result.system_id}@{result.version} (tier {result.tier}) — "
            f"{result.policy.name} {result.policy.version}"
        ),
        title_justify="left",
    )
    for c in result.checks:
        table.add_row(  # Text, not markup: a glob's [...] is data, not a style
            Text(c.id),
            Text(c.outcome, style=_STYLE.get(c.outcome, "")),
            Text(c.message),
            ", ".join(f"#{i}" for i in c.evidence_ids),
            Text(c.remedy),
        )
    return table


def _summary(result: GateEvaluation) -> str:
    waived = result.waived
    note = f"; {len(waived)} check(s) waived, not passed: {', '.join(waived)}" if waived else ""
    return (
        f"gate: [{_STYLE[result.outcome]}]{result.outcome}[/] "
        f"(evaluation #{result.evaluation_id}){note}"
    )


class _OutputError(Exception):
    """The ``-o`` file cannot be written: an environment error (exit 3)."""


class _ReportFile:
    """A temporary file beside the ``-o`` path, renamed onto it once the report is written.

    It is created before the gate runs, so an unwritable destination stops the command
    before anything is recorded, and a reader never sees a half-written report.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        if path.is_dir():
            raise _OutputError(f"-o {path} is a folder; name a file to write the report to")
        try:
            self.handle: IO[str] = tempfile.NamedTemporaryFile(  # noqa: SIM115 - see commit()
                "w",
                encoding="utf-8",
                dir=path.parent,
                prefix=f".{path.name}.",
                suffix=".tmp",
                delete=False,
            )
        except OSError as exc:
            raise self._error(exc, "choose a writable -o path") from None

    def _error(self, exc: OSError, how: str) -> _OutputError:
        reason = exc.strerror or type(exc).__name__
        return _OutputError(f"cannot write the report to {self.path} ({reason}); {how}")

    def commit(self, text: str) -> None:
        try:
            with self.handle:
                self.handle.write(text)
            os.chmod(self.handle.name, 0o644)
            os.replace(self.handle.name, self.path)
        except OSError as exc:
            self.discard()
            raise self._error(
                exc, "the evaluation was recorded; re-run with a writable -o path"
            ) from None

    def discard(self) -> None:
        self.handle.close()
        with contextlib.suppress(OSError):
            os.unlink(self.handle.name)


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
    """Evaluate and record the gate; exit 0 pass, 1 fail or insufficient, 2 bad input, 3 I/O."""
    state = state_of(ctx)
    now = None
    if as_of is not None:
        now = datetime.combine(parse_as_of(as_of), time(23, 59, 59), tzinfo=UTC)
    try:
        report = _ReportFile(output) if output is not None else None
        try:
            result = _evaluate(state, system_id, version, policy, now)
        except BaseException:
            if report is not None:
                report.discard()
            raise
        summary = _summary(result)
        if report is None:
            if output_format is Format.TABLE:
                state.out.print(_table(result))
                for item in result.upcoming_obligations:
                    state.out.print(
                        f"upcoming: {item.id} applies from {item.applies_from} "
                        f"({item.days_left} days left); not counted yet"
                    )
                state.out.print(summary)
            else:
                typer.echo(_text(result, output_format), nl=False)
        else:
            report.commit(_text(result, output_format))
            state.out.print(f"{summary}; report written to {output}")
    except _OutputError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_ENVIRONMENT) from None
    raise typer.Exit(EXIT_FOR_OUTCOME[result.outcome])


def _evaluate(
    state: CliState,
    system_id: str,
    version: str | None,
    policy: Path | None,
    now: datetime | None,
) -> GateEvaluation:
    with state.context() as context:
        try:
            return gates.check_gate(
                context, state.actor(context), system_id, version, policy, now=now
            )
        except NotFoundError as exc:  # naming something that does not exist is bad input
            raise InvalidInput(str(exc)) from None


def _text(result: GateEvaluation, output_format: Format) -> str:
    if output_format is Format.JUNIT:
        return junit_xml(result)
    if output_format is Format.JSON:
        return json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n"
    buffer = io.StringIO()
    console = Console(file=buffer, width=200, no_color=True)
    console.print(_table(result))
    console.print(_summary(result))
    return buffer.getvalue()


def register(app: typer.Typer) -> None:
    app.add_typer(gate_app, name="gate")
