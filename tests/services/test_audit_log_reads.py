"""Reading the audit log leaves no transaction open behind the reader.

``iter_events`` is a generator; a caller that stops early (``next(...)``, an exception in
a comprehension) used to leave its read transaction open until garbage collection. On
PostgreSQL that blocked the next DDL on those tables forever (the test suite's schema
teardown hung on it); on SQLite, where every transaction takes the write lock, it blocks
every writer. The oracle is the connection pool: a transaction holds a connection.
"""

from __future__ import annotations

from ombud.services import audit_log, workspaces
from ombud.services.context import AppContext


def _connections_in_use(context: AppContext) -> int:
    """Connections this process holds checked out of its pool: an open transaction holds
    one (counted here, not in the server's view, which other test workers share)."""
    return int(context.engine.pool.checkedout())  # type: ignore[attr-defined]


def test_a_reader_that_stops_early_holds_no_transaction(context: AppContext) -> None:
    admin = context.actor("ada")
    workspaces.add_user(context, admin, username="olivia", roles=["owner"])
    before = _connections_in_use(context)
    events = audit_log.iter_events(context)
    try:
        first = next(events)
        assert first.seq == 1
        # The generator is suspended after its first event: its transaction must be over.
        assert _connections_in_use(context) == before
        if context.engine.dialect.name == "sqlite":
            # A writer is not kept waiting (on SQLite an open read holds the write lock).
            workspaces.add_user(context, admin, username="hana", roles=["owner"])
    finally:
        events.close()  # on a regression, end the transaction so the teardown is not blocked
