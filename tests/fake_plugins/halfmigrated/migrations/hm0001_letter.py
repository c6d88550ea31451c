"""half migrated: the letter table only

Revision ID: hm0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "hm0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table("halfmigrated_letter", sa.Column("id", sa.Integer(), nullable=False), sa.PrimaryKeyConstraint("id"))


def downgrade():
    op.drop_table("halfmigrated_letter")
