"""``check_monitor`` (SQLite and PostgreSQL): a monitoring run over stored windows is
recorded as ``monitoring_run`` evidence, its numbers equal independent computations on the
raw rows, and each breached rule opens ONE finding per system, updated on later runs.

The real COMPAS screenings are used as they are; where a breach must be provoked, the
test says what it plants into them (simulated, not a claim about COMPAS).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from scipy.special import rel_entr
from sklearn.metrics import accuracy_score
from sqlalchemy import func, select

from ombud.governance import InvalidInput, NotFoundError, PermissionDenied
from ombud.governance.policy._names import default_registry
from ombud.monitor import NumericFeature
from ombud.services import audit_log, evidence, monitoring
from ombud.services.context import AppContext
from ombud.services.monitor_check import MonitorSettings
from ombud.services.monitor_findings import check_monitor
from ombud.store.models import EvidenceRow
from ombud.store.models_tracking import FindingRow

from ._monitoring import MONITOR_COLUMNS, compas_log, monitored_team

REFERENCE = ("2013-01-01", "2013-07-01")


@pytest.fixture
def team(context: AppContext) -> AppContext:
    context = monitored_team(context)
    monitoring.init_monitor(
        context,
        context.actor("olivia"),
        "recid",
        "1.0",
        compas_log(*REFERENCE),
        **MONITOR_COLUMNS,
    )
    return context


def _count(context: AppContext, table: type[EvidenceRow] | type[FindingRow]) -> int:
    with context.read() as session:
        return int(session.execute(select(func.count()).select_from(table)).scalar_one())


def _psi_from_rows(reference: pd.Series, current: pd.Series, edges: tuple[float, ...]) -> float:
    """PSI on the raw rows, binned like the spec (underflow, [e_i, e_i+1), overflow), with
    scipy's rel_entr: (q-p)·ln(q/p) = q·ln(q/p) + p·ln(p/q), proportions floored at 1e-4."""

    def shares(values: pd.Series) -> np.ndarray:
        idx = np.searchsorted(np.asarray(edges), values.to_numpy(float), side="right")
        counts = np.bincount(idx, minlength=len(edges) + 1).astype(float)
        return np.maximum(counts / counts.sum(), 1e-4)

    p, q = shares(reference), shares(current)
    return float(np.sum(rel_entr(q, p) + rel_entr(p, q)))


def test_a_check_is_recorded_and_matches_the_raw_rows(team: AppContext) -> None:
    log = compas_log("2013-07-01", "2014-07-01")
    olivia = team.actor("olivia")
    monitoring.ingest(team, olivia, "recid", log)
    settings = MonitorSettings(recent_windows=40)
    outcome = check_monitor(team, olivia, "recid", settings=settings)
    check = outcome.check
    assert outcome.evidence is not None
    assert outcome.evidence.kind == "monitoring_run"
    assert outcome.evidence.version == "1.0"
    assert check.windows == log["screened"].nunique()
    assert check.rows == len(log)
    assert check.recent_start is not None
    recent = log[log["screened"] >= pd.Timestamp(check.recent_start.replace(tzinfo=None))]
    assert check.recent_rows == len(recent)
    reference = compas_log(*REFERENCE)
    spec = monitoring.get_monitor(team, "recid").spec
    age = spec.features[0]
    assert isinstance(age, NumericFeature)
    drift = {r.feature: r for r in check.drift}
    expected = _psi_from_rows(reference["age"], recent["age"], age.edges)
    assert drift["age"].psi == pytest.approx(expected, rel=1e-9)
    # Oracle: scikit-learn's accuracy on the recent rows themselves.
    (accuracy,) = check.performance
    assert accuracy.kind == "measured"
    assert accuracy.value == pytest.approx(accuracy_score(recent["recid"], recent["high_risk"]))
    assert accuracy.reference == pytest.approx(
        accuracy_score(reference["recid"], reference["high_risk"])
    )
    assert accuracy.lower <= accuracy.value <= accuracy.upper
    # The record: names the policy registry knows, every window digest as an input.
    recorded = evidence.list_evidence(team, "recid")
    assert [e.id for e in recorded] == [outcome.evidence.id]
    registry = default_registry()
    for name in outcome.evidence.metrics:
        assert registry.can_match(name, "metric", "monitoring_run"), name
    for name in outcome.evidence.verdicts:
        assert registry.can_match(name, "verdict", "monitoring_run"), name
    assert set(outcome.evidence.verdicts) == set(check.verdicts)
    assert len(outcome.evidence.inputs) == check.windows + 1
    assert outcome.evidence.metrics["monitoring.rows"] == len(log)
    assert _count(team, FindingRow) == len(outcome.findings) == len(check.breaches)


