"""Named locks: core.services.locking.lock(key) holds one row of core_named_lock.

Revision ID: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "core_named_lock",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_core_named_lock")),
    )


def downgrade():
    op.drop_table("core_named_lock")
