"""Migration 0010_authz creates exactly the table the pending classifications' model describes."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from ombud.store import Workspace, make_engine
from ombud.store.models import Base, ClassificationRequestRow

TABLE = ClassificationRequestRow.__tablename__


def test_migration_matches_the_model(workspace: Workspace) -> None:
    """Oracle: Alembic's own autogenerate comparison of the migrated schema and the model."""
    engine = make_engine(workspace.database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            diffs = [
                d
                for d in compare_metadata(context, Base.metadata)
                if f"'{TABLE}'" in repr(d) or f"<{TABLE}>" in repr(d)
            ]
    finally:
        engine.dispose()
    assert diffs == []