def _planted(start: str, end: str) -> pd.DataFrame:
    """SIMULATED: real screenings with every age raised by 25 years and every label
    flipped, so both the inputs and the score→outcome relation move."""
    log = compas_log(start, end)
    return log.assign(age=log["age"] + 25, recid=1 - log["recid"])


def test_breaches_open_one_finding_per_rule_and_later_runs_update_it(team: AppContext) -> None:
    olivia, lena = team.actor("olivia"), team.actor("lena")
    monitoring.ingest(team, olivia, "recid", _planted("2014-01-01", "2014-03-01"))
    settings = MonitorSettings(recent_windows=30)
    first = check_monitor(team, olivia, "recid", settings=settings)
    assert first.check.verdicts["monitoring.drift"] == "fail"
    assert first.check.verdicts["monitoring.performance"] == "fail"
    opened = {a.rule: a for a in first.findings}
    assert {a.action for a in first.findings} == {"opened"}
    assert {"monitoring.drift", "monitoring.performance"} <= set(opened)
    with team.read() as session:
        rows = session.execute(select(FindingRow).order_by(FindingRow.id)).scalars().all()
        found = [(r.system_id, r.source_kind, r.source_ref, r.owner, r.status) for r in rows]
        due = {r.due_date for r in rows}
    assert ("recid", "monitoring", "monitoring.drift", "olivia", "open") in found
    assert due == {dt.datetime.now(dt.UTC).date() + dt.timedelta(days=30)}
    assert first.evidence is not None
    # A later run by a lead: the standing findings are updated, not duplicated.
    monitoring.ingest(team, olivia, "recid", _planted("2014-03-01", "2014-04-01"))
    second = check_monitor(team, lena, "recid", settings=settings)
    assert second.evidence is not None
    assert {a.action for a in second.findings} == {"updated"}
    assert {a.rule: a.finding_id for a in second.findings} == {
        r: a.finding_id for r, a in opened.items()
    }
    assert _count(team, FindingRow) == len(opened)
    events = audit_log.iter_events(
        team, entity_id=f"finding-{opened['monitoring.drift'].finding_id}"
    )
    assert [e.action for e in events] == ["finding.open", "finding.update"]
    with team.read() as session:
        text = session.get(FindingRow, opened["monitoring.drift"].finding_id)
        assert text is not None
        assert f"evidence #{second.evidence.id}" in text.description
    # Shown only (not recorded): nothing is written.
    before = (_count(team, FindingRow), _count(team, EvidenceRow))
    shown = check_monitor(team, olivia, "recid", settings=settings, record=False)
    assert shown.evidence is None
    assert shown.findings == ()
    assert (_count(team, FindingRow), _count(team, EvidenceRow)) == before


