"""attachments

Revision ID: 0004
Revises: 0003
"""

# Revisions describe tables as they were at the time; never import live models here.
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "core_attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("module", sa.String(length=64), nullable=False),
        sa.Column("record_type", sa.String(length=64), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("storage_key", sa.String(length=64), nullable=False),
        sa.Column("original_name", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("uploaded_at", sa.DateTime(), nullable=False),
        sa.Column("audit_downloads", sa.Boolean(), nullable=False),
        sa.Column("purged_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"], ["core_person.id"],
            name=op.f("fk_core_attachment_uploaded_by_id_core_person"), ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_core_attachment")),
        sa.UniqueConstraint("storage_key", name=op.f("uq_core_attachment_storage_key")),
    )
    with op.batch_alter_table("core_attachment", schema=None) as batch_op:
        batch_op.create_index("ix_core_attachment_owner", ["module", "record_type", "record_id"], unique=False)


def downgrade():
    with op.batch_alter_table("core_attachment", schema=None) as batch_op:
        batch_op.drop_index("ix_core_attachment_owner")
    op.drop_table("core_attachment")
