"""a note on each record

Revision ID: ts0002
Revises: ts0001
"""

import sqlalchemy as sa
from alembic import op

revision = "ts0002"
down_revision = "ts0001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("typesample_record") as batch:
        batch.add_column(sa.Column("note", sa.String(length=100), server_default="", nullable=False))


def downgrade():
    with op.batch_alter_table("typesample_record") as batch:
        batch.drop_column("note")
