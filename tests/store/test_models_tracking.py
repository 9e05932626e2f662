"""Migration 0004 creates exactly the tables the models of findings and incidents describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from ombud.store import Workspace, make_engine
from ombud.store.models import Base
from ombud.store.models_tracking import (
    FindingRow,
    IncidentEntryRow,
    IncidentFindingRow,
    IncidentNotificationRow,
    IncidentRow,
    IncidentSystemRow,
)

TABLES = {
    row.__tablename__
    for row in (
        FindingRow,
        IncidentRow,
        IncidentSystemRow,
        IncidentFindingRow,
        IncidentEntryRow,
        IncidentNotificationRow,
    )
}


def _about_our_tables(diff: object) -> bool:
    """True if one autogenerate difference concerns a findings/incidents table."""
    text = repr(diff)
    return any(marker in text for name in TABLES for marker in (f"'{name}'", f"<{name}>"))


def test_migration_matches_the_models(workspace: Workspace) -> None:
    """Oracle: Alembic's own autogenerate comparison of the migrated schema and the models."""
    engine = make_engine(workspace.database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            diffs = [d for d in compare_metadata(context, Base.metadata) if _about_our_tables(d)]
    finally:
        engine.dispose()
    assert diffs == []
