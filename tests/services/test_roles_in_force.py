"""Every write decides on the roles in force when it commits, not on a copy read earlier.

A command or web request reads its ``Actor`` once; a lead may revoke a role or deactivate
the user before the write happens. ``AppContext.write`` re-reads the user inside the
write's own transaction, and the services authorize on ``tx.actor``. Each test below holds
an actor read *before* the change and shows the write refused (and nothing written),
while the same call with the role still held succeeds.
"""

from __future__ import annotations

import datetime as dt

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select

from ombud.governance import PermissionDenied, Role
from ombud.services import gates, incidents, reviews, workspaces
from ombud.services.auth import credentials
from ombud.services.context import Actor, AppContext
from ombud.store.models import AuditEventRow, UserRow

from ._systems import HIRING_ANSWERS, register_classified, screening_profile

CHEAP = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@pytest.fixture
def team(context: AppContext) -> AppContext:
    admin = context.actor("ada")
    workspaces.add_user(context, admin, username="omar", roles=["owner"])
    workspaces.add_user(context, admin, username="lena", roles=["rai_lead"])
    workspaces.add_user(context, admin, username="hana", roles=["owner"])
    register_classified(context, "omar", "screening", screening_profile("omar"), HIRING_ANSWERS)
    return context


def _set(context: AppContext, username: str, *, roles: list[str], active: bool = True) -> None:
    with context.write(context.actor("ada")) as tx:
        user = tx.session.get(UserRow, username)
        assert user is not None
        user.roles = roles
        user.active = active


def _events(context: AppContext) -> int:
    with context.read() as session:
        return int(session.execute(select(func.count()).select_from(AuditEventRow)).scalar_one())


def test_the_write_transaction_carries_the_roles_in_force(team: AppContext) -> None:
    stale = team.actor("lena")
    _set(team, "lena", roles=["owner"])
    with team.write(stale) as tx:
        assert tx.actor == Actor("lena", frozenset({Role.OWNER}))
    _set(team, "lena", roles=["rai_lead"], active=False)
    with pytest.raises(PermissionDenied, match="'lena' is deactivated"), team.write(stale):
        pass


def test_a_process_identity_without_a_user_row_keeps_its_roles(team: AppContext) -> None:
    bootstrap = Actor("ombud-init", frozenset({Role.ADMIN}))
    with team.write(bootstrap) as tx:
        assert tx.actor is bootstrap


def test_a_gate_run_by_a_lead_demoted_meanwhile_is_refused(team: AppContext) -> None:
    stale = team.actor("lena")
    gates.check_gate(team, stale, "screening")  # allowed while a lead
    _set(team, "lena", roles=["owner"])  # lena owns nothing: no gate run on omar's system
    before = _events(team)
    with pytest.raises(PermissionDenied):
        gates.check_gate(team, stale, "screening")
    assert _events(team) == before


def test_a_review_opened_by_a_deactivated_owner_is_refused(team: AppContext) -> None:
    stale = team.actor("omar")
    _set(team, "omar", roles=["owner"], active=False)
    before = _events(team)
    with pytest.raises(PermissionDenied):
        reviews.open_review(team, stale, "screening")
    assert _events(team) == before


def test_an_incident_reported_after_losing_the_role_is_refused(team: AppContext) -> None:
    stale = team.actor("omar")
    now = dt.datetime(2026, 12, 3, 10, 0, tzinfo=dt.UTC)
    _set(team, "omar", roles=[])
    before = _events(team)
    with pytest.raises(PermissionDenied):
        incidents.report_incident(
            team,
            stale,
            title="screen rejects every applicant over 50",
            description="seen in the weekly sample",
            severity="high",
            system_ids=["screening"],
            detected_at=now,
            aware_at=now,
        )
    assert _events(team) == before


def test_an_admin_demoted_meanwhile_cannot_add_users_or_set_passwords(team: AppContext) -> None:
    workspaces.add_user(team, team.actor("ada"), username="root2", roles=["admin"])
    stale = team.actor("root2")
    _set(team, "root2", roles=["owner"])
    with pytest.raises(PermissionDenied):
        workspaces.add_user(team, stale, username="mallory", roles=["admin"])
    with pytest.raises(PermissionDenied):
        credentials.set_password(team, stale, "hana", "a long enough new password", CHEAP)
    assert "mallory" not in {u.username for u in workspaces.list_users(team)}
    # Setting one's own password needs no role: still allowed.
    credentials.set_password(team, stale, "root2", "another long password here", CHEAP)
