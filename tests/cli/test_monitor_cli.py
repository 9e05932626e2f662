"""`ombud monitor init|ingest|check|show|report` end to end on real COMPAS screening dates."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from ombud.services import systems
from ombud.services.context import open_context
from ombud.store import open_workspace

from ..services._monitoring import chart_data, compas_log, monitored_team
from .conftest import Invoke


@pytest.fixture
def ws(invoke: Invoke, tmp_path: Path) -> Path:
    """A workspace with olivia's system 'recid' (1.0), and the files of a monitor."""
    ws = tmp_path / "ws"
    assert invoke("init", str(ws), "--admin", "ada").code == 0
    context = open_context(open_workspace(ws))
    try:
        monitored_team(context)
        assert systems.get_system(context, "recid").owner == "olivia"
    finally:
        context.close()
    compas_log("2013-01-01", "2013-07-01").to_csv(tmp_path / "reference.csv", index=False)
    compas_log("2014-01-01", "2014-04-01").to_parquet(tmp_path / "q1.parquet")
    return ws


def _as(ws: Path, user: str = "olivia") -> tuple[str, ...]:
    return ("-w", str(ws), "--as", user, "monitor")


INIT = (
    "init", "recid", "--version", "1.0", "--reference", "{dir}/reference.csv",
    "--timestamp", "screened", "--pred", "high_risk", "--score", "score", "--label", "recid",
    "--sensitive", "race", "--features", "age,priors_count,charge",
)  # fmt: skip


def _init(invoke: Invoke, ws: Path) -> None:
    args = [a.replace("{dir}", str(ws.parent)) for a in INIT]
    result = invoke(*_as(ws), *args)
    assert result.code == 0, result.err
    assert "monitor 'default' on recid@1.0: day windows" in result.out


def test_init_ingest_show_check(invoke: Invoke, ws: Path) -> None:
    _init(invoke, ws)
    log = ws.parent / "q1.parquet"
    first = invoke(*_as(ws), "ingest", "recid", str(log))
    assert first.code == 0, first.err
    q1 = compas_log("2014-01-01", "2014-04-01")
    days = q1["screened"].nunique()
    assert f"{len(q1)} rows into {days} window(s) of recid/default: {days} stored" in first.out
    again = invoke(*_as(ws), "ingest", "recid", str(log), "--json")
    assert again.code == 0, again.err
    assert {w["action"] for w in json.loads(again.out)["windows"]} == {"unchanged"}

    shown = invoke(*_as(ws), "show", "recid", "--by", "month", "--format", "json")
    assert shown.code == 0, shown.err
    months = json.loads(shown.out)
    by_month = q1.groupby(q1["screened"].dt.month)
    assert [m["rows"] for m in months] == list(by_month.size())
    # Oracle: the selection rate and accuracy of each month's raw rows.
    for line, (_, rows) in zip(months, by_month, strict=True):
        assert line["selection_rate"] == pytest.approx(rows["high_risk"].mean())
        assert line["accuracy"] == pytest.approx((rows["high_risk"] == rows["recid"]).mean())
    table = invoke(*_as(ws), "show", "recid", "--from", "2014-03-01")
    assert table.code == 0, table.err
    assert "2014-03-03" in table.out
    assert "2014-02-28" not in table.out

    checked = invoke(*_as(ws), "check", "recid", "--format", "json", "--recent", "30")
    data = json.loads(checked.out)
    breached = any(v == "fail" for v in data["verdicts"].values())
    assert checked.code == (1 if breached else 0), checked.err
    assert data["windows"] == days
    assert f"recorded evidence #{data['evidence']}" in checked.err
    evidence = invoke("-w", str(ws), "evidence", "list", "recid", "--kind", "monitoring_run")
    assert "monitoring_run" in evidence.out
    table_check = invoke(*_as(ws), "check", "recid", "--no-record")
    assert "verdicts: monitoring.drift:" in table_check.out
    assert "recorded evidence" not in table_check.err


