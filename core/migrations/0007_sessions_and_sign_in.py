"""sign-in sessions kept on the server: signing out ends a session wherever its cookie was copied to

Revision ID: 0007
Revises: 0006

One row per signed-in browser (core.models.SignInSession). The cookie carries
the person id and a random token; the row holds the token's SHA-256. Sign-out,
a password change, deactivation and "sign out everywhere" delete rows.
"""

# Revisions describe tables as they were at the time; never import live models here.
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "core_sign_in_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("remote_addr", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["core_person.id"], name=op.f("fk_core_sign_in_session_person_id_core_person"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_core_sign_in_session")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_core_sign_in_session_token_hash")),
    )
    with op.batch_alter_table("core_sign_in_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_core_sign_in_session_person_id"), ["person_id"], unique=False)


def downgrade():
    with op.batch_alter_table("core_sign_in_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_core_sign_in_session_person_id"))
    op.drop_table("core_sign_in_session")
