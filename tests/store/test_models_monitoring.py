"""Migrations 0011_monitoring and 0012_monitor_labels create exactly the tables the
monitoring models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from ombud.store import Workspace, make_engine
from ombud.store.models import Base
from ombud.store.models_monitoring import MonitorRecordRow, MonitorRow, MonitorWindowRow

TABLES = (
    MonitorRow.__tablename__,
    MonitorWindowRow.__tablename__,
    MonitorRecordRow.__tablename__,
)


def test_migration_matches_the_models(workspace: Workspace) -> None:
    """Oracle: Alembic's own autogenerate comparison of the migrated schema and the models."""
    engine = make_engine(workspace.database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            diffs = [
                d
                for d in compare_metadata(context, Base.metadata)
                if any(f"'{t}'" in repr(d) or f"<{t}>" in repr(d) for t in TABLES)
            ]
    finally:
        engine.dispose()
    assert diffs == []
