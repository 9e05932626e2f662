"""Reviews and the deploy guard on SQLite and PostgreSQL: the board's rules, refusals that
change nothing, conditions that become findings, and races that cannot lose an update."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from ombud.governance import (
    ConflictError,
    DomainError,
    InvalidInput,
    PermissionDenied,
)
from ombud.governance.review import Condition, Decision, Vote
from ombud.records import EvidenceDraft, Verdict
from ombud.services import (
    audit_log,
    evidence,
    findings,
    reviews,
    systems,
    workspaces,
)
from ombud.services import gates as gates_service
from ombud.services.context import AppContext, open_context
from ombud.store import Workspace
from ombud.store.models import AuditEventRow

from ._systems import HIRING_ANSWERS, register_classified, screening_profile

TODAY = dt.datetime.now(dt.UTC).date()
LATER = TODAY + dt.timedelta(days=60)


POLICY = """\
name: review-test
version: "1"
tiers:
  1: &all
    evidence: [{kind: fairness_audit, max_age_days: 30}]
    rules:
      - {id: four-fifths, description: d, verdict: "fairness.*.four_fifths",
         not_in: [fail]}
    approvals: {quorum: 2, capacities: [board_member, domain_expert]}
  2: *all
  3: *all
  4: *all
"""


def _events(context: AppContext) -> int:
    with context.read() as session:
        return int(session.execute(select(func.count()).select_from(AuditEventRow)).scalar_one())


@pytest.fixture
def board(context: AppContext) -> AppContext:
    """Owner olivia; rai_leads lena and lars; reviewers rita, rob, cora; auditor audrey.
    System 'screening' v1.0 is classified, with a passing fairness audit, and a workspace
    policy needing 2 votes incl. a board member and a domain expert."""
    admin = context.actor("ada")
    for name, roles in [
        ("olivia", ["owner"]),
        ("lena", ["rai_lead"]),
        ("lars", ["rai_lead"]),
        ("rita", ["reviewer"]),
        ("rob", ["reviewer"]),
        ("cora", ["reviewer"]),
        ("audrey", ["auditor"]),
    ]:
        workspaces.add_user(context, admin, username=name, roles=roles)
    register_classified(context, "olivia", "screening", screening_profile("olivia"), HIRING_ANSWERS)
    olivia = context.actor("olivia")
    draft = EvidenceDraft(
        kind="fairness_audit",
        summary="selection rates by sex",
        engine="test",
        engine_version="1",
        metrics={"fairness.sex.selection_rate.ratio_min": 0.91},
        verdicts={"fairness.sex.four_fifths": Verdict.PASS},
    )
    evidence.record_evidence(context, olivia, "screening", "1.0", draft)
    (context.workspace.root / "policy.yaml").write_text(POLICY, encoding="utf-8")
    return context


def _open_and_seat(ctx: AppContext) -> int:
    review = reviews.open_review(ctx, ctx.actor("olivia"), "screening")
    lena = ctx.actor("lena")
    reviews.assign_reviewer(ctx, lena, review.id, "rita", "board_member")
    reviews.assign_reviewer(ctx, lena, review.id, "rob", "domain_expert")
    reviews.assign_reviewer(ctx, lena, review.id, "cora", "community_representative")
    return review.id


def test_open_review_freezes_the_evidence_pack(board: AppContext) -> None:
    review = reviews.open_review(board, board.actor("olivia"), "screening")
    assert review.status == "open"
    assert review.quorum == 2
    assert review.required_capacities == ("board_member", "domain_expert")
    pack = review.snapshot
    assert pack["gate"]["outcome"] == "pass"
    assert pack["gate"]["policy"]["name"] == "review-test"
    assert [e["kind"] for e in pack["evidence"]] == ["fairness_audit"]
    assert pack["classification"]["eu_category"] == "high_risk"
    assert pack["classification"]["obligations"]  # the catalog's obligations for high risk
    assert systems.get_system(board, "screening").status == "in_review"
    with pytest.raises(ConflictError, match="still open"):
        reviews.open_review(board, board.actor("lena"), "screening")
    actions = [e.action for e in audit_log.iter_events(board)][-3:]
    assert actions == ["gate.evaluate", "system.transition", "review.open"]


def test_conditional_approval_creates_findings_and_moves_the_system(board: AppContext) -> None:
    review_id = _open_and_seat(board)
    condition = Condition("Monitor selection-rate ratio monthly", "olivia", LATER)
    reviews.cast_vote(
        board, board.actor("rita"), review_id, Vote.APPROVE_WITH_CONDITIONS, "ok if monitored",
        (condition,),
    )  # fmt: skip
    reviews.cast_vote(board, board.actor("rob"), review_id, Vote.APPROVE, "validated features")
    reviews.cast_vote(board, board.actor("cora"), review_id, Vote.ABSTAIN, "not my area")
    shown = reviews.get_review(board, review_id)
    assert shown.quorum_status.to_dict() == {
        "counted": 2, "quorum": 2, "approving": 2, "rejecting": 0, "abstaining": 1,
        "missing_capacities": [], "met": True,
    }  # fmt: skip
    decided = reviews.decide_review(
        board, board.actor("lena"), review_id, Decision.APPROVE_WITH_CONDITIONS, "board agrees"
    )
    assert decided.status == "decided"
    assert decided.conditions == (condition.to_dict(),)
    assert [f.title for f in decided.findings] == [condition.text]
    assert systems.get_system(board, "screening").status == "approved"
    opened = findings.list_findings(board, system_id="screening")
    assert [(f.title, f.owner, f.source_ref) for f in opened] == [
        (condition.text, "olivia", f"review:{review_id}")
    ]
    event = list(audit_log.iter_events(board, action="review.decide"))[-1]
    assert event.details["findings"] == [opened[0].id]
    assert reviews.list_reviews(board, system_id="screening")[0].decision == (
        "approve_with_conditions"
    )


def test_rejection_moves_the_system_to_rejected(board: AppContext) -> None:
    review_id = _open_and_seat(board)
    reviews.cast_vote(board, board.actor("rita"), review_id, Vote.REJECT, "adverse impact")
    reviews.decide_review(board, board.actor("lars"), review_id, Decision.REJECT, "not yet")
    assert systems.get_system(board, "screening").status == "rejected"


def _refused(
    board: AppContext, error: type[Exception], match: str, call: Callable[[], Any]
) -> None:
    before = _events(board)
    with pytest.raises(error, match=match):
        call()
    assert _events(board) == before, "a refused request must change nothing"


def test_board_rules_refuse_and_change_nothing(board: AppContext) -> None:
    review_id = _open_and_seat(board)
    rita, rob, lena = board.actor("rita"), board.actor("rob"), board.actor("lena")
    olivia, audrey = board.actor("olivia"), board.actor("audrey")
    vote = reviews.cast_vote
    _refused(board, PermissionDenied, "needs one of: the assigned reviewer", lambda: vote(
        board, board.actor("lars"), review_id, Vote.APPROVE, "x"))  # fmt: skip
    _refused(board, PermissionDenied, "separation of duties", lambda: vote(
        board, olivia, review_id, Vote.APPROVE, "mine is great"))  # fmt: skip
    _refused(board, PermissionDenied, "separation of duties", lambda: reviews.assign_reviewer(
        board, lena, review_id, "olivia", "board_member"))  # fmt: skip
    _refused(board, PermissionDenied, "reviewer or rai_lead role", lambda: reviews.assign_reviewer(
        board, lena, review_id, "audrey", "board_member"))  # fmt: skip
    _refused(board, InvalidInput, "capacity 'ceo' is unknown", lambda: reviews.assign_reviewer(
        board, lena, review_id, "lars", "ceo"))  # fmt: skip
    _refused(board, PermissionDenied, "one of: admin, rai_lead", lambda: reviews.assign_reviewer(
        board, audrey, review_id, "lars", "board_member"))  # fmt: skip
    _refused(board, InvalidInput, "in the past", lambda: vote(
        board, rita, review_id, Vote.APPROVE_WITH_CONDITIONS, "ok",
        (Condition("fix", "olivia", TODAY - dt.timedelta(days=1)),)))  # fmt: skip
    _refused(board, InvalidInput, "needs a rationale", lambda: vote(
        board, rita, review_id, Vote.APPROVE, "  "))  # fmt: skip
    vote(board, rita, review_id, Vote.APPROVE, "fine")
    _refused(board, ConflictError, "already voted", lambda: vote(
        board, rita, review_id, Vote.REJECT, "changed my mind"))  # fmt: skip
    _refused(board, DomainError, "capacities still missing: domain_expert", lambda:
        reviews.decide_review(board, lena, review_id, Decision.APPROVE, "go"))  # fmt: skip
    _refused(board, PermissionDenied, "needs one of: rai_lead", lambda: reviews.decide_review(
        board, rita, review_id, Decision.REJECT, "no"))  # fmt: skip
    reviews.declare_conflict(board, rob, review_id, "I built the feature pipeline")
    _refused(board, PermissionDenied, "conflict of interest", lambda: vote(
        board, rob, review_id, Vote.APPROVE, "fine"))  # fmt: skip
    assert reviews.get_review(board, review_id).status == "open"


def test_an_owner_who_is_rai_lead_still_cannot_decide(board: AppContext) -> None:
    review_id = _open_and_seat(board)
    systems.update_system(board, board.actor("lena"), "screening", {"owner": "lars"})
    _refused(board, PermissionDenied, "separation of duties", lambda: reviews.decide_review(
        board, board.actor("lars"), review_id, Decision.REJECT, "mine"))  # fmt: skip
    _refused(board, PermissionDenied, "separation of duties", lambda: reviews.accept_risk(
        board, board.actor("lars"), "screening", None, "urgent", LATER))  # fmt: skip


LAX_POLICY = """\
name: lax
version: "1"
tiers:
  1: &nothing {evidence: [], rules: []}
  2: *nothing
  3: *nothing
  4: *nothing
