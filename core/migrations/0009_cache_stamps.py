"""cache stamps: what tells every worker that modules, grants or the office changed

Revision ID: 0009
Revises: 0006

One row per stamp (see core.cache). The table starts empty: a missing stamp
reads as "", and the first change writes its row. (Rows written here would
also collide with the rows a restored backup brings.)
"""

# Revisions describe tables as they were at the time; never import live models here.
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "core_cache_stamp",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_core_cache_stamp")),
    )


def downgrade():
    op.drop_table("core_cache_stamp")
