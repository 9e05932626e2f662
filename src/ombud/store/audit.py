"""The append-only, hash-chained audit log.

Each event stores the hash of the one before it, and its own hash is an HMAC over its
canonical JSON with a key kept in the workspace folder, outside the database. Editing,
deleting or reordering a row breaks the chain; forging a new row (even with a
recomputed chain) needs the key, which a database administrator does not have.
``verify_chain`` names the first event that does not fit.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ombud.store.models import AuditEventRow, AuditHeadRow

__all__ = [
    "GENESIS",
    "ChainReport",
    "append_event",
    "canonical_json",
    "digest",
    "event_hash",
    "verify_chain",
]

GENESIS = "0" * 64
_HASHED_FIELDS = (
    "seq",
    "event_id",
    "at",
    "actor",
    "action",
    "entity_type",
    "entity_id",
    "before_digest",
    "after_digest",
    "request_id",
    "details",
    "prev_hash",
)


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def digest(snapshot: Mapping[str, Any] | None) -> str | None:
    """A content digest of an entity's state, so the log proves what changed without copying it."""
    if snapshot is None:
        return None
    return hashlib.sha256(canonical_json(snapshot).encode()).hexdigest()


def event_hash(key: bytes, fields: Mapping[str, Any]) -> str:
    payload_fields = {name: fields[name] for name in _HASHED_FIELDS}
    if fields.get("state") is not None:
        # Events written before state digests existed have none and hash as they did.
        payload_fields["state"] = fields["state"]
    payload = canonical_json(payload_fields)
    return hmac.new(key, payload.encode(), hashlib.sha256).hexdigest()


def append_event(
    session: Session,
    key: bytes,
    *,
    actor: str,
    action: str,
    entity_type: str,
    entity_id: str,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
    request_id: str,
    details: Mapping[str, Any] | None = None,
    state: Mapping[str, str | None] | None = None,
) -> AuditEventRow:
    """Append one event in the caller's transaction, after locking the chain head.

    ``state`` maps each tracked row this change touched (``table:pk``) to the digest of
    the row as stored now (None once deleted); see ``audit_state``.
    """
    head = session.execute(
        select(AuditHeadRow).where(AuditHeadRow.id == 1).with_for_update()
    ).scalar_one_or_none()
    if head is None:
        head = AuditHeadRow(id=1, seq=0, hash=GENESIS)
        session.add(head)
    fields: dict[str, Any] = {
        "seq": head.seq + 1,
        "event_id": str(uuid.uuid4()),
        "at": datetime.now(UTC).isoformat(timespec="microseconds"),
        "actor": actor,
        "action": action,
        "entity_type": entity_type,
        "entity_id": entity_id,
        "before_digest": digest(before),
        "after_digest": digest(after),
        "request_id": request_id,
        "details": json.loads(canonical_json(dict(details or {}))),
        "prev_hash": head.hash,
        "state": dict(state) if state else None,
    }
    row = AuditEventRow(**fields, hash=event_hash(key, fields))
    session.add(row)
    head.seq = row.seq
    head.hash = row.hash
    session.flush()
    return row


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    events: int
    head_hash: str
    first_bad_seq: int | None = None
    problem: str = ""


def _fields(row: AuditEventRow) -> dict[str, Any]:
    return {name: getattr(row, name) for name in (*_HASHED_FIELDS, "state")}


def verify_chain(
    rows: Iterable[AuditEventRow], key: bytes, head: AuditHeadRow | None
) -> ChainReport:
    """Walk the events in sequence order and report the first one that breaks the chain."""
    previous_hash = GENESIS
    expected_seq = 1
    count = 0
    for row in rows:
        if row.seq != expected_seq:
            return ChainReport(
                False,
                count,
                previous_hash,
                expected_seq,
                f"event #{expected_seq} is missing (next found is #{row.seq}): "
                "rows were deleted or reordered",
            )
        if row.prev_hash != previous_hash:
            return ChainReport(
                False,
                count,
                previous_hash,
                row.seq,
                f"event #{row.seq} does not follow event #{row.seq - 1}: "
                "an event before it was deleted, reordered or replaced",
            )
        if not hmac.compare_digest(event_hash(key, _fields(row)), row.hash):
            return ChainReport(
                False,
                count,
                previous_hash,
                row.seq,
                f"event #{row.seq} was altered or forged: its content does not "
                "match its keyed hash",
            )
        previous_hash = row.hash
        expected_seq += 1
        count += 1
    head_seq = head.seq if head else 0
    head_hash = head.hash if head else GENESIS
    if head_seq != count or head_hash != previous_hash:
        return ChainReport(
            False,
            count,
            previous_hash,
            count + 1 if head_seq > count else head_seq,
            f"the chain head records {head_seq} events ending in "
            f"{head_hash[:12]}…, but the log holds {count} ending in "
            f"{previous_hash[:12]}…: events at the end were deleted or the head "
            "was rewritten",
        )
    return ChainReport(True, count, previous_hash)
