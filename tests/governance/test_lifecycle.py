"""Lifecycle rules: every allowed move, every refusal, separation of duties."""

from __future__ import annotations

import pytest

from ombud.governance import (
    TRANSITIONS,
    DomainError,
    InvalidInput,
    LifecycleStatus,
    PermissionDenied,
    allowed_targets,
    check_transition,
)

S = LifecycleStatus


def _check(
    source: S,
    target: S,
    actor: str = "lead",
    roles: tuple[str, ...] = ("rai_lead",),
    owner: str = "olivia",
    reason: str = "because",
) -> None:
    check_transition(
        system_id="sys",
        source=source,
        target=target,
        actor=actor,
        actor_roles=roles,
        owner=owner,
        reason=reason,
    )


def test_every_status_is_reachable_from_proposed() -> None:
    seen = {S.PROPOSED}
    frontier = [S.PROPOSED]
    while frontier:
        for target in allowed_targets(frontier.pop()):
            if target not in seen:
                seen.add(target)
                frontier.append(target)
    assert seen == set(S)


def test_retired_is_final() -> None:
    assert allowed_targets(S.RETIRED) == ()


@pytest.mark.parametrize("transition", TRANSITIONS, ids=lambda t: f"{t.source}->{t.target}")
def test_an_admin_who_does_not_own_the_system_may_make_every_move(transition: object) -> None:
    assert hasattr(transition, "source")
    _check(transition.source, transition.target, actor="root", roles=("admin",))  # type: ignore[attr-defined]


def test_a_move_that_does_not_exist_is_refused_with_the_options() -> None:
    with pytest.raises(DomainError, match="may go to: in_review, retired"):
        _check(S.PROPOSED, S.DEPLOYED)


def test_a_reason_is_required() -> None:
    with pytest.raises(InvalidInput, match="needs a reason"):
        _check(S.PROPOSED, S.IN_REVIEW, reason="  ")


def test_owner_may_submit_but_not_approve_even_as_rai_lead() -> None:
    _check(S.PROPOSED, S.IN_REVIEW, actor="olivia", roles=("owner",))
    with pytest.raises(PermissionDenied, match="separation of duties"):
        _check(S.IN_REVIEW, S.APPROVED, actor="olivia", roles=("rai_lead", "owner"))
    _check(S.IN_REVIEW, S.APPROVED, actor="lead", roles=("rai_lead",))


def test_reviewer_and_auditor_cannot_move_systems() -> None:
    for role in ("reviewer", "auditor"):
        with pytest.raises(PermissionDenied, match="needs one of"):
            _check(S.PROPOSED, S.IN_REVIEW, actor="someone", roles=(role,))


def test_an_owner_of_another_system_is_not_this_systems_owner() -> None:
    with pytest.raises(PermissionDenied):
        _check(S.PROPOSED, S.IN_REVIEW, actor="bob", roles=("owner",), owner="olivia")
