"""Late labels joined by record id in the workspace (SQLite and PostgreSQL).

Oracle: a second monitor with the same spec that ingested the same COMPAS screenings with
every label present from the start; its stored windows must equal (exact Tally equality)
the windows of the monitor whose labels arrived late through a labels file.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import func, select

from ombud.governance import ConflictError, InvalidInput, PermissionDenied
from ombud.monitor import ColumnError, MonitorError, performance_report
from ombud.services import monitoring
from ombud.services.context import AppContext
from ombud.store.models import AuditEventRow
from ombud.store.models_monitoring import MonitorRecordRow

from ._monitoring import MONITOR_COLUMNS, compas_log, monitored_team


@pytest.fixture
def team(context: AppContext) -> AppContext:
    return monitored_team(context)


def _with_ids(start: str, end: str) -> pd.DataFrame:
    """COMPAS screenings with a record id that is stable across slices (the row's date and
    its position within that date's screenings)."""
    frame = compas_log(start, end)
    day = frame["screened"].dt.strftime("%Y%m%d")
    return frame.assign(rid=day + "-" + frame.groupby(day).cumcount().astype(str))


def _init(context: AppContext, name: str, who: str = "olivia") -> monitoring.Monitor:
    return monitoring.init_monitor(
        context,
        context.actor(who),
        "recid",
        "1.0",
        compas_log("2013-01-01", "2013-07-01"),
        name=name,
        record_id="rid",
        **MONITOR_COLUMNS,
    )


def _events(context: AppContext) -> int:
    with context.read() as session:
        return int(session.execute(select(func.count()).select_from(AuditEventRow)).scalar_one())


def _digests(context: AppContext, name: str) -> list[str]:
    return [w.digest for w in monitoring.list_windows(context, "recid", name)[1]]


def _split(seed: int, share: float) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    log = _with_ids("2014-01-01", "2014-03-01")
    late = np.random.default_rng(seed).uniform(size=len(log)) < share
    masked = log.assign(recid=log["recid"].astype(float).where(~late))
    return log, masked, log.loc[late, ["rid", "recid"]].reset_index(drop=True)


def test_late_labels_equal_labels_present_from_the_start(team: AppContext, tmp_path: Path) -> None:
    olivia = team.actor("olivia")
    _init(team, "full")
    late_monitor = _init(team, "late")
    assert late_monitor.spec.record_id == "rid"
    log, masked, labels = _split(seed=3, share=0.6)
    monitoring.ingest(team, olivia, "recid", log, name="full")
    monitoring.ingest(team, olivia, "recid", masked, name="late")
    path = tmp_path / "labels.csv"
    labels.to_csv(path, index=False)
    before = _events(team)
    outcome = monitoring.ingest_labels(team, olivia, "recid", path, name="late")
    assert outcome.labelled == len(labels)
    assert outcome.unchanged == 0
    assert outcome.unknown == 0
    touched = {c.start for c in outcome.changes}
    assert touched
    assert all(c.action == "labelled" for c in outcome.changes)
    # One audit event per amended window and one for the labels file.
    assert _events(team) == before + len(touched) + 1
    _, full = monitoring.list_windows(team, "recid", "full")
    _, late = monitoring.list_windows(team, "recid", "late")
    assert [w.window.start for w in full] == [w.window.start for w in late]
    for a, b in zip(full, late, strict=True):
        assert a.window.n_labelled == b.window.n_labelled
        assert a.window.labelled is not None
        assert b.window.labelled is not None
        assert a.window.labelled.equals(b.window.labelled, rtol=0.0)
        assert a.window.outputs is not None
        assert b.window.outputs is not None
        assert a.window.outputs.equals(b.window.outputs, rtol=0.0)
        if b.window.start in touched:
            assert b.amended_from is not None
    # Measured performance per window is there as for rows labelled at ingest.
    spec = late_monitor.spec
    perf = performance_report(spec, [w.window for w in late])
    expected = performance_report(spec, [w.window for w in full])
    assert perf["start"].nunique() == len(late)
    pd.testing.assert_frame_equal(perf, expected)


def test_labels_are_idempotent_and_never_rewritten(team: AppContext) -> None:
    olivia = team.actor("olivia")
    _init(team, "late")
    _, masked, labels = _split(seed=4, share=0.5)
    monitoring.ingest(team, olivia, "recid", masked, name="late")
    first = monitoring.ingest_labels(team, olivia, "recid", labels, name="late")
    digests = _digests(team, "late")
    again = monitoring.ingest_labels(team, olivia, "recid", labels, name="late")
    assert (again.labelled, again.unchanged, again.changes) == (0, len(labels), ())
    assert first.labelled == len(labels)
    assert _digests(team, "late") == digests
    # A different label for an id already labelled is refused; nothing changes.
    flipped = labels.copy()
    flipped.loc[5, "recid"] = 1 - int(flipped.loc[5, "recid"])
    rid = flipped.loc[5, "rid"]
    events = _events(team)
    with pytest.raises(ConflictError, match=rf"id '{rid}' \(row 5\) has label .* was recorded"):
        monitoring.ingest_labels(team, olivia, "recid", flipped, name="late")
    assert _digests(team, "late") == digests
    assert _events(team) == events
    # The same holds for a label recorded at ingest time (it came with the log).
    with_label = masked[masked["recid"].notna()].iloc[:1]
    conflict = pd.DataFrame(
        {"rid": with_label["rid"], "recid": 1 - with_label["recid"].astype(int)}
    )
    with pytest.raises(ConflictError, match="was recorded for it"):
        monitoring.ingest_labels(team, olivia, "recid", conflict, name="late")


def test_unknown_ids_and_bad_files(team: AppContext) -> None:
    olivia = team.actor("olivia")
    _init(team, "late")
    _, masked, labels = _split(seed=5, share=0.3)
    monitoring.ingest(team, olivia, "recid", masked, name="late")
    events = _events(team)
    stranger = pd.DataFrame({"rid": ["x1", "x2"], "recid": [1, 0]})
    with pytest.raises(InvalidInput, match=r"none of its 2 id\(s\) is a record of monitor"):
        monitoring.ingest_labels(team, olivia, "recid", stranger, name="late")
    with pytest.raises(ColumnError, match=r"id 'x1' appears in rows 0 and 2"):
        monitoring.ingest_labels(
            team, olivia, "recid", pd.concat([stranger, stranger.iloc[:1]]), name="late"
        )
    with pytest.raises(ColumnError, match=r"label 3 is not one of the monitor's labels"):
        monitoring.ingest_labels(team, olivia, "recid", stranger.assign(recid=[1, 3]), name="late")
    with pytest.raises(ColumnError, match=r"lacks column 'rid' \(id\)"):
        monitoring.ingest_labels(team, olivia, "recid", stranger.drop(columns="rid"), name="late")
    assert _events(team) == events
    mixed = pd.concat([labels.iloc[:10], stranger], ignore_index=True)
    outcome = monitoring.ingest_labels(team, olivia, "recid", mixed, name="late")
    assert (outcome.labelled, outcome.unknown, outcome.unknown_examples) == (10, 2, ("x1", "x2"))
    assert "2 label(s) for ids the monitor never ingested were skipped" in outcome.notes[0]
    # Named columns of another spelling.
    renamed = labels.iloc[10:20].rename(columns={"rid": "case", "recid": "outcome"})
    outcome = monitoring.ingest_labels(
        team, olivia, "recid", renamed, name="late", id_column="case", label_column="outcome"
    )
    assert outcome.labelled == 10


def test_rows_are_indexed_once(team: AppContext) -> None:
    olivia = team.actor("olivia")
    _init(team, "late")
    _, masked, _ = _split(seed=6, share=0.5)
    monitoring.ingest(team, olivia, "recid", masked, name="late")
    with team.read() as session:
        count = session.execute(select(func.count()).select_from(MonitorRecordRow)).scalar_one()
    assert count == len(masked)
    # The same file again: unchanged, nothing re-indexed.
    again = monitoring.ingest(team, olivia, "recid", masked, name="late")
    assert again.count("unchanged") == len(again.changes)
    # The same rows with their labels filled in are not a late batch: refused by id.
    with pytest.raises(ConflictError, match=r"id '.*' \(row \d+\) was ingested before"):
        monitoring.ingest(
            team, olivia, "recid", masked.fillna({"recid": 0}), name="late", amend_windows=True
        )
    dup = masked.iloc[:3].assign(rid=masked["rid"].iloc[0])
    with pytest.raises(ColumnError, match=r"appears in rows 0 and 1"):
        monitoring.ingest(team, olivia, "recid", dup, name="late")


def test_only_those_who_may_ingest_may_label(team: AppContext) -> None:
    olivia = team.actor("olivia")
    _init(team, "late")
    _, masked, labels = _split(seed=7, share=0.5)
    monitoring.ingest(team, olivia, "recid", masked, name="late")
    digests = _digests(team, "late")
    # hana owns 'other', not 'recid'.
    with pytest.raises(PermissionDenied, match=r"may not monitor\.ingest system 'recid'"):
        monitoring.ingest_labels(team, team.actor("hana"), "recid", labels, name="late")
    assert _digests(team, "late") == digests


def test_a_monitor_without_ids_refuses_labels(team: AppContext) -> None:
    olivia = team.actor("olivia")
    monitoring.init_monitor(
        team, olivia, "recid", "1.0", compas_log("2013-01-01", "2013-07-01"), **MONITOR_COLUMNS
    )
    with pytest.raises(MonitorError, match="has no id column"):
        monitoring.ingest_labels(team, olivia, "recid", pd.DataFrame({"rid": ["a"], "recid": [1]}))


def test_a_log_ingested_as_a_query_takes_late_labels_like_a_file(
    team: AppContext, tmp_path: Path
) -> None:
    """Oracle: the same rows through a file with labels from the start. The query's record
    index brings back only the columns a label needs, and joins identically."""
    olivia = team.actor("olivia")
    _init(team, "full")
    _init(team, "sql")
    log, masked, labels = _split(seed=5, share=0.5)
    monitoring.ingest(team, olivia, "recid", log, name="full")
    parquet = tmp_path / "masked.parquet"
    masked.to_parquet(parquet, index=False)
    query = monitoring.SqlLog(f"SELECT * FROM read_parquet('{parquet}')")
    monitoring.ingest(team, olivia, "recid", query, name="sql")
    path = tmp_path / "labels.csv"
    labels.to_csv(path, index=False)
    outcome = monitoring.ingest_labels(team, olivia, "recid", path, name="sql")
    assert outcome.labelled == len(labels)
    assert outcome.unknown == 0
    _, full = monitoring.list_windows(team, "recid", "full")
    _, late = monitoring.list_windows(team, "recid", "sql")
    assert [w.window.start for w in full] == [w.window.start for w in late]
    for a, b in zip(full, late, strict=True):
        assert a.window.labelled is not None
        assert b.window.labelled is not None
        assert a.window.labelled.equals(b.window.labelled, rtol=0.0)
