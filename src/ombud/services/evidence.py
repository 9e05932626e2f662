"""Recording what an engine measured as Evidence on a system version.

Artifacts go to the content-addressed store inside the transaction, once the system,
the version and the permission are checked; the database row and its audit event then
commit together. A transaction failing after that point (a lost race, a full disk)
can leave an unreferenced artifact file behind, never a row pointing at a missing file;
a refused request leaves nothing.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from ombud import __version__
from ombud.governance import Action, InvalidInput, NotFoundError, Target, authorize, check_text
from ombud.records import EvidenceDraft
from ombud.services.context import Actor, AppContext, Tx, load_actor
from ombud.store.models import AISystemRow, ArtifactRow, EvidenceRow, SystemVersionRow

__all__ = [
    "Evidence",
    "EvidenceIndex",
    "check_evidence_target",
    "evidence_dict",
    "evidence_of",
    "evidence_overview",
    "insert_evidence",
    "list_evidence",
    "record_evidence",
]


def _finite(metrics: dict[str, float]) -> dict[str, float | None]:
    """JSON has no NaN: an undefined metric is stored as null (its reason lives in verdicts)."""
    return {k: (float(v) if math.isfinite(float(v)) else None) for k, v in metrics.items()}


@dataclass(frozen=True)
class Evidence:
    """One recorded piece of evidence, as the services hand it to adapters.

    ``metrics``, ``verdicts`` and ``parameters`` are the engine's own free-form tables;
    the record's fields are attributes. Timestamps are ISO 8601 text in UTC, as the API
    has always sent them.
    """

    id: int
    system_id: str
    version: str
    kind: str
    summary: str
    engine: str
    engine_version: str
    metrics: Mapping[str, float | None]
    verdicts: Mapping[str, Any]
    parameters: Mapping[str, Any]
    inputs: tuple[Mapping[str, Any], ...]
    artifacts: tuple[Mapping[str, Any], ...]
    created_by: str
    created_at: str
    expires_at: str | None

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of the API and of ``--json`` (unchanged since 0.1)."""
        return {
            "id": self.id,
            "system_id": self.system_id,
            "version": self.version,
            "kind": self.kind,
            "summary": self.summary,
            "engine": self.engine,
            "engine_version": self.engine_version,
            "metrics": dict(self.metrics),
            "verdicts": dict(self.verdicts),
            "parameters": dict(self.parameters),
            "inputs": [dict(i) for i in self.inputs],
            "artifacts": [dict(a) for a in self.artifacts],
            "created_by": self.created_by,
            "created_at": self.created_at,
            "expires_at": self.expires_at,
        }


@dataclass(frozen=True)
class EvidenceIndex:
    """An evidence record listed without its tables (see :func:`evidence_overview`)."""

    id: int
    kind: str
    version: str
    summary: str
    engine: str
    engine_version: str
    created_at: str


def evidence_of(row: EvidenceRow, version_label: str) -> Evidence:
    return Evidence(
        id=row.id,
        system_id=row.system_id,
        version=version_label,
        kind=row.kind,
        summary=row.summary,
        engine=row.engine,
        engine_version=row.engine_version,
        metrics=dict(row.metrics or {}),
        verdicts=dict(row.verdicts or {}),
        parameters=dict(row.parameters or {}),
        inputs=tuple(row.inputs or ()),
        artifacts=tuple(row.artifacts or ()),
        created_by=row.created_by,
        created_at=row.created_at.isoformat(),
        expires_at=row.expires_at.isoformat() if row.expires_at else None,
    )


def evidence_dict(row: EvidenceRow, version_label: str) -> dict[str, Any]:
    """The JSON shape of one row (a review's evidence pack embeds it)."""
    return evidence_of(row, version_label).to_dict()


def _authorize(session: Any, actor: Actor, system_id: str) -> None:
    """The permission as the database says it is now: roles are read in this transaction,
    so a role revoked while a long engine run was going on is already in force."""
    system = session.get(AISystemRow, system_id)
    if system is None:
        raise NotFoundError(f"no AI system '{system_id}'; see `ombud system list`")
    target = Target.system(system_id, system.owner)
    current = load_actor(session, actor.username)
    authorize(current.username, current.roles, Action.EVIDENCE_RECORD, target)


def _version_row(session: Any, system_id: str, version_label: str) -> SystemVersionRow:
    if session.get(AISystemRow, system_id) is None:
        raise NotFoundError(f"no AI system '{system_id}'; see `ombud system list`")
    version: SystemVersionRow | None = session.execute(
        select(SystemVersionRow).where(
            SystemVersionRow.system_id == system_id, SystemVersionRow.label == version_label
        )
    ).scalar_one_or_none()
    if version is None:
        raise InvalidInput(
            f"'{system_id}' has no version '{version_label}'; add it with "
            f"`ombud system version add {system_id} {version_label}`"
        )
    return version


def check_evidence_target(
    context: AppContext, actor: Actor, system_id: str, version_label: str
) -> None:
    """Refuse now what ``record_evidence`` would refuse later: the permission, an unknown
    system or version. An engine run checks this before its work (a long audit must not
    end in "no such version"); ``record_evidence`` checks it again in its transaction."""
    with context.read() as session:
        _authorize(session, actor, system_id)
        _version_row(session, system_id, version_label)


