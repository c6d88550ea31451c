"""cache stamps: what tells every worker that modules, grants or the office changed

Revision ID: 0009
Revises: 0006

One row per stamp (see core.cache); the rows are written here so that the
first change only updates one.
"""

# Revisions describe tables as they were at the time; never import live models here.
import uuid

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0006"
branch_labels = None
depends_on = None

STAMPS = ("modules", "access", "office")


def upgrade():
    stamps = op.create_table(
        "core_cache_stamp",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_core_cache_stamp")),
    )
    op.bulk_insert(stamps, [{"name": name, "token": uuid.uuid4().hex} for name in STAMPS])


def downgrade():
    op.drop_table("core_cache_stamp")
