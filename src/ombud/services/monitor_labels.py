"""Late labels in the workspace: the record index and the audited label amendment.

A monitor whose spec declares an id column keeps one ``monitor_records`` row per ingested
prediction (window, sensitive values, prediction, score, label once known). A labels file
joined on it sets the labels of the records it names and rebuilds the labelled Tally of
every window it touches from all the labelled records of that window
(``ombud.monitor.label_window``): the window then equals one built from rows that carried
those labels from the start. Each rebuilt window is an explicit amendment with its own
audit event (the digest it replaced is kept, as for a late batch).

Idempotent by construction: a label already recorded for an id is recognised and changes
nothing; a *different* label for an id already labelled is refused (outcomes are not
rewritten silently; a correction is a governance decision, not a re-upload).

These functions run inside the caller's write transaction (``services.monitoring``), so a
log and its labels, or a labels file and all its window amendments, land together or not
at all.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Table, bindparam, select

from ombud.governance import ConflictError, InvalidInput
from ombud.monitor import MonitorSpec, Window, label_window
from ombud.records import sha256_bytes
from ombud.services.context import Tx
from ombud.services.monitor_records import WindowChange
from ombud.store.models_monitoring import MonitorRecordRow, MonitorWindowRow

__all__ = ["LabelStep", "apply_labels", "index_records"]

_RECORDS: Table = MonitorRecordRow.__table__  # type: ignore[assignment]

#: Ids per IN (...) query: well under SQLite's and PostgreSQL's bound-parameter limits.
_CHUNK = 1000


def _chunks(items: Sequence[str]) -> Iterator[Sequence[str]]:
    for i in range(0, len(items), _CHUNK):
        yield items[i : i + _CHUNK]


def _plain(value: Any) -> Any:
    """A JSON-safe scalar (NaN and missing become null)."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return value


def _utc(value: dt.datetime) -> dt.datetime:
    """SQLite hands back naive datetimes (stored as UTC); make them comparable."""
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def index_records(
    tx: Tx,
    monitor_id: int,
    spec: MonitorSpec,
    records: pd.DataFrame,
    starts: Iterable[dt.datetime],
    *,
    source: str,
    source_sha: str,
    now: dt.datetime,
) -> int:
    """Add the records of the windows in ``starts`` (stored or amended by this ingest).

    Refused when an id was already ingested in another batch: that row is counted already
    (its label, if it came late, arrives through a labels file).
    """
    keep = {pd.Timestamp(s) for s in starts}
    rows = records[records["start"].isin(keep)]
    if rows.empty:
        return 0
    ids = rows["record_id"].tolist()
    for chunk in _chunks(ids):
        found = tx.session.execute(
            select(MonitorRecordRow.record_id).where(
                MonitorRecordRow.monitor_id == monitor_id,
                MonitorRecordRow.record_id.in_(chunk),
            )
        ).first()
        if found is not None:
            where = int(rows.loc[rows["record_id"] == found[0], "row"].iloc[0])
            raise ConflictError(
                f"{source}: id {found[0]!r} (row {where}) was ingested before; nothing was "
                "written. Rows are counted once; send late labels with `ombud monitor ingest "
                "SYSTEM --labels FILE`"
            )
    values = []
    columns = zip(
        rows["record_id"].tolist(),
        list(pd.DatetimeIndex(rows["start"]).tz_convert("UTC").to_pydatetime()),
        rows["cell"].tolist(),
        rows["prediction"].astype(float).tolist(),
        rows["score"].astype(float).tolist(),
        rows["label"].astype(float).tolist(),
        rows["value"].tolist(),
        strict=True,
    )
    for record_id, start, cell, prediction, score, label, value in columns:
        labelled = not math.isnan(label)
        values.append(
            {
                "monitor_id": monitor_id,
                "record_id": str(record_id),
                "period_start": start,
                "cell": [_plain(v) for v in cell],
                "prediction": None if math.isnan(prediction) else int(prediction),
                "score": None if math.isnan(score) else score,
                "label": int(label) if labelled else None,
                "label_value": _plain(value) if labelled else None,
                "label_source": source_sha if labelled else None,
                "labelled_at": now if labelled else None,
            }
        )
    # Core executemany on the table: an ingest may index a day of 100k predictions, and
    # the ORM's bulk path costs ten times as much per row. The table is not tracked by the
    # audit's state digests (docs/monitoring.md), so no ORM event is skipped.
    tx.session.connection().execute(_RECORDS.insert(), values)
    return len(values)


class LabelStep:
    """What one labels file did: counts, unknown ids, and the window changes."""

    def __init__(self) -> None:
        self.labelled = 0
        self.unchanged = 0
        self.unknown: list[str] = []
        self.changes: list[WindowChange] = []
        self.notes: list[str] = []


