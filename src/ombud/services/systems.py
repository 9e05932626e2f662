"""Use cases of the AI-system inventory: register, update, version, move through the lifecycle."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import Select, func, select

from ombud.governance import (
    Action,
    ConflictError,
    InvalidInput,
    LifecycleStatus,
    NotFoundError,
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
from ombud.governance.gate import GateOutcome
from ombud.services.context import Actor, AppContext, Tx
from ombud.services.gates import latest_runs
from ombud.store.models import (
    AISystemRow,
    ClassificationRow,
    SystemVersionRow,
    TransitionRow,
    UserRow,
)
from ombud.store.models_reviews import GateEvaluationRow

__all__ = [
    "GATE_FILTERS",
    "NOT_RUN",
    "VERSION_LABEL_MAX",
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
    "transition_system",
    "update_system",
]


#: The longest version label kept (system_versions.label is VARCHAR(100)).
VERSION_LABEL_MAX = 100


def _now() -> datetime:
    return datetime.now(UTC)


def _profile_of(row: AISystemRow) -> SystemProfile:
    return SystemProfile.from_record(
        {name: getattr(row, name) for name in SystemProfile.field_names()}
    )


def system_snapshot(row: AISystemRow) -> dict[str, Any]:
    return {"id": row.id, "status": row.status, **_profile_of(row).to_dict()}


_PROFILE_FIELDS = SystemProfile.field_names()


def listed_system(row: AISystemRow) -> dict[str, Any]:
    """What ``system_snapshot`` gives, read straight from the row without re-validating.

    Rows are written only from a validated profile's ``to_dict()``, so re-validating
    them on every list (a thousand systems a page of the portfolio) bought nothing but
    time; a test holds the two equal.
    """
    item: dict[str, Any] = {"id": row.id, "status": row.status}
    for name in _PROFILE_FIELDS:
        value = getattr(row, name)
        item[name] = list(value) if isinstance(value, list | tuple) else value
    return item


def _version_snapshot(row: SystemVersionRow) -> dict[str, Any]:
    return {
        "label": row.label,
        "models": row.models,
        "training_data": row.training_data,
        "notes": row.notes,
        "created_by": row.created_by,
        "created_at": row.created_at.isoformat(),
    }


def _load(tx_or_session: Any, system_id: str) -> AISystemRow:
    session = tx_or_session.session if isinstance(tx_or_session, Tx) else tx_or_session
    row: AISystemRow | None = session.get(AISystemRow, system_id)
    if row is None:
        raise NotFoundError(
            f"no AI system '{system_id}' in this workspace; see `ombud system list`"
        )
    return row


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
) -> dict[str, Any]:
    check_system_id(system_id)
    with context.write(actor) as tx:
        return _register(tx, system_id, profile)


def _may(tx: Tx, action: Action, system_id: str, owner: str) -> None:
    authorize(tx.actor.username, tx.actor.roles, action, Target.system(system_id, owner))


def _register(tx: Tx, system_id: str, profile: SystemProfile) -> dict[str, Any]:
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
    tx.record("system.register", "ai_system", system_id, before=None, after=snapshot)
    return snapshot


def update_system(
    context: AppContext,
    actor: Actor,
    system_id: str,
    changes: dict[str, Any],
    *,
    expected_version: int | None = None,
) -> dict[str, Any]:
    with context.write(actor) as tx:
        row = _load(tx, system_id)
        if expected_version is not None and row.row_version != expected_version:
            raise ConflictError(
                f"'{system_id}' is at revision {row.row_version}, you edited revision "
                f"{expected_version}; reload and try again"
            )
        return _update(tx, row, _profile_of(row).with_changes(changes))


def _update(tx: Tx, row: AISystemRow, profile: SystemProfile) -> dict[str, Any]:
    # Decided on the current owner: an owner may hand a system over, never take one.
    _may(tx, Action.SYSTEM_UPDATE, row.id, row.owner)
    before = system_snapshot(row)
    _check_owner(tx, profile.owner)
    _apply_profile(row, profile)
    after = system_snapshot(row)
    if after == before:
        return after
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
    return after


def transition_system(
    context: AppContext, actor: Actor, system_id: str, target: str, reason: str
) -> dict[str, Any]:
    try:
        target_status = LifecycleStatus(target)
    except ValueError:
        allowed = ", ".join(s.value for s in LifecycleStatus)
        raise InvalidInput(f"status '{target}' is unknown; statuses are: {allowed}") from None
    with context.write(actor) as tx:
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
            details["clearance"] = deploy_clearance(tx.session, row, _now(), in_force)
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
            before=before,
            after=after,
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
) -> dict[str, Any]:
    with context.write(actor) as tx:
        return _add_version(tx, system_id, label, models, training_data, notes)


def _add_version(
    tx: Tx,
    system_id: str,
    label: str,
    models: tuple[VersionSpec, ...],
    training_data: tuple[VersionSpec, ...],
    notes: str,
) -> dict[str, Any]:
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
        "system.version.add", "system_version", f"{system_id}@{label}", before=None, after=snapshot
    )
    return snapshot


def apply_manifest(
    context: AppContext, actor: Actor, manifest: SystemManifest
) -> tuple[str, dict[str, Any], list[str]]:
    """Register or update from a manifest, adding versions it names that are new.

    Returns ("registered" | "updated" | "unchanged", the system, the new version labels).
    Versions already recorded must match the manifest exactly: a version is immutable.
    """
    with context.write(actor) as tx:
        return apply_manifest_in(tx, manifest)


def apply_manifest_in(tx: Tx, manifest: SystemManifest) -> tuple[str, dict[str, Any], list[str]]:
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
    return outcome, system, added


_Query = TypeVar("_Query", bound=Select[*tuple[Any, ...]])
NOT_RUN = "not run"
GATE_FILTERS = (*(o.value for o in GateOutcome), NOT_RUN)


def _latest_classifications() -> Any:
    """(system_id, id) of each system's latest classification, as one aggregate."""
    return (
        select(ClassificationRow.system_id, func.max(ClassificationRow.id).label("id"))
        .group_by(ClassificationRow.system_id)
        .subquery("latest_classifications")
    )


