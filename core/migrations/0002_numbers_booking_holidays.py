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

    op.create_table(
        "core_number_series",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("series_key", sa.String(length=100), nullable=False),
        sa.Column("scope", sa.String(length=100), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("year_kind", sa.String(length=10), nullable=False),
        sa.Column("next_number", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("year_kind IN ('calendar', 'fiscal')", name=op.f("ck_core_number_series_year_kind")),
        sa.CheckConstraint("next_number >= 1", name=op.f("ck_core_number_series_next_number_positive")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_core_number_series")),
        sa.UniqueConstraint("series_key", "scope", "year", name=op.f("uq_core_number_series_series_key_scope_year")),
    )
    op.create_table(
        "core_issued_number",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("series_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("issued_for", sa.Date(), nullable=False),
        sa.Column("taken_at", sa.DateTime(), nullable=False),
        sa.Column("taken_by_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(), nullable=True),
        sa.Column("cancelled_by_id", sa.Integer(), nullable=True),
        sa.Column("cancel_reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["cancelled_by_id"], ["core_person.id"], name=op.f("fk_core_issued_number_cancelled_by_id_core_person"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["series_id"], ["core_number_series.id"], name=op.f("fk_core_issued_number_series_id_core_number_series"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["taken_by_id"], ["core_person.id"], name=op.f("fk_core_issued_number_taken_by_id_core_person"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_core_issued_number")),
        sa.UniqueConstraint("series_id", "number", name=op.f("uq_core_issued_number_series_id_number")),
    )


def downgrade():
    op.drop_table("core_issued_number")
    op.drop_table("core_number_series")
    with op.batch_alter_table("core_holiday", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_core_holiday_holiday_date"))
    op.drop_table("core_holiday")
