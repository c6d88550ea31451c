"""contract_note

Revision ID: c0a7c7000001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "c0a7c7000001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "contract_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contract_note")),
    )


def downgrade():
    op.drop_table("contract_note")
