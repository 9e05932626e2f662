"""Findings from an auditor's report (CSV or JSON Lines): all of them, or none.

Split from ``findings``: reading and checking a file is its own concern; each finding is
still opened by ``findings.create_finding`` in one transaction for the whole report.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

from ombud.governance import Action, InvalidInput, Target, authorize
from ombud.governance.findings import ImportDefaults, parse_import_record
from ombud.services.context import Actor, AppContext
from ombud.services.findings import Finding, FindingDraft, create_finding

__all__ = ["import_findings"]


def _read_records(path: Path) -> list[tuple[str, dict[str, str]]]:
    """(where, record) pairs from a CSV (row = line number) or JSON (item index) report."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"{path}: cannot read the report ({exc}); check the path") from None
    name = path.name
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InvalidInput(
                f"{name}:{exc.lineno}: not valid JSON ({exc.msg}); fix the JSON there"
            ) from None
        if isinstance(data, dict) and isinstance(data.get("findings"), list):
            data = data["findings"]
        if not isinstance(data, list):
            raise InvalidInput(f'{name}: expected a list of findings (or {{"findings": [...]}})')
        records = []
        for index, item in enumerate(data, start=1):
            if not isinstance(item, dict):
                raise InvalidInput(f"{name} item {index}: expected an object with named fields")
            records.append(
                (
                    f"{name} item {index}",
                    {str(k): "" if v is None else str(v) for k, v in item.items()},
                )
            )
        return records
    if path.suffix.lower() != ".csv":
        raise InvalidInput(f"{name}: import reads .csv or .json reports; convert it to one")
    reader = csv.DictReader(io.StringIO(text))
    try:
        if not reader.fieldnames:
            raise InvalidInput(
                f"{name}: the CSV has no header row; the first row names the columns"
            )
        records = []
        for record in reader:
            if None in record:
                raise InvalidInput(
                    f"{name} row {reader.line_num}: more values than header columns; quote "
                    "values that contain commas"
                )
            records.append((f"{name} row {reader.line_num}", record))
    except csv.Error as exc:
        raise InvalidInput(f"{name} row {reader.line_num + 1}: {_csv_problem(exc)}") from None
    return records


def _csv_problem(exc: csv.Error) -> str:
    text = str(exc)
    if "field larger than field limit" in text:
        return (
            f"a field is longer than {csv.field_size_limit()} characters; shorten it or "
            "attach the long text as evidence"
        )
    if "NUL" in text:
        return "the row holds a NUL byte (a binary file?); save the report as CSV text"
    return f"not valid CSV ({text}); fix the quoting there"


def import_findings(
    context: AppContext,
    actor: Actor,
    path: Path,
    *,
    system_id: str | None = None,
    owner: str | None = None,
    due_in_days: int | None = None,
    source_kind: str = "third_party_audit",
) -> list[Finding]:
    """Open every finding of an auditor's report in one transaction, or none of them.

    Each finding is authorized on its own system (an owner imports only onto their own
    systems); the role gate here refuses an auditor before the file is read.
    """
    authorize(actor.username, actor.roles, Action.FINDING_CREATE, Target.unnamed())
    today = dt.datetime.now(dt.UTC).date()
    defaults = ImportDefaults(
        system_id=system_id,
        owner=owner,
        due_date=today + dt.timedelta(days=due_in_days) if due_in_days is not None else None,
    )
    records = _read_records(path)
    if not records:
        raise InvalidInput(f"{path.name}: the report holds no findings; nothing imported")
    specs = [parse_import_record(where, record, defaults, today) for where, record in records]
    with context.write(actor) as tx:
        return [create_finding(tx, FindingDraft.from_spec(spec, source_kind)) for spec in specs]
