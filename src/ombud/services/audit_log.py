"""Reading and proving the audit log."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import sqlalchemy.exc
from sqlalchemy import select, text

from ombud.services.context import AppContext
from ombud.store import ChainReport, verify_chain
from ombud.store.audit import GENESIS
from ombud.store.models import AuditEventRow, AuditHeadRow

__all__ = ["event_dict", "iter_events", "last_seq", "verify_log"]


def event_dict(row: AuditEventRow) -> dict[str, Any]:
    return {
        "seq": row.seq,
        "event_id": row.event_id,
        "at": row.at,
        "actor": row.actor,
        "action": row.action,
        "entity_type": row.entity_type,
        "entity_id": row.entity_id,
        "before_digest": row.before_digest,
        "after_digest": row.after_digest,
        "request_id": row.request_id,
        "details": row.details,
        "prev_hash": row.prev_hash,
        "hash": row.hash,
    }


def last_seq(context: AppContext) -> int:
    """The sequence number of the newest audit event (0 for an empty log).

    Every change to the record appends an event in the same transaction, so this number
    changes whenever anything a page shows may have changed: a cheap, exact change key.
    """
    with context.read() as session:
        head = session.get(AuditHeadRow, 1)
        return head.seq if head is not None else 0


def verify_log(context: AppContext) -> ChainReport:
    """Prove the chain; a log that cannot even be read is reported broken, not raised.

    A dropped audit table or a ``details`` value that is not JSON (only possible on
    SQLite, which does not check JSON columns) is damage to the log like any other
    tampering: the report names it and, where it can, the first bad event.
    """
    try:
        return _verify(context)
    except (sqlalchemy.exc.OperationalError, sqlalchemy.exc.ProgrammingError) as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        return ChainReport(
            False,
            0,
            GENESIS,
            None,
            f"the audit log is damaged: it cannot be read ({reason}); restore the "
            "database from a backup",
        )
    except ValueError:
        seq = _first_unreadable_seq(context)
        where = f"first bad event #{seq}" if seq is not None else "first bad event unknown"
        return ChainReport(
            False,
            0,
            GENESIS,
            seq,
            f"the audit log is damaged: an event's details are not JSON ({where}); "
            "restore the database from a backup",
        )


def _first_unreadable_seq(context: AppContext) -> int | None:
    """The first event whose stored ``details`` text does not parse as JSON."""
    with context.read() as session:
        rows = session.execute(text("SELECT seq, details FROM audit_events ORDER BY seq"))
        for seq, details in rows:
            if isinstance(details, str | bytes):
                try:
                    json.loads(details)
                except ValueError:
                    return int(seq)
    return None


def _verify(context: AppContext) -> ChainReport:
    with context.read() as session:
        head = session.get(AuditHeadRow, 1)
        result = session.execute(
            select(AuditEventRow).order_by(AuditEventRow.seq).execution_options(yield_per=1000)
        )
        try:
            return verify_chain(result.scalars(), context.chain_key, head)
        finally:
            result.close()  # verification may stop early; release the server-side cursor


def iter_events(
    context: AppContext,
    *,
    entity_id: str | None = None,
    action: str | None = None,
    limit: int | None = None,
) -> Iterator[dict[str, Any]]:
    with context.read() as session:
        query = select(AuditEventRow).order_by(AuditEventRow.seq)
        if entity_id:
            query = query.where(
                (AuditEventRow.entity_id == entity_id)
                | AuditEventRow.entity_id.startswith(entity_id + "@")
            )
        if action:
            query = query.where(AuditEventRow.action.startswith(action))
        if limit:
            query = query.order_by(None).order_by(AuditEventRow.seq.desc()).limit(limit)
        rows = list(session.execute(query).scalars())
        if limit:
            rows.reverse()
        for row in rows:
            yield event_dict(row)