def test_a_planted_breach_exits_1_and_opens_a_finding(invoke: Invoke, ws: Path) -> None:
    """SIMULATED: real screenings with ages raised by 25 years (an input drift)."""
    _init(invoke, ws)
    planted = compas_log("2014-01-01", "2014-03-01")
    planted["age"] += 25
    path = ws.parent / "planted.csv"
    planted.to_csv(path, index=False)
    assert invoke(*_as(ws), "ingest", "recid", str(path)).code == 0
    checked = invoke(*_as(ws), "check", "recid", "--recent", "30")
    assert checked.code == 1, checked.err
    assert "opened finding #" in checked.err
    assert "(monitoring.drift)" in checked.err
    listed = invoke("-w", str(ws), "finding", "list", "--json")
    found = json.loads(listed.out)
    assert [f["source_ref"] for f in found] == ["monitoring.drift"]
    again = invoke(*_as(ws, "lena"), "check", "recid", "--recent", "30")
    assert again.code == 1
    assert "updated finding #" in again.err
    assert len(json.loads(invoke("-w", str(ws), "finding", "list", "--json").out)) == 1


def test_a_late_batch_needs_amend(invoke: Invoke, ws: Path) -> None:
    _init(invoke, ws)
    day = compas_log("2014-01-02", "2014-01-03")
    early, late = ws.parent / "early.csv", ws.parent / "late.csv"
    day.iloc[:5].to_csv(early, index=False)
    day.iloc[5:].to_csv(late, index=False)
    assert invoke(*_as(ws), "ingest", "recid", str(early)).code == 0
    refused = invoke(*_as(ws), "ingest", "recid", str(late))
    assert refused.code == 1
    assert "--amend" in refused.err
    amended = invoke(*_as(ws), "ingest", "recid", str(late), "--amend")
    assert amended.code == 0, amended.err
    assert "1 amended" in amended.out
    shown = invoke(*_as(ws), "show", "recid")
    assert "(amended)" in shown.out
    verified = invoke("-w", str(ws), "audit-log", "verify", "--state")
    assert verified.code == 0, verified.out + verified.err


def test_late_labels_join_by_record_id(invoke: Invoke, ws: Path) -> None:
    """Predictions of Q1 2014 without outcomes, then the outcomes by case id: the monthly
    accuracy ``show`` reports is then that of the raw rows (the oracle)."""
    args = [a.replace("{dir}", str(ws.parent)) for a in INIT]
    assert invoke(*_as(ws), *args, "--id", "case").code == 0
    q1 = compas_log("2014-01-01", "2014-04-01").assign(case=lambda f: [f"c{i}" for i in f.index])
    log, labels = ws.parent / "log.csv", ws.parent / "labels.parquet"
    q1.assign(recid=None).to_csv(log, index=False)
    q1[["case", "recid"]].rename(columns={"recid": "outcome"}).to_parquet(labels)
    stored = invoke(*_as(ws), "ingest", "recid", str(log))
    assert stored.code == 0, stored.err
    before = json.loads(invoke(*_as(ws), "show", "recid", "--format", "json").out)
    assert {w["labelled"] for w in before} == {0}
    joined = invoke(*_as(ws), "ingest", "recid", "--labels", str(labels), "--label", "outcome")
    assert joined.code == 0, joined.err
    days = q1["screened"].nunique()
    assert f"{len(q1)} labels for recid/default: {len(q1)} new, 0 already recorded" in joined.out
    assert f"{days} window(s) amended" in joined.out
    again = invoke(
        *_as(ws), "ingest", "recid", "--labels", str(labels), "--label", "outcome", "--json"
    )
    assert again.code == 0, again.err
    assert (json.loads(again.out)["labelled"], json.loads(again.out)["windows"]) == (0, [])
    months = json.loads(invoke(*_as(ws), "show", "recid", "--by", "month", "--format", "json").out)
    by_month = q1.groupby(q1["screened"].dt.month)
    for line, (_, rows) in zip(months, by_month, strict=True):
        assert line["labelled"] == len(rows)
        assert line["accuracy"] == pytest.approx((rows["high_risk"] == rows["recid"]).mean())
    verified = invoke("-w", str(ws), "audit-log", "verify", "--state")
    assert verified.code == 0, verified.out + verified.err


