"""``AppContext.shared_read``: the reads of one page share one transaction.

Oracle: SQLAlchemy's own ``begin`` events on the engine, counted; and the rule that no
write may start inside (on SQLite it would wait for the read's own lock).
"""

from __future__ import annotations

import pytest
from sqlalchemy import event

from ombud.services import findings, systems, workspaces
from ombud.services.context import AppContext, open_context


def _begins(context: AppContext) -> list[int]:
    counted: list[int] = []
    event.listen(context.engine, "begin", lambda _conn: counted.append(1))
    return counted


def test_reads_inside_share_one_transaction(context: AppContext) -> None:
    counted = _begins(context)
    systems.list_systems(context)
    findings.list_findings(context)
    context.actor("ada")
    separate = len(counted)
    assert separate >= 3
    counted.clear()
    with context.shared_read():
        systems.list_systems(context)
        findings.list_findings(context)
        context.actor("ada")
        with context.shared_read():  # nested: still the same transaction
            systems.count_systems(context)
    assert len(counted) == 1


def test_a_write_inside_is_refused_before_it_can_wait_for_itself(context: AppContext) -> None:
    with context.shared_read(), pytest.raises(RuntimeError, match="write inside"):
        workspaces.add_user(context, context.actor("ada"), username="rex", roles=["reviewer"])
    workspaces.add_user(context, context.actor("ada"), username="rex", roles=["reviewer"])
    other = open_context(context.workspace)
    try:
        assert other.actor("rex").username == "rex"  # after it, writes work as ever
    finally:
        other.close()
