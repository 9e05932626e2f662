"""Indexes for the paginated lists and the dashboard's aggregates at portfolio scale.

Measured on PostgreSQL with 1,000 systems, 100,000 evidence records and 10,000 findings
(bench/web_load.py): the latest gate run and classification of every system are a
``max(id) ... group by system_id``, which (system_id, id) answers from the index alone
however many runs accumulate; a system's evidence is read in id order, a page at a time;
findings are listed by (due_date, id) and the overdue ones are found by status and due
date, so a page no longer sorts the whole table.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_gate_evaluations_system_id_id", "gate_evaluations", ["system_id", "id"]),
    ("ix_classifications_system_id_id", "classifications", ["system_id", "id"]),
    ("ix_evidence_system_id_id", "evidence", ["system_id", "id"]),
    ("ix_findings_due_date_id", "findings", ["due_date", "id"]),
    ("ix_findings_status_due_date", "findings", ["status", "due_date"]),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
