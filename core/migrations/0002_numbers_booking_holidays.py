"""running numbers, reservations, holidays

Revision ID: 0002_numbers_booking_holidays
Revises: 8cf3a6b41917
"""

# Revisions describe tables as they were at the time; never import live models here.
import sqlalchemy as sa
from alembic import op

revision = "0002_numbers_booking_holidays"
down_revision = "8cf3a6b41917"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "core_holiday",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("holiday_date", sa.Date(), nullable=False),
        sa.Column("yearly", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_core_holiday")),
        sa.UniqueConstraint("holiday_date", "name", name=op.f("uq_core_holiday_holiday_date_name")),
    )
    with op.batch_alter_table("core_holiday", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_core_holiday_holiday_date"), ["holiday_date"], unique=False)


def downgrade():
    with op.batch_alter_table("core_holiday", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_core_holiday_holiday_date"))
    op.drop_table("core_holiday")
