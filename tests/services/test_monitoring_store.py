"""Monitors and windows in the workspace (SQLite and PostgreSQL): storage, idempotent
re-ingest, audited amendments, all-or-nothing ingests, permissions."""

from __future__ import annotations

import threading
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import func, select

from ombud.governance import ConflictError, InvalidInput, NotFoundError, PermissionDenied
from ombud.monitor import build_windows, merge_windows
from ombud.services import audit_log, monitoring
from ombud.services.context import AppContext
from ombud.store.models import AuditEventRow
from ombud.store.models_monitoring import MonitorWindowRow

from ._monitoring import MONITOR_COLUMNS, compas_log, monitored_team


@pytest.fixture
def team(context: AppContext) -> AppContext:
    return monitored_team(context)


def _events(context: AppContext) -> int:
    with context.read() as session:
        return int(session.execute(select(func.count()).select_from(AuditEventRow)).scalar_one())


def _window_rows(context: AppContext) -> int:
    with context.read() as session:
        return int(session.execute(select(func.count()).select_from(MonitorWindowRow)).scalar_one())


def _init(context: AppContext, who: str = "olivia", **changes: object) -> monitoring.Monitor:
    columns = {**MONITOR_COLUMNS, **changes}
    return monitoring.init_monitor(
        context,
        context.actor(who),
        "recid",
        "1.0",
        compas_log("2013-01-01", "2013-07-01"),
        **columns,  # type: ignore[arg-type]
    )


def test_init_stores_the_spec_and_the_reference_as_one_window(team: AppContext) -> None:
    reference = compas_log("2013-01-01", "2013-07-01")
    monitor = _init(team)
    again = monitoring.get_monitor(team, "recid")
    assert again == monitor
    assert again.spec.digest == again.spec_digest
    # Oracle: the engine on the same frame, independently of the store.
    expected = merge_windows(build_windows(reference, again.spec).windows, period="range")
    assert again.reference.digest == expected.digest
    assert again.reference_rows == len(reference)
    assert again.version == "1.0"
    with pytest.raises(ConflictError, match="already has a monitor 'default'"):
        _init(team)
    other = _init(team, name="weekly", period="week")
    assert [m.name for m in monitoring.list_monitors(team, "recid")] == ["default", "weekly"]
    assert other.spec.period == "week"


def test_init_refusals_write_nothing(team: AppContext) -> None:
    before = _events(team)
    with pytest.raises(PermissionDenied, match=r"may not monitor\.configure system 'recid'"):
        _init(team, who="hana")
    with pytest.raises(PermissionDenied):
        _init(team, who="audrey")
    with pytest.raises(NotFoundError, match="no AI system 'nope'"):
        monitoring.init_monitor(
            team,
            team.actor("olivia"),
            "nope",
            "1.0",
            compas_log("2013-01-01", "2013-02-01"),
            **MONITOR_COLUMNS,
        )
    with pytest.raises(InvalidInput, match=r"no version '9\.9'"):
        monitoring.init_monitor(
            team,
            team.actor("olivia"),
            "recid",
            "9.9",
            compas_log("2013-01-01", "2013-02-01"),
            **MONITOR_COLUMNS,
        )
    with pytest.raises(ValueError, match="'agee' is absent"):
        _init(team, features=("agee",))
    assert _events(team) == before
    _init(team, who="lena")  # a lead may configure any system


def test_ingest_stores_one_window_per_day_and_reingest_is_a_no_op(team: AppContext) -> None:
    _init(team)
    log = compas_log("2014-01-01", "2014-01-15")
    olivia = team.actor("olivia")
    first = monitoring.ingest(team, olivia, "recid", log)
    days = log["screened"].dt.normalize().nunique()
    assert first.count("stored") == days == len(first.changes)
    assert first.rows == len(log)
    assert any("no time zone" in n for n in first.notes)
    monitor, stored = monitoring.list_windows(team, "recid")
    assert [w.window.n_rows for w in stored] == list(
        log.groupby(log["screened"].dt.normalize()).size()
    )
    # Oracle: windows built by the engine directly equal the stored ones, byte for byte.
    direct = build_windows(log, monitor.spec).windows
    assert [w.digest for w in stored] == [w.digest for w in direct]
    events = _events(team)
    shuffled = log.sample(frac=1.0, random_state=3).reset_index(drop=True)
    second = monitoring.ingest(team, olivia, "recid", shuffled)
    assert second.count("unchanged") == days
    assert second.count("stored") == 0
    assert _window_rows(team) == days
    assert [w.digest for w in monitoring.list_windows(team, "recid")[1]] == [
        w.digest for w in stored
    ]
    assert _events(team) == events + 1  # the ingest itself is logged; no window changed