"""


def test_deploy_guard_needs_approval_and_a_passing_gate(board: AppContext, tmp_path: Path) -> None:
    olivia, lena = board.actor("olivia"), board.actor("lena")
    review_id = _open_and_seat(board)
    reviews.cast_vote(board, board.actor("rita"), review_id, Vote.APPROVE, "ok")
    reviews.cast_vote(board, board.actor("rob"), review_id, Vote.APPROVE, "ok")
    reviews.decide_review(board, lena, review_id, Decision.APPROVE, "ok")
    # a newer fairness audit fails: the gate run after approval blocks the deployment
    bad = EvidenceDraft(
        kind="fairness_audit", summary="re-audit", engine="test", engine_version="1",
        verdicts={"fairness.sex.four_fifths": Verdict.FAIL},
    )  # fmt: skip
    evidence.record_evidence(board, olivia, "screening", "1.0", bad)
    assert gates_service.check_gate(board, olivia, "screening").outcome == "fail"
    deploy = systems.transition_system
    _refused(board, DomainError, "latest gate: fail", lambda: deploy(
        board, olivia, "screening", "deployed", "ship it"))  # fmt: skip
    # A pass under a laxer pack of the owner's choosing does not open the deployment:
    # the guard reads the latest run under the policy in force.
    lax = tmp_path / "lax.yaml"
    lax.write_text(LAX_POLICY, encoding="utf-8")
    assert gates_service.check_gate(board, olivia, "screening", policy_path=lax).outcome == "pass"
    _refused(board, DomainError, "latest gate: fail", lambda: deploy(
        board, olivia, "screening", "deployed", "ship it"))  # fmt: skip
    _refused(board, InvalidInput, "must be after today", lambda: reviews.accept_risk(
        board, lena, "screening", "1.0", "launch needed", TODAY))  # fmt: skip
    _refused(board, InvalidInput, "justification", lambda: reviews.accept_risk(
        board, lena, "screening", "1.0", " ", LATER))  # fmt: skip
    _refused(board, PermissionDenied, "needs one of: rai_lead", lambda: reviews.accept_risk(
        board, board.actor("rita"), "screening", "1.0", "x", LATER))  # fmt: skip
    accepted = reviews.accept_risk(board, lena, "screening", "1.0", "fix lands in 2 weeks", LATER)
    assert accepted.signed_by == "lena"
    moved = deploy(board, olivia, "screening", "deployed", "ship it")
    assert moved.status == "deployed"
    event = list(audit_log.iter_events(board, action="system.transition"))[-1]
    assert event.details["clearance"]["risk_acceptance"] == accepted.id


def test_deploy_guard_passes_on_approval_and_gate(board: AppContext) -> None:
    olivia = board.actor("olivia")
    _refused(board, DomainError, "may go to", lambda: systems.transition_system(
        board, olivia, "screening", "deployed", "skip the board"))  # fmt: skip
    review_id = _open_and_seat(board)
    reviews.cast_vote(board, board.actor("rita"), review_id, Vote.APPROVE, "ok")
    reviews.cast_vote(board, board.actor("rob"), review_id, Vote.APPROVE, "ok")
    reviews.decide_review(board, board.actor("lena"), review_id, Decision.APPROVE, "ok")
    moved = systems.transition_system(board, olivia, "screening", "deployed", "go live")
    assert moved.status == "deployed"
    event = list(audit_log.iter_events(board, action="system.transition"))[-1]
    assert event.details["clearance"]["review"] == review_id
    # a new version needs its own clearance: suspend, add 1.1, try to reinstate
    systems.transition_system(board, olivia, "screening", "suspended", "incident")
    systems.add_version(board, olivia, "screening", "1.1")
    _refused(board, DomainError, "version 1.1 may not be deployed", lambda: (
        systems.transition_system(board, board.actor("lena"), "screening", "deployed", "back")
    ))  # fmt: skip


def _race(
    board: AppContext,
    workspace: Workspace,
    monkeypatch: pytest.MonkeyPatch,
    first: Callable[[AppContext], Any],
    second: Callable[[AppContext], Any],
) -> dict[str, str]:
    """Run two review steps on two connections; on PostgreSQL both read before either writes."""
    postgres = board.engine.dialect.name == "postgresql"
    # SQLite's BEGIN IMMEDIATE serializes writers, so the second waits for the first commit.
    barrier = threading.Barrier(2 if postgres else 1, timeout=30)
    for name in ("check_vote", "check_decision"):
        real = getattr(reviews, name)

        def waiting(*args: Any, _real: Any = real, **kwargs: Any) -> Any:
            result = _real(*args, **kwargs)
            barrier.wait()  # the rules passed on a snapshot both transactions share
            return result

        monkeypatch.setattr(reviews, name, waiting)
    other = open_context(workspace)
    outcomes: dict[str, str] = {}
    messages: list[str] = []

    def run(label: str, ctx: AppContext, step: Callable[[AppContext], Any]) -> None:
        try:
            step(ctx)
            outcomes[label] = "ok"
        except (ConflictError, threading.BrokenBarrierError) as exc:
            outcomes[label] = type(exc).__name__
            messages.append(str(exc))

    threads = [
        threading.Thread(target=run, args=("first", board, first)),
        threading.Thread(target=run, args=("second", other, second)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    other.close()
    if postgres:  # both passed the rules on one snapshot; the optimistic version caught one
        assert len(messages) == 1
        assert "changed while you were editing" in messages[0], messages
    return outcomes


def test_two_leads_deciding_at_once_cannot_both_win(
    board: AppContext, workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    review_id = _open_and_seat(board)
    lena, lars = board.actor("lena"), board.actor("lars")
    before = _events(board)
    outcomes = _race(
        board, workspace, monkeypatch,
        lambda c: reviews.decide_review(c, lena, review_id, Decision.REJECT, "lena says no"),
        lambda c: reviews.decide_review(c, lars, review_id, Decision.DEFER, "lars defers"),
    )  # fmt: skip
    assert sorted(outcomes.values()) == ["ConflictError", "ok"]
    shown = reviews.get_review(board, review_id)
    winner = "lena" if outcomes["first"] == "ok" else "lars"
    assert shown.decided_by == winner
    assert shown.row_version == 2  # opened at 1, decided once
    decisions = list(audit_log.iter_events(board, action="review.decide"))
    assert [e.actor for e in decisions] == [winner]
    assert _events(board) - before == (2 if winner == "lena" else 1)  # + the move to rejected


def test_a_vote_racing_the_decision_is_not_lost(
    board: AppContext, workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    review_id = _open_and_seat(board)
    lena, rita = board.actor("lena"), board.actor("rita")
    outcomes = _race(
        board, workspace, monkeypatch,
        lambda c: reviews.decide_review(c, lena, review_id, Decision.DEFER, "more data"),
        lambda c: reviews.cast_vote(c, rita, review_id, Vote.APPROVE, "looks fine"),
    )  # fmt: skip
    shown = reviews.get_review(board, review_id)
    # Nothing that reported success is missing, and nothing refused left a trace.
    assert (shown.status == "decided") == (outcomes["first"] == "ok")
    assert ([v.reviewer for v in shown.votes] == ["rita"]) == (outcomes["second"] == "ok")
    if board.engine.dialect.name == "postgresql":  # both read before either wrote: one loses
        assert sorted(outcomes.values()) == ["ConflictError", "ok"]
    else:  # serialized: a vote before the decision is fine; a vote after it is refused
        assert outcomes["first"] == "ok"


def test_approving_past_a_failed_gate_needs_a_recorded_override(board: AppContext) -> None:
    olivia, lena = board.actor("olivia"), board.actor("lena")
    review_id = _open_and_seat(board)
    reviews.cast_vote(board, board.actor("rita"), review_id, Vote.APPROVE, "ok")
    reviews.cast_vote(board, board.actor("rob"), review_id, Vote.APPROVE, "ok")
    bad = EvidenceDraft(
        kind="fairness_audit", summary="re-audit", engine="test", engine_version="1",
        verdicts={"fairness.sex.selection_rate.four_fifths": Verdict.FAIL},
    )  # fmt: skip
    evidence.record_evidence(board, olivia, "screening", "1.0", bad)
    assert gates_service.check_gate(board, olivia, "screening").outcome == "fail"
    assert reviews.get_review(board, review_id).latest_gate == "fail"
    _refused(board, DomainError, "says 'fail'.*--override-failed-gate", lambda:
        reviews.decide_review(board, lena, review_id, Decision.APPROVE, "ok"))  # fmt: skip
    decided = reviews.decide_review(
        board, lena, review_id, Decision.APPROVE, "known gap", override_failed_gate=True
    )
    assert decided.decision == "approve"
    event = list(audit_log.iter_events(board, action="review.decide"))[-1]
    assert (event.details["gate"], event.details["gate_override"]) == ("fail", True)
