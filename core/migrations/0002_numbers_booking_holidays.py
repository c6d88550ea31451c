"""running numbers, reservations, holidays

Revision ID: 0002
Revises: 0001
"""

# Revisions describe tables as they were at the time; never import live models here.
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
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

    op.create_table(
        "core_booking_resource",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("external_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_core_booking_resource")),
        sa.UniqueConstraint("kind", "external_id", name=op.f("uq_core_booking_resource_kind_external_id")),
    )
    op.create_table(
        "core_reservation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resource_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("ends_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("holder_id", sa.Integer(), nullable=True),
        sa.Column("recurrence_id", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("status_changed_at", sa.DateTime(), nullable=True),
        sa.Column("status_changed_by_id", sa.Integer(), nullable=True),
        sa.Column("status_reason", sa.Text(), nullable=False),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_core_reservation_ends_after_start")),
        sa.CheckConstraint("status IN ('pending', 'confirmed', 'cancelled', 'refused')", name=op.f("ck_core_reservation_status")),
        sa.ForeignKeyConstraint(["holder_id"], ["core_person.id"], name=op.f("fk_core_reservation_holder_id_core_person"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["resource_id"], ["core_booking_resource.id"], name=op.f("fk_core_reservation_resource_id_core_booking_resource"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["status_changed_by_id"], ["core_person.id"], name=op.f("fk_core_reservation_status_changed_by_id_core_person"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_core_reservation")),
    )
    with op.batch_alter_table("core_reservation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_core_reservation_recurrence_id"), ["recurrence_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_core_reservation_resource_id"), ["resource_id"], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        # A backstop under the service's lock: PostgreSQL itself refuses two confirmed
        # reservations of one resource whose [start, end) ranges overlap.
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        op.execute(
            "ALTER TABLE core_reservation ADD CONSTRAINT ex_core_reservation_confirmed_overlap "
            "EXCLUDE USING gist (resource_id WITH =, tsrange(starts_at, ends_at) WITH &&) "
            "WHERE (status = 'confirmed')"
        )


def downgrade():
    # Dropping a table drops its indexes and constraints (and PostgreSQL's exclusion constraint);
    # MariaDB refuses to drop an index a foreign key uses on its own.
    op.drop_table("core_reservation")
    op.drop_table("core_booking_resource")
    op.drop_table("core_issued_number")
    op.drop_table("core_number_series")
    op.drop_table("core_holiday")
