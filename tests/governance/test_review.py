"""Review-board rules as pure functions: quorum, capacities, clearance to deploy."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ombud.governance import DomainError, InvalidInput
from ombud.governance.policy import CAPACITIES, Approvals
from ombud.governance.review import (
    Seat,
    Vote,
    check_deploy_clearance,
    parse_condition,
    parse_vote,
    quorum_status,
)

NOW = dt.datetime(2026, 11, 26, 12, tzinfo=dt.UTC)
SEATS = {
    "rita": Seat("board_member", None),
    "rob": Seat("domain_expert", None),
    "cora": Seat("community_representative", "consults for the vendor"),
}


def test_conflicted_unassigned_and_abstaining_votes_do_not_count() -> None:
    votes = [("rita", Vote.APPROVE), ("cora", Vote.APPROVE), ("eve", Vote.APPROVE)]
    status = quorum_status(votes, SEATS, Approvals(2, ("board_member", "domain_expert")))
    assert (status.counted, status.approving, status.met) == (1, 1, False)
    assert status.missing_capacities == ("domain_expert",)
    status = quorum_status([*votes, ("rob", Vote.ABSTAIN)], SEATS, Approvals(1, ("domain_expert",)))
    assert (status.abstaining, status.missing_capacities, status.met) == (
        1,
        ("domain_expert",),
        False,
    )
    status = quorum_status([*votes, ("rob", Vote.REJECT)], SEATS, Approvals(2, ()))
    assert (status.counted, status.rejecting, status.met) == (2, 1, True)


@given(st.lists(st.tuples(st.sampled_from(sorted(SEATS)), st.sampled_from(list(Vote)))),
       st.integers(1, 4), st.sets(st.sampled_from(CAPACITIES)))  # fmt: skip
def test_quorum_counts_add_up(votes: list[tuple[str, Vote]], quorum: int, caps: set[str]) -> None:
    """Law: approving + rejecting = counted; met iff counted >= quorum and no capacity missing."""
    status = quorum_status(votes, SEATS, Approvals(quorum, tuple(sorted(caps))))
    assert status.approving + status.rejecting == status.counted
    assert status.met == (status.counted >= quorum and not status.missing_capacities)
    # cora declared a conflict: her votes never count
    assert status.counted == sum(r != "cora" and v is not Vote.ABSTAIN for r, v in votes)


def _clear(decision: str | None, gate: str | None, acceptance: dt.datetime | None) -> str:
    return check_deploy_clearance(
        system_id="s",
        version_label="1.0",
        review_decision=decision,
        review_id=3,
        gate_outcome=gate,
        acceptance_expires=acceptance,
        now=NOW,
    )


def test_clearance_needs_approval_and_pass_or_an_unexpired_acceptance() -> None:
    assert _clear("approve", "pass", None) == "review #3 approve; gate pass"
    assert _clear("approve_with_conditions", "pass", None).startswith("review #3")
    for decision, gate in [("approve", "insufficient"), ("reject", "pass"), (None, "pass")]:
        with pytest.raises(DomainError, match="may not be deployed"):
            _clear(decision, gate, None)
    with pytest.raises(DomainError, match=r"accept-risk s --version 1\.0"):
        _clear(None, "fail", NOW - dt.timedelta(seconds=1))  # expired a second ago
    assert "risk acceptance" in _clear(None, "fail", NOW + dt.timedelta(days=1))


def test_condition_and_vote_parsing() -> None:
    condition = parse_condition("olivia:2027-03-31:add drift monitoring: approval rate")
    assert (condition.owner, condition.due, condition.text) == (
        "olivia", dt.date(2027, 3, 31), "add drift monitoring: approval rate",
    )  # fmt: skip
    with pytest.raises(InvalidInput, match="OWNER:YYYY-MM-DD:TEXT"):
        parse_condition("add monitoring")
    with pytest.raises(InvalidInput, match="not a date"):
        parse_condition("olivia:next week:x")
    assert parse_vote(" Approve ") is Vote.APPROVE
    with pytest.raises(InvalidInput, match="approve_with_conditions"):
        parse_vote("yes")