def test_a_late_batch_is_refused_then_amended_with_its_own_event(team: AppContext) -> None:
    _init(team)
    olivia = team.actor("olivia")
    log = compas_log("2014-02-03", "2014-02-06")
    day = log["screened"].dt.normalize()
    first_day = log[day == day.min()]
    early, late = first_day.iloc[: len(first_day) // 2], first_day.iloc[len(first_day) // 2 :]
    monitoring.ingest(team, olivia, "recid", early)
    before_rows, before_events = _window_rows(team), _events(team)
    rest = pd.concat([late, log[day > day.min()]], ignore_index=True)
    with pytest.raises(ConflictError, match=r"already stored with other rows .*--amend"):
        monitoring.ingest(team, olivia, "recid", rest)
    # All or nothing: the new days of the refused ingest were not written either.
    assert (_window_rows(team), _events(team)) == (before_rows, before_events)
    outcome = monitoring.ingest(team, olivia, "recid", rest, amend_windows=True)
    assert outcome.count("amended") == 1
    assert outcome.count("stored") == day.nunique() - 1
    monitor, stored = monitoring.list_windows(team, "recid")
    amended = stored[0]
    # Oracle: the engine's window of the whole day, built at once.
    whole = build_windows(first_day, monitor.spec).windows[0]
    assert amended.window.equals(whole)
    assert amended.window.n_rows == len(first_day)
    assert amended.amended_from == outcome.changes[0].amended_from is not None
    assert len(amended.batch_digests) == 2
    amend_events = [e for e in audit_log.iter_events(team) if e.action == "monitor.window.amend"]
    assert len(amend_events) == 1
    details = amend_events[0].details
    assert (details["rows_before"], details["rows_after"]) == (len(early), len(first_day))
    assert details["amended_from"] == amended.amended_from
    # Either batch again is recognised: nothing is counted twice.
    again = monitoring.ingest(team, olivia, "recid", late, amend_windows=True)
    assert again.count("unchanged") == 1
    assert monitoring.list_windows(team, "recid")[1][0].window.n_rows == len(first_day)


def test_the_audit_state_vouches_for_monitors_and_windows(team: AppContext) -> None:
    _init(team)
    olivia = team.actor("olivia")
    log = compas_log("2014-03-03", "2014-03-05")
    day = log["screened"].dt.normalize()
    monitoring.ingest(team, olivia, "recid", log[day == day.min()].iloc[:3])
    monitoring.ingest(team, olivia, "recid", log, amend_windows=True)
    report = audit_log.verify_state(team)
    assert report.ok, report.problems
    assert report.rows >= 3
    with team.engine.begin() as connection:
        connection.execute(MonitorWindowRow.__table__.update().values(n_rows=1))
    tampered = audit_log.verify_state(team)
    assert not tampered.ok
    assert all(p.key.startswith("monitor_windows:") for p in tampered.problems)


def test_ingest_refusals(team: AppContext, tmp_path: Path) -> None:
    olivia = team.actor("olivia")
    log = compas_log("2014-01-01", "2014-01-03")
    with pytest.raises(NotFoundError, match=r"has no monitor 'default'.*ombud monitor init recid"):
        monitoring.ingest(team, olivia, "recid", log)
    _init(team)
    with pytest.raises(PermissionDenied, match=r"may not monitor\.ingest"):
        monitoring.ingest(team, team.actor("hana"), "recid", log)
    with pytest.raises(ValueError, match="lacks 'age' \\(feature\\)"):
        monitoring.ingest(team, olivia, "recid", log.drop(columns=["age"]))
    bad = log.astype({"screened": str})
    bad.loc[1, "screened"] = "yesterday"
    with pytest.raises(ValueError, match="column 'screened', row 1: 'yesterday' is not a"):
        monitoring.ingest(team, olivia, "recid", bad)
    with pytest.raises(InvalidInput, match="does not exist"):
        monitoring.ingest(team, olivia, "recid", tmp_path / "missing.csv")
    fake = tmp_path / "log.parquet"
    fake.write_text("screened,score\n2014-01-01,0.5\n")
    with pytest.raises(InvalidInput, match="cannot read it as Parquet"):
        monitoring.ingest(team, olivia, "recid", fake)
    assert _window_rows(team) == 0


def test_files_and_frames_give_the_same_windows(team: AppContext, tmp_path: Path) -> None:
    """CSV (timestamps as text) and Parquet store what the frame itself gives."""
    _init(team)
    log = compas_log("2014-04-01", "2014-04-04")
    csv, parquet = tmp_path / "log.csv", tmp_path / "log.parquet"
    log.to_csv(csv, index=False)
    log.to_parquet(parquet)
    olivia = team.actor("olivia")
    first = monitoring.ingest(team, olivia, "recid", csv)
    assert first.count("stored") == 3
    assert first.source == "log.csv"
    assert monitoring.ingest(team, olivia, "recid", parquet).count("unchanged") == 3
    assert monitoring.ingest(team, olivia, "recid", log).count("unchanged") == 3


def test_roll_up_of_stored_windows(team: AppContext) -> None:
    _init(team)
    log = compas_log("2014-01-01", "2014-03-01")
    monitoring.ingest(team, team.actor("olivia"), "recid", log)
    _, stored = monitoring.list_windows(team, "recid")
    months = monitoring.rolled_up(stored, "month")
    assert [m.n_rows for m in months] == list(log.groupby(log["screened"].dt.month).size())
    weeks = monitoring.rolled_up(stored, "week")
    assert sum(w.n_rows for w in weeks) == len(log)
    assert all(w.start.weekday() == 0 for w in weeks[1:])
    with pytest.raises(InvalidInput, match="by 'year'"):
        monitoring.rolled_up(stored, "year")
    start = pd.Timestamp("2014-02-01", tz="UTC").to_pydatetime()
    _, february = monitoring.list_windows(team, "recid", start=start)
    assert sum(w.window.n_rows for w in february) == int((log["screened"].dt.month == 2).sum())


def test_two_ingests_of_one_day_at_once_count_it_once(team: AppContext) -> None:
    """Two processes ingesting the same new day race: whichever loses sees the stored window
    (nothing to do) or the unique key (a one-line conflict); never two windows, never a
    double count, never an unconverted database error."""
    _init(team)
    day = compas_log("2014-05-05", "2014-05-06")
    olivia = team.actor("olivia")
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def run() -> None:
        barrier.wait()
        try:
            result = monitoring.ingest(team, olivia, "recid", day)
            outcomes.append(result.changes[0].action)
        except ConflictError:
            outcomes.append("conflict")

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) in (["conflict", "stored"], ["stored", "unchanged"])
    _, stored = monitoring.list_windows(team, "recid")
    assert [w.window.n_rows for w in stored] == [len(day)]
    assert audit_log.verify_state(team).ok
