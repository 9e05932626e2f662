"""The fairness engines as runs: a classifier audit and a decisions-only bias audit.

Adapters (``ombud audit fairness|bias``, the web's "Run a fairness audit" form, the demo)
describe what to audit as a request and call :func:`audit_fairness` or
:func:`audit_bias`; both go through :func:`ombud.services.runs.run_engine`, so checking
the target first, running outside any transaction and recording in one happen the same
way for every caller. The data file is hashed exactly once, for the evidence's input
reference; the engine reads it through DuckDB or pyarrow as it always did.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from ombud.fairness import (
    AuditInputError,
    AuditResult,
    BiasAuditResult,
    SQLSource,
    audit,
    bias_audit,
)
from ombud.fairness.bias_audit import DEFAULT_UNKNOWN
from ombud.records import EvidenceDraft, InputRef, sha256_file
from ombud.services.runs import EngineRun, RecordTarget, RunOutcome, run_engine

__all__ = [
    "BiasAuditRequest",
    "FairnessAuditRequest",
    "audit_bias",
    "audit_fairness",
    "bias_audit_run",
    "fairness_audit_run",
    "label_value",
]

#: What an audit reads: a file (CSV/Parquet, or a glob the engine expands) or a frame.
Data = Path | pd.DataFrame


@dataclass(frozen=True)
class FairnessAuditRequest:
    """Everything a classifier audit needs, as the engine's keyword arguments.

    ``sql`` is a DuckDB query over the file as table ``data`` (files only).
    """

    data: Data
    label: str
    sensitive: str | Sequence[str]
    prediction: str | None = None
    score: str | None = None
    threshold: float | None = None
    control: str | Sequence[str] | None = None
    weights: str | None = None
    pos_label: Any = None
    reference: Mapping[str, Any] | None = None
    on_missing: str = "raise"
    n_boot: int = 1000
    seed: int = 0
    confidence: float = 0.95
    min_group_size: int | None = None
    sql: str | None = None


@dataclass(frozen=True)
class BiasAuditRequest:
    """A decisions-only bias audit (selection or scoring rates, impact ratios)."""

    data: Data
    selected: str | None = None
    score: str | None = None
    sex: str | None = None
    race: str | None = None
    pos_label: Any = None
    unknown: Sequence[str] = DEFAULT_UNKNOWN
    exclude_below: float = 0.0
    justification: str | None = None
    data_source: str = ""
    #: What the rows came from, when ``data`` is a frame (a file is hashed instead).
    inputs: Sequence[InputRef] = ()
    audit_date: dt.date = field(default_factory=lambda: dt.datetime.now(dt.UTC).date())


def label_value(text: str | None) -> Any:
    """A positive label typed by a person, as the most specific type it spells (int, float,
    bool, else text): ``1`` must match a column of integers, ``yes`` a column of text."""
    if not text:
        return None
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return {"true": True, "false": False}.get(text.lower(), text)


def _check_file(data: Data) -> None:
    if isinstance(data, Path) and not data.is_file():
        raise AuditInputError(f"file {str(data)!r} does not exist; check the path")


def _sql_source(path: Path, query: str) -> SQLSource:
    connection = duckdb.connect(":memory:")
    literal = "'" + str(path).replace("'", "''") + "'"
    try:
        connection.execute(f"CREATE VIEW data AS SELECT * FROM {literal}")
    except duckdb.Error as exc:
        connection.close()
        raise AuditInputError(f"cannot read {str(path)!r}: {str(exc).splitlines()[0]}") from exc
    note = f"query over data = {path} (sha256 {sha256_file(str(path))})"
    return SQLSource(query, connection=connection, description=note)


def _run_fairness(request: FairnessAuditRequest) -> AuditResult:
    _check_file(request.data)
    if request.sql is not None and not isinstance(request.data, Path):
        raise AuditInputError("--sql queries a file; give the data as a file")
    source: Any = request.data
    if isinstance(request.data, Path):
        source = (
            str(request.data) if request.sql is None else _sql_source(request.data, request.sql)
        )
    try:
        return audit(
            source,
            label=request.label,
            prediction=request.prediction,
            score=request.score,
            threshold=request.threshold,
            sensitive=request.sensitive,
            control=request.control,
            weights=request.weights,
            pos_label=request.pos_label,
            reference=dict(request.reference) if request.reference else None,
            on_missing=request.on_missing,
            n_boot=request.n_boot,
            seed=request.seed,
            confidence=request.confidence,
            min_group_size=request.min_group_size,
        )
    finally:
        if isinstance(source, SQLSource) and source.connection is not None:
            source.connection.close()


def fairness_audit_run(request: FairnessAuditRequest) -> EngineRun[AuditResult]:
    return EngineRun(
        label="fairness audit",
        execute=lambda: _run_fairness(request),
        draft=lambda result: result.to_evidence(),
    )


def audit_fairness(
    request: FairnessAuditRequest, target: RecordTarget | None = None
) -> RunOutcome[AuditResult]:
    """Audit a classifier's decisions; with ``target``, record it as evidence."""
    return run_engine(fairness_audit_run(request), target)


def bias_source_note(request: BiasAuditRequest, result: BiasAuditResult) -> str:
    """The data source line of the published summary: the user's words, else the file."""
    if request.data_source:
        return request.data_source
    name = request.data.name if isinstance(request.data, Path) else "data frame"
    return f"{name} ({result.applicants} rows)"


def _bias_draft(request: BiasAuditRequest, result: BiasAuditResult) -> EvidenceDraft:
    source = bias_source_note(request, result)
    inputs = list(request.inputs)
    if not inputs and isinstance(request.data, Path):
        inputs.append(
            InputRef(request.data.name, sha256_file(str(request.data)), rows=result.applicants)
        )
    return result.to_evidence(inputs, audit_date=request.audit_date.isoformat(), data_source=source)


def bias_audit_run(request: BiasAuditRequest) -> EngineRun[BiasAuditResult]:
    def execute() -> BiasAuditResult:
        _check_file(request.data)
        return bias_audit(
            request.data,
            selected=request.selected,
            score=request.score,
            sex=request.sex,
            race=request.race,
            pos_label=request.pos_label,
            unknown=tuple(request.unknown),
            exclude_below=request.exclude_below,
            exclusion_justification=request.justification,
        )

    return EngineRun(
        label="bias audit",
        execute=execute,
        draft=lambda result: _bias_draft(request, result),
    )


def audit_bias(
    request: BiasAuditRequest, target: RecordTarget | None = None
) -> RunOutcome[BiasAuditResult]:
    """A decisions-only bias audit; with ``target``, record it as evidence."""
    return run_engine(bias_audit_run(request), target)
