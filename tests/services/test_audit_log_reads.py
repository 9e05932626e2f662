"""Reading the audit log leaves no transaction open behind the reader.

``iter_events`` is a generator; a caller that stops early (``next(...)``, an exception in
a comprehension) used to leave its read transaction open until garbage collection. On
PostgreSQL that blocked the next DDL on those tables forever (the test suite's schema
teardown hung on it); on SQLite, where every transaction takes the write lock, it blocks
every writer. The oracle is the database's own view of open transactions.
"""

from __future__ import annotations

from sqlalchemy import text

from ombud.services import audit_log, workspaces
from ombud.services.context import AppContext


def _open_transactions(context: AppContext) -> int:
    with context.engine.connect() as connection:
        if connection.dialect.name != "postgresql":
            return 0
        return int(
            connection.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND state = 'idle in transaction'"
                )
            ).scalar_one()
        )


def test_a_reader_that_stops_early_holds_no_transaction(context: AppContext) -> None:
    admin = context.actor("ada")
    workspaces.add_user(context, admin, username="olivia", roles=["owner"])
    before = _open_transactions(context)
    events = audit_log.iter_events(context)
    try:
        first = next(events)
        assert first.seq == 1
        # The generator is suspended after its first event: its transaction must be over.
        assert _open_transactions(context) == before
        if context.engine.dialect.name == "sqlite":
            # A writer is not kept waiting (on SQLite an open read holds the write lock).
            workspaces.add_user(context, admin, username="hana", roles=["owner"])
    finally:
        events.close()  # on a regression, end the transaction so the teardown is not blocked