def test_a_widening_gap_is_detected_and_opens_a_fairness_finding(team: AppContext) -> None:
    """SIMULATED from 2014-01 on: every Caucasian screening is flagged high risk, so the
    Caucasian − African-American selection gap (about −0.27 on the reference) jumps far
    above its band; before that the stream is the real one."""
    olivia = team.actor("olivia")
    real = compas_log("2013-07-01", "2014-01-01")
    shifted = compas_log("2014-01-01", "2014-07-01")
    shifted.loc[shifted["race"] == "Caucasian", "high_risk"] = 1
    monitoring.ingest(team, olivia, "recid", pd.concat([real, shifted], ignore_index=True))
    settings = MonitorSettings(gap_period="month")
    outcome = check_monitor(team, olivia, "recid", settings=settings)
    gaps = {(g.attribute, g.group): g for g in outcome.check.gaps}
    caucasian = gaps[("race", "Caucasian")]
    assert caucasian.breach
    assert caucasian.alarm_at is not None
    assert caucasian.alarm_at >= dt.datetime(2014, 1, 1, tzinfo=dt.UTC)
    assert caucasian.latest > caucasian.band[1]
    # Oracle: the gap of the last monthly look (June 2014) on the raw rows.
    june = shifted[shifted["screened"] >= pd.Timestamp("2014-06-01")]
    rate = june.groupby("race")["high_risk"].mean()
    assert caucasian.latest == pytest.approx(rate["Caucasian"] - rate["African-American"])
    assert caucasian.pvalue <= settings.gap_alpha
    assert outcome.check.verdicts["monitoring.fairness_gap"] == "fail"
    assert "monitoring.fairness_gap" in {a.rule for a in outcome.findings}


def test_the_real_stream_before_any_plant_raises_no_gap_alarm(team: AppContext) -> None:
    """The unaltered second half of 2013, monthly looks: the detector stays quiet."""
    olivia = team.actor("olivia")
    monitoring.ingest(team, olivia, "recid", compas_log("2013-07-01", "2014-01-01"))
    outcome = check_monitor(
        team, olivia, "recid", settings=MonitorSettings(gap_period="month"), record=False
    )
    assert not any(g.breach for g in outcome.check.gaps)
    assert any(g.looks > 0 for g in outcome.check.gaps)


def test_check_refusals_and_an_empty_monitor(team: AppContext) -> None:
    audrey = team.actor("audrey")
    before = _count(team, EvidenceRow)
    with pytest.raises(PermissionDenied, match=r"may not evidence\.record"):
        check_monitor(team, audrey, "recid")
    with pytest.raises(PermissionDenied):
        check_monitor(team, team.actor("hana"), "recid")
    with pytest.raises(NotFoundError, match="no AI system 'nope'"):
        check_monitor(team, audrey, "nope")
    assert _count(team, EvidenceRow) == before
    empty = check_monitor(team, audrey, "recid", record=False)
    assert set(empty.check.verdicts.values()) == {"insufficient"}
    assert empty.check.breaches == ()
    with pytest.raises(InvalidInput, match="between 0 and 1"):
        MonitorSettings(fdr=1.5)


def test_hysteresis_waits_for_consecutive_failed_runs(team: AppContext) -> None:
    """raise_after=2: the first failed run opens nothing, the second opens the finding, a
    run without the breach in between restarts the count."""
    olivia = team.actor("olivia")
    monitoring.ingest(team, olivia, "recid", _planted("2014-01-01", "2014-03-01"))
    settings = MonitorSettings(recent_windows=30, raise_after=2, min_rows=30)
    first = check_monitor(team, olivia, "recid", settings=settings)
    assert first.check.verdicts["monitoring.drift"] == "fail"
    assert {a.action for a in first.findings} == {"pending (1 of 2 runs)"}
    assert _count(team, FindingRow) == 0
    # A run that sees no drift (the real stream, the planted rows out of the recent range).
    monitoring.ingest(team, olivia, "recid", compas_log("2014-03-01", "2014-06-01"))
    calm = check_monitor(team, olivia, "recid", settings=settings)
    assert calm.check.verdicts["monitoring.drift"] != "fail"
    monitoring.ingest(team, olivia, "recid", _planted("2014-06-01", "2014-08-01"))
    again = check_monitor(team, olivia, "recid", settings=settings)
    assert "pending (1 of 2 runs)" in {a.action for a in again.findings}
    assert _count(team, FindingRow) == 0
    third = check_monitor(team, olivia, "recid", settings=settings)
    assert "opened" in {a.action for a in third.findings}
    assert _count(team, FindingRow) >= 1
    with pytest.raises(InvalidInput, match="raise_after"):
        MonitorSettings(raise_after=0)
