"""Migration 0007 creates the list and aggregate indexes the models declare, on both backends."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from ombud.store import Workspace, make_engine
from ombud.store.models import Base

EXPECTED = {
    "gate_evaluations": {"ix_gate_evaluations_system_id_id": ["system_id", "id"]},
    "classifications": {"ix_classifications_system_id_id": ["system_id", "id"]},
    "evidence": {"ix_evidence_system_id_id": ["system_id", "id"]},
    "findings": {
        "ix_findings_due_date_id": ["due_date", "id"],
        "ix_findings_status_due_date": ["status", "due_date"],
    },
}


def test_migration_0007_creates_the_indexes_the_models_declare(workspace: Workspace) -> None:
    """Oracles: the database's own catalogue (SQLAlchemy's inspector) for the indexes and
    their column order, and Alembic's autogenerate comparison for model/schema drift."""
    engine = make_engine(workspace.database_url)
    try:
        inspector = inspect(engine)
        for table, wanted in EXPECTED.items():
            found = {ix["name"]: ix["column_names"] for ix in inspector.get_indexes(table)}
            for name, columns in wanted.items():
                assert found.get(name) == columns, (table, name, found)
        with engine.connect() as connection:
            context = MigrationContext.configure(connection)
            diffs = [
                d
                for d in compare_metadata(context, Base.metadata)
                if any(f"'{name}'" in repr(d) for wanted in EXPECTED.values() for name in wanted)
            ]
        assert diffs == []
    finally:
        engine.dispose()
