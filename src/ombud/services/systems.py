"""Use cases of the AI-system inventory: register, update, version, move through the lifecycle."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from ombud.governance import (
    Action,
    ConflictError,
    InvalidInput,
    LifecycleStatus,
    SystemManifest,
    SystemProfile,
    Target,
    VersionSpec,
    authorize,
    check_system_id,
    check_text,
    check_transition,
    check_version_label,
)
from ombud.services.context import Actor, AppContext, Tx
from ombud.services.system_queries import (
    GATE_FILTERS,
    NOT_RUN,
    count_systems,
    get_system,
    list_systems,
    listed_system,
    portfolio_counts,
    system_snapshot,
)
from ombud.services.system_queries import load_system as _load
from ombud.services.system_queries import profile_of as _profile_of
from ombud.services.system_queries import version_snapshot as _version_snapshot
from ombud.services.system_records import (
    LatestClassification,
    ListedSystem,
    PortfolioCounts,
    SystemDetail,
    SystemRecord,
    SystemTransition,
    SystemVersion,
)
from ombud.store.models import (
    AISystemRow,
    SystemVersionRow,
    TransitionRow,
    UserRow,
)

__all__ = [
    "GATE_FILTERS",
    "NOT_RUN",
    "VERSION_LABEL_MAX",
    "LatestClassification",
    "ListedSystem",
    "ManifestApplied",
    "PortfolioCounts",
    "SystemDetail",
    "SystemRecord",
    "SystemTransition",
    "SystemVersion",
    "add_version",
    "apply_manifest",
    "apply_manifest_in",
    "count_systems",
    "get_system",
    "list_systems",
    "listed_system",
    "portfolio_counts",
    "register_system",
    "system_snapshot",
    "transition_in",
    "transition_system",
    "update_system",
]


@dataclass(frozen=True)
class ManifestApplied:
    """What applying a manifest did: ``outcome`` is registered, updated or unchanged;
    ``versions_added`` the labels of the versions it recorded."""

    outcome: str
    system: SystemRecord
    versions_added: tuple[str, ...]


#: The longest version label kept (system_versions.label is VARCHAR(100)).
VERSION_LABEL_MAX = 100


def _now() -> datetime:
    return datetime.now(UTC)


def _check_owner(tx: Tx, owner: str) -> None:
    if tx.session.get(UserRow, owner) is None:
        raise InvalidInput(
            f"owner '{owner}' is not a workspace user; add them with "
            f"`ombud user add {owner} --role owner`"
        )


def _apply_profile(row: AISystemRow, profile: SystemProfile) -> None:
    for name, value in profile.to_dict().items():
        setattr(row, name, value)


def register_system(
    context: AppContext, actor: Actor, system_id: str, profile: SystemProfile
) -> SystemRecord:
    check_system_id(system_id)
    with context.write(actor) as tx:
        return _register(tx, system_id, profile)


def _may(tx: Tx, action: Action, system_id: str, owner: str) -> None:
    authorize(tx.actor.username, tx.actor.roles, action, Target.system(system_id, owner))


def _register(tx: Tx, system_id: str, profile: SystemProfile) -> SystemRecord:
    # An owner registers systems in their own name; a lead may name anyone.
    _may(tx, Action.SYSTEM_REGISTER, system_id, profile.owner)
    if tx.session.get(AISystemRow, system_id) is not None:
        raise ConflictError(
            f"AI system '{system_id}' already exists; use `ombud system update` or pick another id"
        )
    _check_owner(tx, profile.owner)
    now = _now()
    row = AISystemRow(
        id=system_id, status=LifecycleStatus.PROPOSED.value, created_at=now, updated_at=now
    )
    _apply_profile(row, profile)
    tx.session.add(row)
    snapshot = system_snapshot(row)
    tx.record("system.register", "ai_system", system_id, before=None, after=snapshot.to_dict())
    return snapshot


def update_system(
    context: AppContext,
    actor: Actor,
    system_id: str,
    changes: dict[str, Any],
    *,
    expected_version: int | None = None,
) -> SystemRecord:
    with context.write(actor) as tx:
        row = _load(tx, system_id)
        if expected_version is not None and row.row_version != expected_version:
            raise ConflictError(
                f"'{system_id}' is at revision {row.row_version}, you edited revision "
                f"{expected_version}; reload and try again"
            )
        return _update(tx, row, _profile_of(row).with_changes(changes))


def _update(tx: Tx, row: AISystemRow, profile: SystemProfile) -> SystemRecord:
    # Decided on the current owner: an owner may hand a system over, never take one.
    _may(tx, Action.SYSTEM_UPDATE, row.id, row.owner)
    record_before = system_snapshot(row)
    _check_owner(tx, profile.owner)
    _apply_profile(row, profile)
    record_after = system_snapshot(row)
    if record_after == record_before:
        return record_after
    before, after = record_before.to_dict(), record_after.to_dict()
    row.updated_at = _now()
    changed = sorted(k for k in after if after[k] != before.get(k))
    tx.record(
        "system.update",
        "ai_system",
        row.id,
        before=before,
        after=after,
        details={"changed": changed},
    )
    return record_after


def transition_system(
    context: AppContext, actor: Actor, system_id: str, target: str, reason: str
) -> SystemRecord:
    with context.write(actor) as tx:
        return transition_in(tx, system_id, target, reason)


def transition_in(tx: Tx, system_id: str, target: str, reason: str) -> SystemRecord:
    """Move a system to ``target`` inside ``tx``: for a service whose own change and a
    lifecycle move must commit together (an incident that suspends what it names)."""
    try:
        target_status = LifecycleStatus(target)
    except ValueError:
        allowed = ", ".join(s.value for s in LifecycleStatus)
        raise InvalidInput(f"status '{target}' is unknown; statuses are: {allowed}") from None
    actor = tx.actor
    row = _load(tx, system_id)
    source = LifecycleStatus(row.status)
    check_transition(
        system_id=system_id,
        source=source,
        target=target_status,
        actor=actor.username,
        actor_roles=[r.value for r in actor.roles],
        owner=row.owner,
        reason=reason,
    )
    details: dict[str, Any] = {"from": source.value, "to": target_status.value}
    if target_status is LifecycleStatus.DEPLOYED:
        # The deploy guard: every adapter comes through here, so none can skip it.
        from ombud.services.gates import resolve_policy
        from ombud.services.reviews import deploy_clearance

        in_force = resolve_policy(tx.context).sha256  # only its runs open the gate
        details["clearance"] = deploy_clearance(tx.session, row, _now(), in_force).to_dict()
    before = system_snapshot(row)
    row.status = target_status.value
    row.updated_at = _now()
    tx.session.add(
        TransitionRow(
            system_id=system_id,
            source=source.value,
            target=target_status.value,
            reason=reason,
            actor=actor.username,
            at=row.updated_at,
        )
    )
    after = system_snapshot(row)
    tx.record(
        "system.transition",
        "ai_system",
        system_id,
        before=before.to_dict(),
        after=after.to_dict(),
        details={**details, "reason": reason},
    )
    return after


def _spec_dicts(specs: tuple[VersionSpec, ...]) -> list[dict[str, str]]:
    return [{"name": s.name, "uri": s.uri, "sha256": s.sha256} for s in specs]


def add_version(
    context: AppContext,
    actor: Actor,
    system_id: str,
    label: str,
    *,
    models: tuple[VersionSpec, ...] = (),
    training_data: tuple[VersionSpec, ...] = (),
    notes: str = "",
) -> SystemVersion:
    with context.write(actor) as tx:
        return _add_version(tx, system_id, label, models, training_data, notes)


def _add_version(
    tx: Tx,
    system_id: str,
    label: str,
    models: tuple[VersionSpec, ...],
    training_data: tuple[VersionSpec, ...],
    notes: str,
) -> SystemVersion:
    _may(tx, Action.SYSTEM_VERSION_ADD, system_id, _load(tx, system_id).owner)
    check_version_label(label)
    check_text(notes, "version notes")
    existing = tx.session.execute(
        select(SystemVersionRow).where(
            SystemVersionRow.system_id == system_id, SystemVersionRow.label == label
        )
    ).scalar_one_or_none()
    if existing is not None:
        raise ConflictError(
            f"'{system_id}' already has version '{label}'; versions are immutable, add a new label"
        )
    row = SystemVersionRow(
        system_id=system_id,
        label=label,
        models=_spec_dicts(models),
        training_data=_spec_dicts(training_data),
        notes=notes,
        created_by=tx.actor.username,
        created_at=_now(),
    )
    tx.session.add(row)
    snapshot = _version_snapshot(row)
    tx.record(
        "system.version.add",
        "system_version",
        f"{system_id}@{label}",
        before=None,
        after=snapshot.to_dict(),
    )
    return snapshot


def apply_manifest(context: AppContext, actor: Actor, manifest: SystemManifest) -> ManifestApplied:
    """Register or update from a manifest, adding versions it names that are new.

    Versions already recorded must match the manifest exactly: a version is immutable.
    """
    with context.write(actor) as tx:
        return apply_manifest_in(tx, manifest)


def apply_manifest_in(tx: Tx, manifest: SystemManifest) -> ManifestApplied:
    """``apply_manifest`` inside a caller's transaction (which checked the permission)."""
    row = tx.session.get(AISystemRow, manifest.system_id)
    if row is None:
        outcome = "registered"
        system = _register(tx, manifest.system_id, manifest.profile)
    else:
        before = system_snapshot(row)
        system = _update(tx, row, manifest.profile)
        outcome = "updated" if system != before else "unchanged"
    added = []
    for version in manifest.versions:
        existing = tx.session.execute(
            select(SystemVersionRow).where(
                SystemVersionRow.system_id == manifest.system_id,
                SystemVersionRow.label == version.label,
            )
        ).scalar_one_or_none()
        if existing is None:
            _add_version(
                tx,
                manifest.system_id,
                version.label,
                version.models,
                version.training_data,
                version.notes,
            )
            added.append(version.label)
        elif (existing.models, existing.training_data) != (
            _spec_dicts(version.models),
            _spec_dicts(version.training_data),
        ):
            raise ConflictError(
                f"version '{version.label}' of '{manifest.system_id}' is already recorded "
                "with other artifacts; versions are immutable, give the change a new label"
            )
    if added and outcome == "unchanged":
        outcome = "updated"
    return ManifestApplied(outcome, system, tuple(added))