def apply_labels(
    tx: Tx,
    monitor_id: int,
    spec: MonitorSpec,
    labels: pd.DataFrame,
    *,
    key: str,
    source: str,
    source_sha: str,
    now: dt.datetime,
) -> LabelStep:
    """Set the labels of ``labels`` (from ``read_labels``) and rebuild the windows they touch.

    ``key`` names the monitor in audit events (``system/monitor``).
    """
    step = LabelStep()
    ids = labels["record_id"].tolist()
    # Plain column tuples, not ORM objects: a labels file may name every prediction of
    # a month, and the update below is one executemany by primary key.
    found: dict[str, tuple[int, dt.datetime, int | None, Any]] = {}
    for chunk in _chunks(ids):
        for pk, record_id, start, label, value in tx.session.execute(
            select(
                MonitorRecordRow.id,
                MonitorRecordRow.record_id,
                MonitorRecordRow.period_start,
                MonitorRecordRow.label,
                MonitorRecordRow.label_value,
            ).where(
                MonitorRecordRow.monitor_id == monitor_id,
                MonitorRecordRow.record_id.in_(chunk),
            )
        ).all():
            found[record_id] = (pk, start, label, value)
    step.unknown = [i for i in ids if i not in found]
    if ids and len(step.unknown) == len(ids):
        shown = ", ".join(repr(i) for i in step.unknown[:3])
        raise InvalidInput(
            f"{source}: none of its {len(ids)} id(s) is a record of monitor {key} (first: "
            f"{shown}); check the id column (--id COL) and that the predictions were ingested"
        )
    touched: dict[dt.datetime, int] = {}
    updates: list[dict[str, Any]] = []
    given = zip(
        labels["record_id"].tolist(),
        labels["row"].tolist(),
        labels["label"].tolist(),
        labels["value"].tolist(),
        strict=True,
    )
    for record_id, row, label, value in given:
        rec = found.get(str(record_id))
        if rec is None:
            continue
        pk, period_start, recorded, recorded_value = rec
        if recorded is not None:
            if recorded != int(label):
                raise ConflictError(
                    f"{source}: id {record_id!r} (row {row}) has label {_plain(value)!r} but "
                    f"{recorded_value!r} was recorded for it; nothing was written. Recorded "
                    "outcomes are not rewritten: drop the row"
                )
            step.unchanged += 1
            continue
        updates.append(
            {
                "pk": pk,
                "new_label": int(label),
                "new_value": _plain(value),
                "new_source": source_sha,
                "new_at": now,
            }
        )
        start = _utc(period_start)
        touched[start] = touched.get(start, 0) + 1
        step.labelled += 1
    if updates:
        tx.session.connection().execute(
            _RECORDS.update()
            .where(_RECORDS.c.id == bindparam("pk"))
            .values(
                label=bindparam("new_label"),
                label_value=bindparam("new_value"),
                label_source=bindparam("new_source"),
                labelled_at=bindparam("new_at"),
            ),
            updates,
        )
    if step.unknown:
        shown = ", ".join(repr(i) for i in step.unknown[:3])
        step.notes.append(
            f"{len(step.unknown)} label(s) for ids the monitor never ingested were skipped "
            f"(first: {shown})"
        )
    for start, added in sorted(touched.items()):
        step.changes.append(_relabel(tx, monitor_id, spec, start, added, key, source_sha, now))
    return step


def _records_frame(rows: Sequence[tuple[Any, int | None, float | None, int]]) -> pd.DataFrame:
    """(cell, prediction, score, label) rows as the frame ``label_window`` reads."""
    return pd.DataFrame(
        {
            "cell": [tuple(r[0]) for r in rows],
            "prediction": [np.nan if r[1] is None else r[1] for r in rows],
            "score": [np.nan if r[2] is None else r[2] for r in rows],
            "label": [r[3] for r in rows],
        }
    )


def _relabel(
    tx: Tx,
    monitor_id: int,
    spec: MonitorSpec,
    start: dt.datetime,
    added: int,
    key: str,
    source_sha: str,
    now: dt.datetime,
) -> WindowChange:
    """Rebuild one stored window's labelled Tally from its labelled records; audited."""
    stored = tx.session.execute(
        select(MonitorWindowRow).where(
            MonitorWindowRow.monitor_id == monitor_id, MonitorWindowRow.period_start == start
        )
    ).scalar_one()
    labelled = tx.session.execute(
        select(
            MonitorRecordRow.cell,
            MonitorRecordRow.prediction,
            MonitorRecordRow.score,
            MonitorRecordRow.label,
        )
        .where(
            MonitorRecordRow.monitor_id == monitor_id,
            MonitorRecordRow.period_start == start,
            MonitorRecordRow.label.is_not(None),
        )
        .order_by(MonitorRecordRow.id)
    ).all()
    window = Window.from_json(stored.window, spec)
    rebuilt = label_window(window, _records_frame(labelled), spec)
    before = {"digest": stored.digest, "labelled": stored.n_labelled}
    previous = stored.digest
    stored.window = rebuilt.to_json()
    stored.digest = sha256_bytes(stored.window.encode())
    stored.n_labelled = rebuilt.n_labelled
    stored.amended_from = previous
    stored.amended_at = now
    tx.record(
        "monitor.window.label",
        "monitor_window",
        f"{key}/{window.key}",
        before=before,
        after={"digest": stored.digest, "labelled": stored.n_labelled},
        details={"labels_added": added, "labels_sha256": source_sha, "amended_from": previous},
    )
    return WindowChange(window.start, "labelled", added, stored.digest, previous)