def record_evidence(
    context: AppContext,
    actor: Actor,
    system_id: str,
    version_label: str,
    draft: EvidenceDraft,
    *,
    valid_for_days: int | None = 365,
) -> Evidence:
    """Store ``draft`` against one version of a system; returns the recorded evidence.

    ``valid_for_days``: how long it counts (at least 1), or None for no expiry.
    """
    _check_draft(draft, valid_for_days)
    with context.write(actor) as tx:
        return insert_evidence(tx, system_id, version_label, draft, valid_for_days=valid_for_days)


def _check_draft(draft: EvidenceDraft, valid_for_days: int | None) -> None:
    check_text(draft.summary, "the evidence summary")
    if valid_for_days is not None and valid_for_days < 1:
        raise InvalidInput(
            f"evidence must stay valid for at least 1 day, got {valid_for_days}; "
            "evidence that has already expired cannot count"
        )


def insert_evidence(
    tx: Tx,
    system_id: str,
    version_label: str,
    draft: EvidenceDraft,
    *,
    valid_for_days: int | None = 365,
) -> Evidence:
    """``record_evidence`` inside the caller's transaction: a run whose evidence and
    consequences (the findings a monitoring check opens) must commit or vanish together."""
    _check_draft(draft, valid_for_days)
    context, actor = tx.context, tx.actor
    now = datetime.now(UTC)
    _authorize(tx.session, actor, system_id)
    version = _version_row(tx.session, system_id, version_label)
    # Artifacts are written only once the record is known to be acceptable.
    stored = []
    for artifact in draft.artifacts:
        sha = context.artifacts.put(artifact.content)
        stored.append(
            {
                "name": artifact.name,
                "media_type": artifact.media_type,
                "sha256": sha,
                "size": len(artifact.content),
            }
        )
    for item in stored:
        if tx.session.get(ArtifactRow, item["sha256"]) is None:
            tx.session.add(
                ArtifactRow(
                    sha256=item["sha256"],
                    size=item["size"],
                    media_type=item["media_type"],
                    created_at=now,
                )
            )
    row = EvidenceRow(
        system_id=system_id,
        version_id=version.id,
        kind=draft.kind,
        summary=draft.summary,
        engine=draft.engine,
        engine_version=draft.engine_version or __version__,
        metrics=_finite(dict(draft.metrics)),
        verdicts={k: str(v) for k, v in draft.verdicts.items()},
        parameters=dict(draft.parameters),
        inputs=[
            {"name": i.name, "sha256": i.sha256, "rows": i.rows, "description": i.description}
            for i in draft.inputs
        ],
        artifacts=stored,
        created_by=actor.username,
        created_at=now,
        expires_at=(now + timedelta(days=valid_for_days) if valid_for_days is not None else None),
    )
    tx.session.add(row)
    tx.session.flush()
    result = evidence_of(row, version_label)
    tx.record(
        "evidence.record",
        "evidence",
        f"{system_id}@{version_label}#{row.id}",
        before=None,
        after=result.to_dict(),
        details={
            "kind": draft.kind,
            "metrics": len(draft.metrics),
            "verdicts": len(draft.verdicts),
        },
    )
    return result


def list_evidence(
    context: AppContext, system_id: str, *, limit: int | None = None, offset: int = 0
) -> list[Evidence]:
    """A system's evidence, oldest first; ``limit``/``offset`` page through it."""
    with context.read() as session:
        rows = session.execute(
            select(EvidenceRow, SystemVersionRow.label)
            .join(SystemVersionRow, EvidenceRow.version_id == SystemVersionRow.id)
            .where(EvidenceRow.system_id == system_id)
            .order_by(EvidenceRow.id)
            .limit(limit)
            .offset(offset)
        ).all()
        return [evidence_of(row, label) for row, label in rows]


def evidence_overview(
    context: AppContext, system_id: str, *, full: int
) -> tuple[list[Evidence], list[EvidenceIndex]]:
    """A system's evidence newest first: the ``full`` newest records complete, the rest
    as index rows (id, kind, version, summary, engine, when) without their metrics.

    A system page shows the newest in detail and lists the rest; decoding a hundred
    metric tables only to list them was most of that page's database time.
    """
    with context.read() as session:
        newest = session.execute(
            select(EvidenceRow, SystemVersionRow.label)
            .join(SystemVersionRow, EvidenceRow.version_id == SystemVersionRow.id)
            .where(EvidenceRow.system_id == system_id)
            .order_by(EvidenceRow.id.desc())
            .limit(full)
        ).all()
        detailed = [evidence_of(row, label) for row, label in newest]
        oldest_shown = detailed[-1].id if len(detailed) == full else None
        rest: list[EvidenceIndex] = []
        if oldest_shown is not None:
            rest = [
                EvidenceIndex(
                    id=row.id,
                    kind=row.kind,
                    version=row.label,
                    summary=row.summary,
                    engine=row.engine,
                    engine_version=row.engine_version,
                    created_at=row.created_at.isoformat(),
                )
                for row in session.execute(
                    select(
                        EvidenceRow.id,
                        EvidenceRow.kind,
                        SystemVersionRow.label,
                        EvidenceRow.summary,
                        EvidenceRow.engine,
                        EvidenceRow.engine_version,
                        EvidenceRow.created_at,
                    )
                    .join(SystemVersionRow, EvidenceRow.version_id == SystemVersionRow.id)
                    .where(EvidenceRow.system_id == system_id, EvidenceRow.id < oldest_shown)
                    .order_by(EvidenceRow.id.desc())
                )
            ]
    return detailed, rest
