"""Monitors and their windows in the workspace: set up, ingest, read back.

``init_monitor`` fits a :class:`~ombud.monitor.MonitorSpec` on a reference file (the data
the model was validated on) and stores it with the reference summarised as one window;
``ingest`` turns a prediction log into one window per period and stores them in ONE
transaction. The check that reads the stored windows and records ``monitoring_run``
evidence lives in :mod:`ombud.services.monitor_check`.

Windows are immutable once written. Re-ingesting rows already counted (the same file
again, a daily job retried) changes nothing: each window keeps the row digest of every
batch that went into it, and a batch with one of those digests is recognised. A
*different* batch for a period already stored is a late batch: it is refused unless the
caller says ``amend=True``; then the window becomes the sum of both (``ombud.monitor.amend``),
records the digest it replaced and gets its own audit event. What the digest cannot see:
a batch that partly overlaps rows already counted (some old rows, some new) is a
different batch, and amending it counts the old rows twice; send only the new rows.

The engine runs outside any transaction (fitting a spec or summarising a large log takes
a while and must hold no database lock); the permission and the target are checked
before it runs and again in the write transaction, as for every engine run.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa
from sqlalchemy import select
from sqlalchemy.orm import Session

from ombud.governance import (
    Action,
    ConflictError,
    InvalidInput,
    NotFoundError,
    Target,
    authorize,
    check_name,
)
from ombud.monitor import (
    Ingest,
    MonitorSpec,
    Window,
    amend,
    build_windows,
    build_windows_sql,
    fit_spec,
    merge_windows,
    read_labels,
    record_index,
    roll_up,
)
from ombud.records import sha256_bytes, sha256_file
from ombud.services.context import Actor, AppContext, Tx, load_actor
from ombud.services.monitor_labels import LabelStep, apply_labels, index_records
from ombud.services.monitor_records import (
    IngestOutcome,
    LabelOutcome,
    Monitor,
    StoredWindow,
    WindowChange,
)
from ombud.store.models import AISystemRow, SystemVersionRow
from ombud.store.models_monitoring import MonitorRow, MonitorWindowRow

__all__ = [
    "DEFAULT_MONITOR",
    "Data",
    "SqlLog",
    "get_monitor",
    "ingest",
    "ingest_labels",
    "init_monitor",
    "list_monitors",
    "list_windows",
    "read_log",
    "rolled_up",
]

DEFAULT_MONITOR = "default"


@dataclass(frozen=True)
class SqlLog:
    """A prediction log given as a DuckDB query (``read_parquet('logs/*.parquet')`` ...): it is
    summarised inside DuckDB, so only window summaries reach Python, never the rows."""

    query: str


#: What a monitor reads: a CSV or Parquet file, a frame handed over by the library, or a query.
Data = Path | pd.DataFrame | SqlLog

_READERS = {".csv": "CSV", ".parquet": "Parquet", ".pq": "Parquet"}


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def read_log(path: Path) -> pd.DataFrame:
    """A CSV or Parquet file as a frame, or one line saying what is wrong with it."""
    if not path.is_file():
        raise InvalidInput(f"file {str(path)!r} does not exist; check the path")
    kind = _READERS.get(path.suffix.lower())
    if kind is None:
        raise InvalidInput(
            f"{path.name}: cannot tell the format from {path.suffix or 'no extension'!r}; "
            "give a .csv or .parquet file"
        )
    try:
        if kind == "CSV":
            return pd.read_csv(path)
        return pd.read_parquet(path)
    except (ValueError, OSError, pa.ArrowException, pd.errors.ParserError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InvalidInput(
            f"{path.name}: cannot read it as {kind} ({first}); is it really a {kind} file?"
        ) from None


def _frame_and_ref(data: Path | pd.DataFrame) -> tuple[pd.DataFrame, str, str]:
    """The frame, its name and the sha256 that identifies it in the record."""
    if isinstance(data, Path):
        frame = read_log(data)
        return frame, data.name, sha256_file(str(data))
    digest = sha256_bytes(pd.util.hash_pandas_object(data, index=False).to_numpy().tobytes())
    return data, "data frame", digest


def _build(data: Data, spec: MonitorSpec) -> tuple[Ingest, str, str, int, pd.DataFrame | None]:
    """The windows, the source's name, its sha256, its row count and the record index
    (one row per prediction, for late labels; None when the monitor keeps no ids).

    A query is identified by the sha256 of its text (the data it reads may change under it;
    the row digests of the windows are what recognise the same rows again).
    """
    if isinstance(data, SqlLog):
        if not data.query.strip():
            raise InvalidInput("--sql: the query is empty; give a SELECT over your log")
        built = build_windows_sql(data.query, spec)
        rows = sum(w.n_rows for w in built.windows)
        records = _sql_record_index(data.query, spec) if spec.record_id else None
        return built, "SQL query", sha256_bytes(data.query.encode()), rows, records
    frame, source, source_sha = _frame_and_ref(data)
    records = record_index(frame, spec) if spec.record_id else None
    return build_windows(frame, spec), source, source_sha, len(frame), records


def _sql_record_index(query: str, spec: MonitorSpec) -> pd.DataFrame:
    """The record index of a query's rows: only the columns a late label needs come back
    (id, time, prediction, score, label, sensitive attributes), never the features. The
    index is one row per prediction by nature: a label arrives for one record."""
    wanted = [spec.record_id, spec.timestamp, spec.prediction, spec.score, spec.label]
    with duckdb.connect(":memory:") as con:
        relation = con.sql(query)
        present = set(relation.columns)
        keep = [c for c in dict.fromkeys([*wanted, *spec.sensitive]) if c and c in present]
        frame: pd.DataFrame = relation.select(*(duckdb.ColumnExpression(c) for c in keep)).df()
    return record_index(frame, spec)


def _system_target(session: Session, system_id: str) -> Target:
    system = session.get(AISystemRow, system_id)
    if system is None:
        raise NotFoundError(f"no AI system '{system_id}'; see `ombud system list`")
    return Target.system(system_id, system.owner)


def _authorize(session: Session, actor: Actor, system_id: str, action: Action) -> None:
    """Roles as the database says they are now (a role revoked meanwhile is in force)."""
    target = _system_target(session, system_id)
    current = load_actor(session, actor.username)
    authorize(current.username, current.roles, action, target)


def _check_version(session: Session, system_id: str, version: str) -> None:
    found = session.execute(
        select(SystemVersionRow.id).where(
            SystemVersionRow.system_id == system_id, SystemVersionRow.label == version
        )
    ).first()
    if found is None:
        raise InvalidInput(
            f"'{system_id}' has no version '{version}'; add it with "
            f"`ombud system version add {system_id} {version}`"
        )


def _monitor_row(session: Session, system_id: str, name: str) -> MonitorRow:
    row = session.execute(
        select(MonitorRow).where(MonitorRow.system_id == system_id, MonitorRow.name == name)
    ).scalar_one_or_none()
    if row is None:
        if session.get(AISystemRow, system_id) is None:
            raise NotFoundError(f"no AI system '{system_id}'; see `ombud system list`")
        hint = "" if name == DEFAULT_MONITOR else f" --name {name}"
        raise NotFoundError(
            f"'{system_id}' has no monitor '{name}'; set one up with "
            f"`ombud monitor init {system_id}{hint} --version V --reference FILE --timestamp COL`"
        )
    return row


def _monitor_of(row: MonitorRow) -> Monitor:
    spec = MonitorSpec.from_json(row.spec)
    return Monitor(
        id=row.id,
        system_id=row.system_id,
        version=row.version_label,
        name=row.name,
        spec=spec,
        spec_digest=row.spec_digest,
        reference=Window.from_json(row.reference, spec),
        reference_name=row.reference_name,
        reference_sha256=row.reference_sha256,
        reference_rows=row.reference_rows,
        created_by=row.created_by,
        created_at=row.created_at,
    )


def _snapshot(row: MonitorRow) -> dict[str, Any]:
    return {
        "system_id": row.system_id,
        "version": row.version_label,
        "name": row.name,
        "spec_digest": row.spec_digest,
        "reference_digest": row.reference_digest,
        "reference": {"file": row.reference_name, "sha256": row.reference_sha256},
        "reference_rows": row.reference_rows,
    }


def init_monitor(
    context: AppContext,
    actor: Actor,
    system_id: str,
    version: str,
    reference: Path | pd.DataFrame,
    *,
    timestamp: str,
    features: Sequence[str] = (),
    sensitive: Sequence[str] = (),
    prediction: str | None = None,
    score: str | None = None,
    label: str | None = None,
    period: str = "day",
    categorical: Sequence[str] = (),
    pos_label: Any = None,
    threshold: float | None = None,
    name: str = DEFAULT_MONITOR,
    record_id: str | None = None,
) -> Monitor:
    """Fit a monitor on ``reference`` and store it on ``system_id`` (model ``version``).

    Refused before any work if the actor may not configure monitoring on the system, the
    version is unknown or the monitor name is taken; the reference's own windows are
    merged into one, the baseline every check compares against.
    """
    check_name(name, "the monitor name")
    with context.read() as session:
        _authorize(session, actor, system_id, Action.MONITOR_CONFIGURE)
        _check_version(session, system_id, version)
        _refuse_taken(session, system_id, name)
    frame, ref_name, ref_sha = _frame_and_ref(reference)
    spec = fit_spec(
        frame,
        timestamp=timestamp,
        features=features,
        sensitive=sensitive,
        prediction=prediction,
        score=score,
        label=label,
        period=period,
        categorical=categorical,
        pos_label=pos_label,
        threshold=threshold,
        record_id=record_id,
    )
    built = build_windows(frame, spec)
    if not built.windows:
        raise InvalidInput(f"{ref_name}: the reference has no rows; a monitor needs a baseline")
    baseline = merge_windows(built.windows, period="range")
    with context.write(actor) as tx:
        _authorize(tx.session, actor, system_id, Action.MONITOR_CONFIGURE)
        _check_version(tx.session, system_id, version)
        _refuse_taken(tx.session, system_id, name)
        row = MonitorRow(
            system_id=system_id,
            version_label=version,
            name=name,
            spec=spec.to_json(),
            spec_digest=spec.digest,
            reference=baseline.to_json(),
            reference_digest=baseline.digest,
            reference_name=ref_name,
            reference_sha256=ref_sha,
            reference_rows=baseline.n_rows,
            created_by=actor.username,
            created_at=_now(),
        )
        tx.session.add(row)
        # No flush of our own: ``record`` flushes, and turns a lost race (the same monitor
        # or period written meanwhile by another process) into a ConflictError.
        tx.record(
            "monitor.init",
            "monitor",
            f"{system_id}/{name}",
            before=None,
            after=_snapshot(row),
            details={"notes": list(built.notes)},
        )
        return _monitor_of(row)


def _refuse_taken(session: Session, system_id: str, name: str) -> None:
    taken = session.execute(
        select(MonitorRow.id).where(MonitorRow.system_id == system_id, MonitorRow.name == name)
    ).first()
    if taken is not None:
        raise ConflictError(
            f"'{system_id}' already has a monitor '{name}'; monitors are not refitted in "
            "place, set up another with --name NAME"
        )


def get_monitor(context: AppContext, system_id: str, name: str = DEFAULT_MONITOR) -> Monitor:
    with context.read() as session:
        return _monitor_of(_monitor_row(session, system_id, name))


def list_monitors(context: AppContext, system_id: str) -> tuple[Monitor, ...]:
    with context.read() as session:
        if session.get(AISystemRow, system_id) is None:
            raise NotFoundError(f"no AI system '{system_id}'; see `ombud system list`")
        rows = session.execute(
            select(MonitorRow).where(MonitorRow.system_id == system_id).order_by(MonitorRow.name)
        ).scalars()
        return tuple(_monitor_of(r) for r in rows)


def _stored(row: MonitorWindowRow, spec: MonitorSpec) -> StoredWindow:
    return StoredWindow(
        window=Window.from_json(row.window, spec),
        digest=row.digest,
        batch_digests=tuple(row.batch_digests),
        amended_from=row.amended_from,
        created_by=row.created_by,
        created_at=row.created_at,
        amended_at=row.amended_at,
    )


def list_windows(
    context: AppContext,
    system_id: str,
    name: str = DEFAULT_MONITOR,
    *,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
) -> tuple[Monitor, tuple[StoredWindow, ...]]:
    """The monitor and its stored windows in time order (``start <= period start < end``)."""
    with context.read() as session:
        row = _monitor_row(session, system_id, name)
        monitor = _monitor_of(row)
        query = select(MonitorWindowRow).where(MonitorWindowRow.monitor_id == row.id)
        if start is not None:
            query = query.where(MonitorWindowRow.period_start >= start)
        if end is not None:
            query = query.where(MonitorWindowRow.period_start < end)
        rows = session.execute(query.order_by(MonitorWindowRow.period_start)).scalars()
        return monitor, tuple(_stored(r, monitor.spec) for r in rows)


def rolled_up(windows: Sequence[StoredWindow], by: str | None) -> list[Window]:
    """The stored windows as they are (``by`` None), or merged into weeks or months."""
    items = [w.window for w in windows]
    if by is None:
        return items
    if by not in ("day", "week", "month"):
        raise InvalidInput(f"cannot show windows by {by!r}; use day, week or month")
    return roll_up(items, by)


def _window_event(row: MonitorWindowRow) -> dict[str, Any]:
    return {
        "period_start": row.period_start.isoformat(),
        "digest": row.digest,
        "rows_digest": row.rows_digest,
        "rows": row.n_rows,
    }


def ingest(
    context: AppContext,
    actor: Actor,
    system_id: str,
    data: Data,
    *,
    name: str = DEFAULT_MONITOR,
    amend_windows: bool = False,
) -> IngestOutcome:
    """Summarise a prediction log into windows and store them, all or nothing.

    Per period: a new window is stored; rows already counted change nothing; a different
    batch for a stored period is refused (nothing of the whole ingest is written) unless
    ``amend_windows``, which adds it to the stored window with an audit event of its own.
    """
    with context.read() as session:
        _authorize(session, actor, system_id, Action.MONITOR_INGEST)
        monitor = _monitor_of(_monitor_row(session, system_id, name))
    built, source, source_sha, n_rows, records = _build(data, monitor.spec)
    if not built.windows:
        raise InvalidInput(f"{source}: the prediction log has no rows; nothing to ingest")
    changes: list[WindowChange] = []
    with context.write(actor) as tx:
        _authorize(tx.session, actor, system_id, Action.MONITOR_INGEST)
        row = _monitor_row(tx.session, system_id, name)
        if row.spec_digest != monitor.spec_digest:  # pragma: no cover - monitors are not refitted
            raise ConflictError(f"monitor '{name}' of '{system_id}' changed; run the ingest again")
        starts = [w.start for w in built.windows]
        existing = {
            r.period_start: r
            for r in tx.session.execute(
                select(MonitorWindowRow).where(
                    MonitorWindowRow.monitor_id == row.id,
                    MonitorWindowRow.period_start.in_(starts),
                )
            ).scalars()
        }
        now = _now()
        late = [
            w
            for w in built.windows
            if w.start in existing and w.rows_digest not in existing[w.start].batch_digests
        ]
        if late and not amend_windows:
            keys = ", ".join(w.start.date().isoformat() for w in late[:3])
            more = f" and {len(late) - 3} more" if len(late) > 3 else ""
            raise ConflictError(
                f"{source}: {len(late)} period(s) already stored with other rows ({keys}{more}); "
                f"nothing was written. If these are late rows, add them with "
                f"`ombud monitor ingest {system_id} FILE --amend`"
            )
        for window in built.windows:
            stored = existing.get(window.start)
            if stored is None:
                # Serialised once: the text stored and the digest of the very same bytes.
                text = window.to_json()
                digest = sha256_bytes(text.encode())
                tx.session.add(
                    MonitorWindowRow(
                        monitor_id=row.id,
                        period_start=window.start,
                        period_end=window.end,
                        window=text,
                        digest=digest,
                        rows_digest=window.rows_digest,
                        batch_digests=[window.rows_digest],
                        n_rows=window.n_rows,
                        n_labelled=window.n_labelled,
                        amended_from=None,
                        created_by=actor.username,
                        created_at=now,
                        amended_at=None,
                    )
                )
                changes.append(WindowChange(window.start, "stored", window.n_rows, digest))
            elif window.rows_digest in stored.batch_digests:
                changes.append(
                    WindowChange(window.start, "unchanged", window.n_rows, stored.digest)
                )
            else:
                changes.append(_amend(tx, stored, window, monitor, now))
        indexed = 0
        if records is not None:
            tx.session.flush()
            indexed = index_records(
                tx,
                row.id,
                monitor.spec,
                records,
                (c.start for c in changes if c.action != "unchanged"),
                source=source,
                source_sha=source_sha,
                now=now,
            )
        tx.record(
            "monitor.ingest",
            "monitor",
            f"{system_id}/{name}",
            before=None,
            after=None,
            details={
                "source": source,
                "sha256": source_sha,
                "rows": n_rows,
                "stored": sum(1 for c in changes if c.action == "stored"),
                "unchanged": sum(1 for c in changes if c.action == "unchanged"),
                "amended": sum(1 for c in changes if c.action == "amended"),
                "records_indexed": indexed,
                "notes": list(built.notes),
            },
        )
    return IngestOutcome(
        system_id=system_id,
        monitor=name,
        source=source,
        source_sha256=source_sha,
        rows=n_rows,
        changes=tuple(changes),
        notes=built.notes,
    )


def _amend(
    tx: Tx, stored: MonitorWindowRow, late: Window, monitor: Monitor, now: dt.datetime
) -> WindowChange:
    """Add a late batch to a stored window, keeping the digest it replaces; audited."""
    before = _window_event(stored)
    merged = amend(Window.from_json(stored.window, monitor.spec), late)
    previous = stored.digest
    stored.window = merged.to_json()
    stored.digest = sha256_bytes(stored.window.encode())
    stored.rows_digest = merged.rows_digest
    stored.batch_digests = [*stored.batch_digests, late.rows_digest]
    stored.n_rows = merged.n_rows
    stored.n_labelled = merged.n_labelled
    stored.amended_from = previous
    stored.amended_at = now
    tx.record(
        "monitor.window.amend",
        "monitor_window",
        f"{monitor.system_id}/{monitor.name}/{late.key}",
        before=before,
        after=_window_event(stored),
        details={
            "late_rows": late.n_rows,
            "late_rows_digest": late.rows_digest,
            "rows_before": before["rows"],
            "rows_after": stored.n_rows,
            "amended_from": previous,
        },
    )
    return WindowChange(late.start, "amended", late.n_rows, stored.digest, previous)


def ingest_labels(
    context: AppContext,
    actor: Actor,
    system_id: str,
    labels: Path | pd.DataFrame,
    *,
    name: str = DEFAULT_MONITOR,
    id_column: str | None = None,
    label_column: str | None = None,
) -> LabelOutcome:
    """Join a labels file (id and label columns) on the monitor's record index, in ONE
    transaction: every window it touches gets its labelled Tally rebuilt, audited.

    ``id_column`` and ``label_column`` default to the monitor's own column names.
    """
    with context.read() as session:
        _authorize(session, actor, system_id, Action.MONITOR_INGEST)
        monitor = _monitor_of(_monitor_row(session, system_id, name))
    frame, source, source_sha = _frame_and_ref(labels)
    parsed = read_labels(
        frame, monitor.spec, id_column=id_column, label_column=label_column, where=source
    )
    if parsed.empty:
        raise InvalidInput(f"{source}: the labels file has no rows; nothing to join")
    key = f"{system_id}/{name}"
    with context.write(actor) as tx:
        _authorize(tx.session, actor, system_id, Action.MONITOR_INGEST)
        row = _monitor_row(tx.session, system_id, name)
        step: LabelStep = apply_labels(
            tx,
            row.id,
            monitor.spec,
            parsed,
            key=key,
            source=source,
            source_sha=source_sha,
            now=_now(),
        )
        tx.record(
            "monitor.labels",
            "monitor",
            key,
            before=None,
            after=None,
            details={
                "source": source,
                "sha256": source_sha,
                "rows": len(parsed),
                "labelled": step.labelled,
                "unchanged": step.unchanged,
                "unknown": len(step.unknown),
                "windows": len(step.changes),
            },
        )
    return LabelOutcome(
        system_id=system_id,
        monitor=name,
        source=source,
        source_sha256=source_sha,
        rows=len(parsed),
        labelled=step.labelled,
        unchanged=step.unchanged,
        unknown=len(step.unknown),
        unknown_examples=tuple(step.unknown[:3]),
        changes=tuple(step.changes),
        notes=tuple(step.notes),
    )