def test_ingest_sql_then_the_same_rows_as_a_csv_is_a_no_op(invoke: Invoke, ws: Path) -> None:
    """Oracle: the pandas path's row digests. Rows summarised inside DuckDB (--sql over the
    Parquet file) and the same rows read from a CSV by pandas give equal windows, so the
    second ingest changes nothing."""
    _init(invoke, ws)
    q1 = ws.parent / "q1.parquet"
    sql = f"SELECT * FROM read_parquet('{q1}') WHERE screened < DATE '2014-02-01'"
    first = invoke(*_as(ws), "ingest", "recid", "--sql", sql)
    assert first.code == 0, first.err
    jan = compas_log("2014-01-01", "2014-02-01")
    days = jan["screened"].nunique()
    assert f"SQL query: {len(jan)} rows into {days} window(s) of recid/default: " in first.out
    assert f"{days} stored" in first.out
    jan.to_csv(ws.parent / "jan.csv", index=False)
    again = invoke(*_as(ws), "ingest", "recid", str(ws.parent / "jan.csv"), "--json")
    assert again.code == 0, again.err
    assert {w["action"] for w in json.loads(again.out)["windows"]} == {"unchanged"}
    both = invoke(*_as(ws), "ingest", "recid", str(q1), "--sql", sql)
    assert both.code == 2
    assert "a FILE or as --sql QUERY, not both" in both.err


def test_report_writes_one_self_contained_file(invoke: Invoke, ws: Path) -> None:
    _init(invoke, ws)
    assert invoke(*_as(ws), "ingest", "recid", str(ws.parent / "q1.parquet")).code == 0
    out = ws.parent / "report.html"
    made = invoke(*_as(ws), "report", "recid", "--by", "week", "-o", str(out))
    assert made.code == 0, made.err
    assert f"wrote {out}:" in made.err
    html = out.read_text(encoding="utf-8")
    points, _ = chart_data(html)
    # Oracle: each ISO week's accuracy on the raw screenings (Monday-start UTC weeks).
    q1 = compas_log("2014-01-01", "2014-04-01")
    week = q1["screened"].dt.to_period("W-SUN").dt.start_time
    expected = (q1["high_risk"] == q1["recid"]).groupby(week).mean()
    drawn = points["performance-accuracy"]["measured on labels"]
    # A roll-up starts at its first stored window (2014-01-01 is a Wednesday).
    starts = pd.to_datetime([d[0][:10] for d in drawn])
    assert list(starts.to_period("W-SUN").start_time) == list(expected.index)
    assert [d[1] for d in drawn] == pytest.approx(list(expected), rel=1e-12)
    assert not re.search(r"https?:|<script|<link|url\(|src=", html, re.IGNORECASE)
    assert "(estimate)" in html


def test_report_refusals_write_nothing(invoke: Invoke, ws: Path) -> None:
    _init(invoke, ws)
    out = ws.parent / "report.html"
    out.write_text("old", encoding="utf-8")
    empty = invoke(*_as(ws), "report", "recid", "-o", str(out))
    assert empty.code == 2
    assert "no windows stored for recid/default" in empty.err
    assert invoke(*_as(ws), "ingest", "recid", str(ws.parent / "q1.parquet")).code == 0
    other = invoke(*_as(ws), "report", "recid", "--monitor", "other", "-o", str(out))
    assert other.code == 2
    assert "'recid' has no monitor 'other'" in other.err
    unknown = invoke(*_as(ws), "report", "nope", "-o", str(out))
    assert unknown.code == 2
    assert "no AI system 'nope'" in unknown.err
    span = invoke(*_as(ws), "report", "recid", "--from", "2020-01-01", "--to", "2020-02-01",
                  "-o", str(out))  # fmt: skip
    assert span.code == 2
    assert "in that range" in span.err
    assert out.read_text(encoding="utf-8") == "old"
    nowhere = ws.parent / "missing" / "report.html"
    refused = invoke(*_as(ws), "report", "recid", "-o", str(nowhere))
    assert refused.code == 3
    assert "does not exist" in refused.err
    assert not nowhere.parent.exists()
    for result in (empty, other, unknown, span, refused):
        assert "Traceback" not in result.err
        assert len(result.err.strip().splitlines()) == 1
