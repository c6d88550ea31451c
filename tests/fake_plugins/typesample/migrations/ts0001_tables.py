"""type sample tables

Revision ID: ts0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "ts0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "typesample_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("day", sa.Date(), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=True),
        sa.Column("clock", sa.Time(), nullable=True),
        sa.Column("flag", sa.Boolean(), nullable=False),
        sa.Column("document", sa.JSON(), nullable=True),
        sa.Column("blob", sa.LargeBinary(), nullable=True),
        sa.Column("amount", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["typesample_record.id"], name="fk_typesample_record_parent_id_typesample_record",
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["core_person.id"], name="fk_typesample_record_person_id_core_person", ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_typesample_record"),
    )
    op.create_table(
        "typesample_tag",
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"], ["typesample_record.id"], name="fk_typesample_tag_record_id_typesample_record",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("record_id", "name", name="pk_typesample_tag"),
    )


def downgrade():
    op.drop_table("typesample_tag")
    op.drop_table("typesample_record")