def _filtered(query: _Query, status: str | None, gate: str | None) -> _Query:
    if status:
        query = query.where(AISystemRow.status == status)
    if gate:
        if gate not in GATE_FILTERS:
            raise InvalidInput(f"gate outcome '{gate}' is unknown; use {', '.join(GATE_FILTERS)}")
        latest = latest_runs()
        runs = (
            select(GateEvaluationRow.system_id, GateEvaluationRow.outcome)
            .join(latest, latest.c.id == GateEvaluationRow.id)
            .subquery("latest_outcomes")
        )
        if gate == NOT_RUN:
            query = query.outerjoin(runs, runs.c.system_id == AISystemRow.id).where(
                runs.c.system_id.is_(None)
            )
        else:
            query = query.join(runs, runs.c.system_id == AISystemRow.id).where(
                runs.c.outcome == gate
            )
    return query


def list_systems(
    context: AppContext,
    *,
    status: str | None = None,
    gate: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Systems by id with their latest tier and EU AI Act category, in one query.

    ``gate`` keeps systems whose latest gate run had that outcome (or ``not run``);
    ``limit``/``offset`` page through the result.
    """
    latest = _latest_classifications()
    query = (
        select(AISystemRow, ClassificationRow.tier, ClassificationRow.eu_category)
        .outerjoin(latest, latest.c.system_id == AISystemRow.id)
        .outerjoin(ClassificationRow, ClassificationRow.id == latest.c.id)
        .order_by(AISystemRow.id)
    )
    query = _filtered(query, status, gate).limit(limit).offset(offset)
    with context.read() as session:
        systems = []
        for row, tier, eu_category in session.execute(query):
            item = listed_system(row)
            item["tier"] = tier
            item["eu_category"] = eu_category
            systems.append(item)
        return systems


def count_systems(
    context: AppContext, *, status: str | None = None, gate: str | None = None
) -> int:
    """How many systems ``list_systems`` would return without a limit."""
    query = _filtered(select(func.count(AISystemRow.id)), status, gate)
    with context.read() as session:
        return int(session.execute(query).scalar_one())


def portfolio_counts(context: AppContext) -> dict[str, dict[Any, Any]]:
    """Systems counted by lifecycle status, latest tier and latest EU AI Act category (the
    key ``None`` for unclassified), in one grouped query over the whole portfolio; and
    ``tier_label``, each counted tier's label as its classification recorded it."""
    latest = _latest_classifications()
    query = (
        select(
            AISystemRow.status,
            ClassificationRow.tier,
            ClassificationRow.eu_category,
            ClassificationRow.tier_label,
            func.count(),
        )
        .outerjoin(latest, latest.c.system_id == AISystemRow.id)
        .outerjoin(ClassificationRow, ClassificationRow.id == latest.c.id)
        .group_by(
            AISystemRow.status,
            ClassificationRow.tier,
            ClassificationRow.eu_category,
            ClassificationRow.tier_label,
        )
    )
    counts: dict[str, dict[Any, Any]] = {
        "status": {},
        "tier": {},
        "eu_category": {},
        "tier_label": {},
    }
    with context.read() as session:
        for status, tier, category, tier_label, count in session.execute(query):
            for key, value in (("status", status), ("tier", tier), ("eu_category", category)):
                counts[key][value] = counts[key].get(value, 0) + count
            if tier is not None:
                counts["tier_label"].setdefault(tier, tier_label)
    return counts


def _latest_classification(session: Any, system_id: str) -> ClassificationRow | None:
    row: ClassificationRow | None = session.execute(
        select(ClassificationRow)
        .where(ClassificationRow.system_id == system_id)
        .order_by(ClassificationRow.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    return row


def get_system(context: AppContext, system_id: str) -> dict[str, Any]:
    with context.read() as session:
        row = _load(session, system_id)
        data = system_snapshot(row)
        data["row_version"] = row.row_version
        data["created_at"] = row.created_at.isoformat()
        data["updated_at"] = row.updated_at.isoformat()
        versions = session.execute(
            select(SystemVersionRow)
            .where(SystemVersionRow.system_id == system_id)
            .order_by(SystemVersionRow.id)
        ).scalars()
        data["versions"] = [_version_snapshot(v) for v in versions]
        transitions = session.execute(
            select(TransitionRow)
            .where(TransitionRow.system_id == system_id)
            .order_by(TransitionRow.id)
        ).scalars()
        data["transitions"] = [
            {
                "from": t.source,
                "to": t.target,
                "reason": t.reason,
                "actor": t.actor,
                "at": t.at.isoformat(),
            }
            for t in transitions
        ]
        latest = _latest_classification(session, system_id)
        data["classification"] = (
            {
                "catalog_version": latest.catalog_version,
                "eu_category": latest.eu_category,
                "tier": latest.tier,
                "tier_label": latest.tier_label,
                "tier_reasons": latest.tier_reasons,
                "result": latest.result,
                "created_at": latest.created_at.isoformat(),
                "created_by": latest.created_by,
            }
            if latest
            else None
        )
        return data
