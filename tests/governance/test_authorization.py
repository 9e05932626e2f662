"""The one authorization policy: role AND relationship, separation of duties, messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from ombud.governance import Action, PermissionDenied, Target, authorize, permits
from ombud.governance.authorization import (
    GRANTS,
    SEPARATED,
    Relation,
    check_token_scopes,
)
from ombud.governance.roles import Role

OMARS = Target.system("recidivism-risk", "omar")

#: Writes an owner makes on the systems they own, and only there.
OWNER_WRITES = [
    a for a, grants in GRANTS.items() if any(g.relation is Relation.SYSTEM_OWNER for g in grants)
]


def test_every_action_has_a_rule_and_is_documented() -> None:
    assert set(GRANTS) == set(Action)
    doc = (Path(__file__).parents[2] / "docs" / "authorization.md").read_text("utf-8")
    missing = [a.value for a in Action if f"`{a.value}`" not in doc]
    assert not missing, f"docs/authorization.md does not list: {missing}"


@pytest.mark.parametrize("action", OWNER_WRITES, ids=str)
def test_an_owner_of_another_system_is_refused_what_the_owner_may(action: Action) -> None:
    assert permits("omar", {"owner"}, action, OMARS)
    assert not permits("hana", {"owner"}, action, OMARS)
    assert permits("lena", {"rai_lead"}, action, OMARS)
    assert not permits("audrey", {"auditor"}, action, OMARS)


def test_the_refusal_names_actor_action_and_object_on_one_line() -> None:
    with pytest.raises(PermissionDenied) as refused:
        authorize("hana", {"owner"}, Action.SYSTEM_CLASSIFY, OMARS)
    message = str(refused.value)
    assert message.startswith(
        "user 'hana' (roles: owner) may not system.classify system 'recidivism-risk'"
    )
    assert "owner who is the system owner" in message
    assert "\n" not in message


def test_separation_of_duties_beats_a_role() -> None:
    assert set(SEPARATED) <= set(Action)
    with pytest.raises(PermissionDenied, match="separation of duties"):
        authorize("omar", {"rai_lead", "owner"}, Action.SYSTEM_APPROVE, OMARS)
    authorize("lena", {"rai_lead"}, Action.SYSTEM_APPROVE, OMARS)
    request = Target("classification request", "4", frozenset({"omar"}), requester="lena")
    with pytest.raises(PermissionDenied, match="they are its requester"):
        authorize("lena", {"rai_lead"}, Action.CLASSIFICATION_CONFIRM, request)
    authorize("ada", {"admin"}, Action.CLASSIFICATION_CONFIRM, request)


def test_relationships_without_a_role() -> None:
    review = Target("review", "#1", frozenset({"omar"}), seated=frozenset({"rex"}))
    assert permits("rex", {"reviewer"}, Action.REVIEW_VOTE, review)
    assert not permits("rita", {"reviewer"}, Action.REVIEW_VOTE, review)
    assert not permits("lena", {"rai_lead"}, Action.REVIEW_VOTE, review)  # not seated
    finding = Target("finding", "7", frozenset({"omar"}), assignee="rex")
    assert permits("rex", {"reviewer"}, Action.FINDING_WORK, finding)
    assert permits("omar", {"owner"}, Action.FINDING_WORK, finding)
    assert not permits("hana", {"owner"}, Action.FINDING_WORK, finding)
    account = Target.account("rex")
    assert permits("rex", {"auditor"}, Action.USER_CREDENTIALS, account)
    assert not permits("hana", {"owner"}, Action.USER_CREDENTIALS, account)


def test_an_incident_report_needs_every_named_system() -> None:
    both = Target("systems", "a, b", frozenset({"omar", "hana"}))
    assert not permits("hana", {"owner"}, Action.INCIDENT_REPORT, both)
    assert permits("rex", {"reviewer"}, Action.INCIDENT_REPORT, both)
    incident = Target("incident", "3", frozenset({"omar", "hana"}), reporter="omar")
    assert permits("hana", {"owner"}, Action.INCIDENT_UPDATE, incident)  # one is hers
    assert not permits("olga", {"owner"}, Action.INCIDENT_UPDATE, incident)


def test_the_role_gate_for_an_object_not_yet_named() -> None:
    authorize("hana", {"owner"}, Action.INCIDENT_REPORT, Target.unnamed())
    # A relation alone could be held on some object; no relation refuses yet.
    assert permits("rex", {"reviewer"}, Action.REVIEW_VOTE, Target.unnamed())
    refused = (
        "user 'audrey' (roles: auditor) may not system.register; that needs one of: "
        "admin, rai_lead, owner who is the system owner"
    )
    with pytest.raises(PermissionDenied) as caught:
        authorize("audrey", {"auditor"}, Action.SYSTEM_REGISTER, Target.unnamed())
    assert str(caught.value) == refused


@pytest.mark.parametrize(
    "target",
    [
        OMARS,
        Target.unnamed(),
        Target("finding", "4", frozenset({"omar"}), assignee="hana", resolver="hana"),
        Target("review", "#2", frozenset({"omar"}), seated=frozenset({"rex"})),
    ],
    ids=["system", "unnamed", "finding", "review"],
)
def test_the_two_faces_give_one_answer(target: Target) -> None:
    """``permits`` is True exactly where ``authorize`` does not raise, for every action,
    every single role and every person related to the object (or not)."""
    for action in Action:
        for role in Role:
            for who in ("omar", "hana", "rex", "nobody"):
                try:
                    authorize(who, {role}, action, target)
                    raised = False
                except PermissionDenied:
                    raised = True
                assert permits(who, {role}, action, target) is not raised, (action, role, who)


def test_an_auditor_holds_no_write_token() -> None:
    check_token_scopes("audrey", {"auditor"}, ["read"])
    check_token_scopes("rex", {"reviewer"}, ["write"])
    with pytest.raises(PermissionDenied, match="write-scope"):
        check_token_scopes("audrey", {"auditor"}, ["read", "write"])
