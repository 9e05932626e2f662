"""State digests: the audit log vouches for the records as they are, not only for itself.

The hash chain proves that nobody rewrote the log; it says nothing about a business row
edited behind the services' back (an evidence verdict flipped in the database file). So
every write made through a ``Tx`` also records, in its audit event, the sha256 of each
tracked row it changed, read back from the database through the same query that
``ombud audit-log verify --state`` later runs. Writing and checking share one function,
so the two cannot disagree about types, time zones or JSON key order.

Why the rows are read back rather than digested from the Python objects: a value as the
application set it (a naive datetime, a tuple in a JSON column, a server default not yet
loaded) can differ from what the database returns, and only the latter can be
recomputed later.

Tracked: the tables that make up the governance record. Not tracked: sessions, API
tokens, passwords and the login throttle (they churn on every request by design and carry
no governance fact), the artifact index (artifacts are content-addressed, their name is
their digest) and the audit tables themselves.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, event, select
from sqlalchemy.orm import Session, sessionmaker

from ombud.store.audit import canonical_json
from ombud.store.models import Base

__all__ = [
    "TRACKED_TABLES",
    "all_row_states",
    "install_state_tracking",
    "pending_state",
    "row_state_digest",
]

TRACKED_TABLES: tuple[str, ...] = (
    "users",
    "ai_systems",
    "system_versions",
    "lifecycle_transitions",
    "classifications",
    "classification_requests",
    "evidence",
    "gate_evaluations",
    "reviews",
    "review_assignments",
    "review_votes",
    "risk_acceptances",
    "findings",
    "incidents",
    "incident_systems",
    "incident_findings",
    "incident_entries",
    "incident_notifications",
    "monitors",
    "monitor_windows",
)

_CHANGES = "ombud_state_changes"


def _table(name: str) -> Table:
    return Base.metadata.tables[name]


def _plain(value: Any) -> Any:
    """A JSON-stable form of a column value as the database returned it."""
    if isinstance(value, datetime):
        if value.tzinfo is None:  # UTCDateTime stores UTC; a naive value is UTC
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    return value


def _digest_of(mapping: Mapping[Any, Any]) -> str:
    payload = {name: _plain(value) for name, value in mapping.items()}
    return hashlib.sha256(canonical_json(payload).encode()).hexdigest()


def _key(table: Table, row: Mapping[Any, Any]) -> str:
    pk = "/".join(str(row[column.name]) for column in table.primary_key.columns)
    return f"{table.name}:{pk}"


def row_state_digest(session: Session, table_name: str, pk: tuple[Any, ...]) -> str | None:
    """The digest of one row as stored now, or None when it no longer exists."""
    table = _table(table_name)
    condition = [
        column == value for column, value in zip(table.primary_key.columns, pk, strict=True)
    ]
    row = session.execute(select(table).where(*condition)).mappings().one_or_none()
    return None if row is None else _digest_of(row)


def all_row_states(session: Session) -> Iterator[tuple[str, str]]:
    """(key, digest) of every tracked row, for ``verify --state``."""
    for name in TRACKED_TABLES:
        table = _table(name)
        result = session.execute(select(table).execution_options(yield_per=1000)).mappings()
        try:
            for row in result:
                yield _key(table, row), _digest_of(row)
        finally:
            result.close()


def _remember(session: Session, _flush_context: object) -> None:
    """after_flush: note which tracked rows this flush inserted, updated or deleted."""
    changes: set[tuple[str, tuple[Any, ...]]] = session.info.setdefault(_CHANGES, set())
    # A "dirty" object may carry no net change (an attribute set to the value it had):
    # no UPDATE is issued for it, so nothing needs vouching for.
    dirty = [i for i in session.dirty if session.is_modified(i, include_collections=False)]
    for instance in (*session.new, *dirty, *session.deleted):
        table = getattr(instance, "__table__", None)
        if not isinstance(table, Table) or table.name not in TRACKED_TABLES:
            continue
        pk = tuple(getattr(instance, column.key) for column in instance.__mapper__.primary_key)
        changes.add((table.name, pk))


def install_state_tracking(factory: sessionmaker[Session]) -> None:
    """Listen to the flushes of this factory's sessions (and of no other)."""
    event.listen(factory, "after_flush", _remember)


def pending_state(session: Session) -> dict[str, str | None]:
    """Digests of the tracked rows changed since the last call; clears the list.

    Flush first: a change still pending in the session is not in the database yet.
    """
    changes: set[tuple[str, tuple[Any, ...]]] = session.info.pop(_CHANGES, set())
    state: dict[str, str | None] = {}
    for table_name, pk in sorted(changes, key=lambda item: (item[0], [str(v) for v in item[1]])):
        key = f"{table_name}:{'/'.join(str(value) for value in pk)}"
        state[key] = row_state_digest(session, table_name, pk)
    return state
