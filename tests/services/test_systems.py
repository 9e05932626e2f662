"""Inventory use cases against SQLite and the real PostgreSQL: rules, audit events, atomicity."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from ombud.governance import (
    ConflictError,
    InvalidInput,
    NotFoundError,
    PermissionDenied,
    SystemManifest,
    SystemProfile,
    VersionSpec,
)
from ombud.governance.manifest import ManifestVersion
from ombud.services import audit_log, systems, workspaces
from ombud.services.context import AppContext, open_context
from ombud.store import Workspace
from ombud.store.models import AISystemRow, AuditEventRow, SystemVersionRow

SHA = "ab" * 32


def _profile(**changes: object) -> SystemProfile:
    base = SystemProfile(
        name="Credit scoring",
        purpose="Scores consumer credit applications",
        owner="olivia",
        owner_team="credit-risk",
        domain="lending",
        kind="decision_model",
        operator_role="provider",
        automation="human_on_the_loop",
        deployment_regions=("DE",),
        data_categories=("personal_data",),
    )
    return base.with_changes(changes)


@pytest.fixture
def people(context: AppContext) -> AppContext:
    admin = context.actor("ada")
    workspaces.add_user(context, admin, username="olivia", roles=["owner"])
    workspaces.add_user(context, admin, username="lena", roles=["rai_lead"])
    workspaces.add_user(context, admin, username="audrey", roles=["auditor"])
    return context


def _events(context: AppContext) -> int:
    with context.read() as session:
        return int(session.execute(select(func.count()).select_from(AuditEventRow)).scalar_one())


def test_register_show_list(people: AppContext) -> None:
    olivia = people.actor("olivia")
    created = systems.register_system(people, olivia, "credit-scoring", _profile())
    assert created.status == "proposed"
    shown = systems.get_system(people, "credit-scoring")
    assert shown.deployment_regions == ("DE",)
    assert shown.classification is None
    assert [s.id for s in systems.list_systems(people)] == ["credit-scoring"]
    events = list(audit_log.iter_events(people, entity_id="credit-scoring"))
    assert [e.action for e in events] == ["system.register"]
    assert events[0].actor == "olivia"
    assert events[0].before_digest is None
    assert events[0].after_digest


def test_duplicate_id_unknown_owner_and_permissions_are_refused(people: AppContext) -> None:
    lena = people.actor("lena")
    systems.register_system(people, lena, "credit-scoring", _profile())
    before = _events(people)
    with pytest.raises(ConflictError, match="already exists"):
        systems.register_system(people, lena, "credit-scoring", _profile())
    with pytest.raises(InvalidInput, match="not a workspace user"):
        systems.register_system(people, lena, "other-system", _profile(owner="nobody"))
    with pytest.raises(PermissionDenied, match="audrey"):
        systems.register_system(people, people.actor("audrey"), "third", _profile())
    with pytest.raises(NotFoundError):
        systems.get_system(people, "third")
    assert _events(people) == before  # nothing half-written


def test_update_records_what_changed_and_detects_stale_edits(people: AppContext) -> None:
    lena = people.actor("lena")
    systems.register_system(people, lena, "credit-scoring", _profile())
    version = systems.get_system(people, "credit-scoring").row_version
    systems.update_system(
        people, lena, "credit-scoring", {"vendor": "Acme"}, expected_version=version
    )
    event = list(audit_log.iter_events(people, action="system.update"))[-1]
    assert event.details == {"changed": ["vendor"]}
    with pytest.raises(ConflictError, match="reload"):
        systems.update_system(
            people, lena, "credit-scoring", {"vendor": "Other"}, expected_version=version
        )
    assert systems.get_system(people, "credit-scoring").vendor == "Acme"


def test_concurrent_updates_cannot_lose_one(people: AppContext, workspace: Workspace) -> None:
    """Two connections change the same system at once: one wins, the other is told."""
    lena = people.actor("lena")
    systems.register_system(people, lena, "credit-scoring", _profile())
    other = open_context(workspace)
    barrier = threading.Barrier(2, timeout=30)
    outcomes: dict[str, str] = {}

    def edit(ctx: AppContext, vendor: str) -> None:
        try:
            with ctx.write(lena) as tx:
                row = tx.session.get(AISystemRow, "credit-scoring")
                assert row is not None
                barrier.wait()  # both have read the row before either writes
                row.vendor = vendor
                tx.session.flush()
            outcomes[vendor] = "ok"
        except (ConflictError, threading.BrokenBarrierError) as exc:
            outcomes[vendor] = type(exc).__name__

    if people.engine.dialect.name == "sqlite":
        # BEGIN IMMEDIATE serializes writers, so the second cannot even read until the first
        # commits; it then sees the new row version and its own write succeeds in order.
        barrier = threading.Barrier(1)
    threads = [threading.Thread(target=edit, args=(c, v)) for c, v in ((people, "A"), (other, "B"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    other.close()
    final = systems.get_system(people, "credit-scoring")
    if people.engine.dialect.name == "postgresql":
        assert sorted(outcomes.values()) == ["ConflictError", "ok"]
        winner = next(v for v, o in outcomes.items() if o == "ok")
        assert final.vendor == winner
        assert final.row_version == 2
    else:
        assert outcomes == {"A": "ok", "B": "ok"}
        assert final.row_version == 3


def test_lifecycle_through_the_service(people: AppContext) -> None:
    olivia, lena = people.actor("olivia"), people.actor("lena")
    systems.register_system(people, olivia, "credit-scoring", _profile())
    systems.transition_system(people, olivia, "credit-scoring", "in_review", "audit attached")
    with pytest.raises(PermissionDenied):
        systems.transition_system(people, olivia, "credit-scoring", "approved", "mine")
    systems.transition_system(people, lena, "credit-scoring", "approved", "board said yes")
    shown = systems.get_system(people, "credit-scoring")
    assert shown.status == "approved"
    assert [(t.source, t.target, t.actor) for t in shown.transitions] == [
        ("proposed", "in_review", "olivia"),
        ("in_review", "approved", "lena"),
    ]
    with pytest.raises(InvalidInput, match="statuses are"):
        systems.transition_system(people, lena, "credit-scoring", "launched", "x")


def test_versions_are_immutable(people: AppContext) -> None:
    lena = people.actor("lena")
    systems.register_system(people, lena, "credit-scoring", _profile())
    model = VersionSpec("model", "s3://m.pkl", SHA)
    systems.add_version(people, lena, "credit-scoring", "1.0", models=(model,))
    with pytest.raises(ConflictError, match="immutable"):
        systems.add_version(people, lena, "credit-scoring", "1.0")
    assert systems.get_system(people, "credit-scoring").versions[0].models == (
        {"name": "model", "uri": "s3://m.pkl", "sha256": SHA},
    )


def test_manifest_registers_then_is_idempotent_and_atomic(people: AppContext) -> None:
    lena = people.actor("lena")
    v1 = ManifestVersion("1.0", (VersionSpec("model", "s3://m.pkl", SHA),), (), "")
    manifest = SystemManifest("credit-scoring", _profile(), (v1,), None)
    assert systems.apply_manifest(people, lena, manifest).outcome == "registered"
    assert systems.apply_manifest(people, lena, manifest).outcome == "unchanged"
    events = _events(people)
    changed = ManifestVersion("1.0", (VersionSpec("model", "s3://other.pkl", SHA),), (), "")
    bad = SystemManifest("credit-scoring", _profile(vendor="Acme"), (changed,), None)
    with pytest.raises(ConflictError, match="immutable"):
        systems.apply_manifest(people, lena, bad)
    assert systems.get_system(people, "credit-scoring").vendor == "in-house"
    assert _events(people) == events
    with people.read() as session:
        assert session.execute(select(func.count()).select_from(SystemVersionRow)).scalar() == 1


def test_listed_rows_equal_the_validated_snapshot(people: AppContext) -> None:
    """Lists read rows without re-validating them; the oracle is the validated snapshot of
    the same rows, after registering, updating and with empty and filled list fields."""
    olivia = people.actor("olivia")
    systems.register_system(people, olivia, "credit-scoring", _profile())
    systems.register_system(
        people,
        olivia,
        "churn-model",
        _profile(name="Churn", deployment_regions=[], affected_people=["consumers"]),
    )
    systems.update_system(
        people, olivia, "churn-model", {"out_of_scope_uses": ["pricing", "hiring"]}
    )
    with people.read() as session:
        rows = session.execute(select(AISystemRow).order_by(AISystemRow.id)).scalars().all()
        assert len(rows) == 2
        for row in rows:
            assert systems.listed_system(row) == systems.system_snapshot(row)
    listed = {s.id: s for s in systems.list_systems(people)}
    assert listed["churn-model"].out_of_scope_uses == ("pricing", "hiring")
    assert listed["churn-model"].deployment_regions == ()
