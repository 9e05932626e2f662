"""The engine-run contract (services/runs.py): target first, engine outside, record once.

Every engine adapter relies on these properties, so they are tested on the contract with
a counting engine rather than through one engine's command. The fairness requests are
checked against the library called directly on the same data (the oracle).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import func, select

from ombud.datasets import load
from ombud.fairness import AuditInputError, audit, bias_audit
from ombud.governance import InvalidInput, NotFoundError, PermissionDenied
from ombud.records import EvidenceDraft, InputRef
from ombud.services import evidence, workspaces
from ombud.services.context import AppContext
from ombud.services.fairness_runs import (
    BiasAuditRequest,
    FairnessAuditRequest,
    audit_bias,
    audit_fairness,
    label_value,
)
from ombud.services.runs import EngineRun, RecordTarget, run_engine
from ombud.store.models import AuditEventRow, EvidenceRow, UserRow

from ._systems import HIRING_ANSWERS, register_classified, screening_profile


@pytest.fixture
def team(context: AppContext) -> AppContext:
    admin = context.actor("ada")
    workspaces.add_user(context, admin, username="omar", roles=["owner"])
    workspaces.add_user(context, admin, username="hana", roles=["owner"])
    register_classified(context, "omar", "screening", screening_profile("omar"), HIRING_ANSWERS)
    register_classified(
        context, "hana", "hana-screening", screening_profile("hana"), HIRING_ANSWERS
    )
    return context


class CountingEngine:
    """An engine that counts its runs and returns a fixed draft."""

    def __init__(self, on_run: object = None) -> None:
        self.runs = 0
        self.on_run = on_run

    def run(self) -> str:
        self.runs += 1
        if callable(self.on_run):
            self.on_run()
        return "measured"

    def as_run(self) -> EngineRun[str]:
        return EngineRun(
            label="counting",
            execute=self.run,
            draft=lambda result: EvidenceDraft(
                kind="fairness_audit",
                summary=f"counting engine: {result}",
                engine="tests.counting",
                engine_version="1",
                metrics={"counting.runs": 1.0},
            ),
        )


def _count(context: AppContext, table: type) -> int:
    with context.read() as session:
        return int(session.execute(select(func.count()).select_from(table)).scalar_one())


def test_without_a_target_it_only_runs_the_engine() -> None:
    engine = CountingEngine()
    outcome = run_engine(engine.as_run())
    assert (outcome.result, outcome.evidence, engine.runs) == ("measured", None, 1)


@pytest.mark.parametrize(
    ("system", "version", "error"),
    [
        ("ghost", "1.0", NotFoundError),
        ("screening", "9.9", InvalidInput),
        ("hana-screening", "1.0", PermissionDenied),  # omar owns another system
    ],
)
def test_a_target_the_record_would_refuse_is_refused_before_the_engine_runs(
    team: AppContext, system: str, version: str, error: type[Exception]
) -> None:
    engine = CountingEngine()
    events = _count(team, AuditEventRow)
    with pytest.raises(error):
        run_engine(engine.as_run(), RecordTarget(team, team.actor("omar"), system, version))
    assert engine.runs == 0
    assert _count(team, AuditEventRow) == events
    assert _count(team, EvidenceRow) == 0


def test_a_recorded_run_is_one_row_and_one_event_by_its_actor(team: AppContext) -> None:
    events = _count(team, AuditEventRow)
    outcome = run_engine(
        CountingEngine().as_run(), RecordTarget(team, team.actor("omar"), "screening", "1.0")
    )
    assert outcome.evidence is not None
    assert (outcome.evidence.created_by, outcome.evidence.summary) == (
        "omar",
        "counting engine: measured",
    )
    assert _count(team, AuditEventRow) == events + 1
    assert evidence.list_evidence(team, "screening") == [outcome.evidence]


def test_a_role_revoked_while_the_engine_ran_is_in_force_when_recording(
    team: AppContext,
) -> None:
    """The actor was checked before the run; the recording transaction reads the roles
    again, so a revocation during a long run is not outlived by the run."""

    def revoke() -> None:
        with team.write(team.actor("ada")) as tx:
            user = tx.session.get(UserRow, "omar")
            assert user is not None
            user.roles = []

    engine = CountingEngine(on_run=revoke)
    with pytest.raises(PermissionDenied):
        run_engine(engine.as_run(), RecordTarget(team, team.actor("omar"), "screening", "1.0"))
    assert engine.runs == 1
    assert _count(team, EvidenceRow) == 0


def test_an_empty_target_is_refused_at_once(team: AppContext) -> None:
    with pytest.raises(InvalidInput, match="both the system and the version"):
        RecordTarget(team, team.actor("omar"), "screening", "")


@pytest.fixture(scope="module")
def compas_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    frame = load("compas", filtered=True).frame
    frame = frame.assign(high_risk=(frame["decile_score"] >= 5).astype(int))
    path = tmp_path_factory.mktemp("runs") / "compas.csv"
    frame[["two_year_recid", "high_risk", "race", "sex"]].to_csv(path, index=False)
    return path


def test_a_fairness_audit_records_what_the_library_measures(
    team: AppContext, compas_csv: Path
) -> None:
    request = FairnessAuditRequest(
        data=compas_csv,
        label="two_year_recid",
        prediction="high_risk",
        sensitive=("race", "sex"),
        n_boot=100,
        seed=3,
    )
    outcome = audit_fairness(request, RecordTarget(team, team.actor("omar"), "screening", "1.0"))
    oracle = audit(
        str(compas_csv),
        label="two_year_recid",
        prediction="high_risk",
        sensitive=("race", "sex"),
        n_boot=100,
        seed=3,
    ).to_evidence()
    assert outcome.evidence is not None
    assert outcome.evidence.verdicts == {k: str(v) for k, v in oracle.verdicts.items()}
    for name, value in oracle.metrics.items():
        stored = outcome.evidence.metrics[name]
        assert (stored is None) if value != value else stored == pytest.approx(value)
    # The input reference is the file's digest, as `ombud audit fairness` always gave it.
    assert outcome.evidence.inputs[0]["sha256"] == oracle.inputs[0].sha256


def test_a_sql_query_runs_over_the_file_and_a_frame_refuses_one(compas_csv: Path) -> None:
    query = "SELECT * FROM data WHERE sex = 'Male'"
    outcome = audit_fairness(
        FairnessAuditRequest(
            data=compas_csv,
            label="two_year_recid",
            prediction="high_risk",
            sensitive="race",
            n_boot=0,
            sql=query,
        )
    )
    frame = pd.read_csv(compas_csv)
    male = frame[frame["sex"] == "Male"]
    assert int(outcome.result.overall_view.rows.sum()) == len(male)
    with pytest.raises(AuditInputError, match="--sql queries a file"):
        audit_fairness(
            FairnessAuditRequest(
                data=frame, label="two_year_recid", sensitive="race", n_boot=0, sql=query
            )
        )
    with pytest.raises(AuditInputError, match="does not exist"):
        audit_fairness(
            FairnessAuditRequest(data=Path("/nonexistent.csv"), label="y", sensitive="race")
        )


def test_a_bias_audit_of_a_frame_records_the_named_inputs(team: AppContext) -> None:
    raw = load("bertrand_mullainathan").frame
    frame = raw.assign(callback=raw["call"].astype(int))
    source = InputRef("bertrand_mullainathan", "ab" * 32, rows=len(frame))
    request = BiasAuditRequest(
        data=frame, selected="callback", race="race", sex="sex", inputs=(source,)
    )
    outcome = audit_bias(request, RecordTarget(team, team.actor("omar"), "screening", "1.0"))
    oracle = bias_audit(frame, selected="callback", race="race", sex="sex")
    assert outcome.evidence is not None
    assert outcome.evidence.inputs[0]["sha256"] == "ab" * 32
    assert outcome.evidence.metrics["bias_audit.applicants"] == oracle.applicants


@pytest.mark.parametrize(
    ("text", "value"),
    [(None, None), ("", None), ("1", 1), ("0.5", 0.5), ("TRUE", True), ("yes", "yes")],
)
def test_a_typed_positive_label_takes_the_type_it_spells(text: str | None, value: object) -> None:
    assert label_value(text) == value
    assert type(label_value(text)) is type(value)
