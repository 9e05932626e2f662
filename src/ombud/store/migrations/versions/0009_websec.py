"""Login throttling by client address and by account, with exponential back-off.

Replaces the hard lockout kept on ``user_passwords`` (five wrong passwords locked an
account for 15 minutes, right password included: anyone could lock anyone out, and only
existing accounts answered "locked"). The old columns stay, unused.

Revision ID: 0009_websec
Revises: 0008_anchor
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_websec"
down_revision = "0008_anchor"
branch_labels = None
depends_on = None

_TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "login_throttle",
        sa.Column("key", sa.String(length=64), primary_key=True),
        sa.Column("account", sa.String(length=64), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", _TZ, nullable=False),
        sa.Column("blocked_until", _TZ, nullable=True),
    )
    op.create_index("ix_login_throttle_account", "login_throttle", ["account"])


def downgrade() -> None:
    op.drop_index("ix_login_throttle_account", table_name="login_throttle")
    op.drop_table("login_throttle")
