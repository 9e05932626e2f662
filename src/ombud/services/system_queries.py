"""Reading the AI-system inventory: one system with its versions, the filtered and paged
list, the portfolio counts, and the row shapes the writes return too.

Split from ``systems`` (the writes), which re-exports these names.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Select, func, select

from ombud.governance import InvalidInput, NotFoundError, SystemProfile
from ombud.governance.gate import GateOutcome
from ombud.services.context import AppContext, Tx
from ombud.services.gates import latest_runs
from ombud.services.system_records import (
    LatestClassification,
    ListedSystem,
    PortfolioCounts,
    SystemDetail,
    SystemRecord,
    SystemTransition,
    SystemVersion,
)
from ombud.store.models import AISystemRow, ClassificationRow, SystemVersionRow, TransitionRow
from ombud.store.models_reviews import GateEvaluationRow

__all__ = [
    "GATE_FILTERS",
    "NOT_RUN",
    "count_systems",
    "get_system",
    "latest_classification_row",
    "latest_classifications",
    "list_systems",
    "listed_system",
    "load_system",
    "portfolio_counts",
    "profile_of",
    "system_snapshot",
    "version_snapshot",
]


def profile_of(row: AISystemRow) -> SystemProfile:
    return SystemProfile.from_record(
        {name: getattr(row, name) for name in SystemProfile.field_names()}
    )


_PROFILE_FIELDS = SystemProfile.field_names()


def _profile_fields(source: Any) -> dict[str, Any]:
    """The profile's fields of a row or a profile, lists as tuples (records are frozen)."""
    return {
        name: tuple(value) if isinstance(value, list | tuple) else value
        for name in _PROFILE_FIELDS
        for value in (getattr(source, name),)
    }


def system_snapshot(row: AISystemRow) -> SystemRecord:
    """The record as its validated profile states it (what the audit log records)."""
    return SystemRecord.of(row.id, row.status, profile_of(row))


def listed_system(row: AISystemRow) -> SystemRecord:
    """What ``system_snapshot`` gives, read straight from the row without re-validating.

    Rows are written only from a validated profile's ``to_dict()``, so re-validating
    them on every list (a thousand systems a page of the portfolio) bought nothing but
    time; a test holds the two equal.
    """
    return SystemRecord.from_row(row)


def version_snapshot(row: SystemVersionRow) -> SystemVersion:
    return SystemVersion.from_row(row)


def load_system(tx_or_session: Any, system_id: str) -> AISystemRow:
    session = tx_or_session.session if isinstance(tx_or_session, Tx) else tx_or_session
    row: AISystemRow | None = session.get(AISystemRow, system_id)
    if row is None:
        raise NotFoundError(
            f"no AI system '{system_id}' in this workspace; see `ombud system list`"
        )
    return row


_Query = TypeVar("_Query", bound=Select[*tuple[Any, ...]])
NOT_RUN = "not run"
GATE_FILTERS = (*(o.value for o in GateOutcome), NOT_RUN)


def latest_classifications() -> Any:
    """(system_id, id) of each system's latest classification, as one aggregate: join it
    to read every system's current classification in one query."""
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
) -> list[ListedSystem]:
    """Systems by id with their latest tier and EU AI Act category, in one query.

    ``gate`` keeps systems whose latest gate run had that outcome (or ``not run``);
    ``limit``/``offset`` page through the result.
    """
    latest = latest_classifications()
    query = (
        select(AISystemRow, ClassificationRow.tier, ClassificationRow.eu_category)
        .outerjoin(latest, latest.c.system_id == AISystemRow.id)
        .outerjoin(ClassificationRow, ClassificationRow.id == latest.c.id)
        .order_by(AISystemRow.id)
    )
    query = _filtered(query, status, gate).limit(limit).offset(offset)
    with context.read() as session:
        return [
            ListedSystem(
                id=row.id,
                status=row.status,
                **_profile_fields(row),
                tier=tier,
                eu_category=eu_category,
            )
            for row, tier, eu_category in session.execute(query)
        ]


def count_systems(
    context: AppContext, *, status: str | None = None, gate: str | None = None
) -> int:
    """How many systems ``list_systems`` would return without a limit."""
    query = _filtered(select(func.count(AISystemRow.id)), status, gate)
    with context.read() as session:
        return int(session.execute(query).scalar_one())


def portfolio_counts(context: AppContext) -> PortfolioCounts:
    """Systems counted by lifecycle status, latest tier and latest EU AI Act category (the
    key ``None`` for unclassified), in one grouped query over the whole portfolio; and
    ``tier_label``, each counted tier's label as its classification recorded it."""
    latest = latest_classifications()
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
    by_status: dict[str, int] = {}
    by_tier: dict[int | None, int] = {}
    by_category: dict[str | None, int] = {}
    labels: dict[int, str] = {}
    with context.read() as session:
        for status, tier, category, tier_label, count in session.execute(query):
            by_status[status] = by_status.get(status, 0) + count
            by_tier[tier] = by_tier.get(tier, 0) + count
            by_category[category] = by_category.get(category, 0) + count
            if tier is not None:
                labels.setdefault(tier, tier_label)
    return PortfolioCounts(by_status, by_tier, by_category, labels)


def latest_classification_row(session: Any, system_id: str) -> ClassificationRow | None:
    """One system's newest classification row, or None if it was never classified."""
    row: ClassificationRow | None = session.execute(
        select(ClassificationRow)
        .where(ClassificationRow.system_id == system_id)
        .order_by(ClassificationRow.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    return row


def get_system(context: AppContext, system_id: str) -> SystemDetail:
    with context.read() as session:
        row = load_system(session, system_id)
        versions = session.execute(
            select(SystemVersionRow)
            .where(SystemVersionRow.system_id == system_id)
            .order_by(SystemVersionRow.id)
        ).scalars()
        transitions = session.execute(
            select(TransitionRow)
            .where(TransitionRow.system_id == system_id)
            .order_by(TransitionRow.id)
        ).scalars()
        latest = latest_classification_row(session, system_id)
        return SystemDetail(
            id=row.id,
            status=row.status,
            **_profile_fields(profile_of(row)),
            row_version=row.row_version,
            created_at=row.created_at,
            updated_at=row.updated_at,
            versions=tuple(SystemVersion.from_row(v) for v in versions),
            transitions=tuple(SystemTransition.from_row(t) for t in transitions),
            classification=LatestClassification.from_row(latest) if latest else None,
        )
