"""scheduled jobs: each job's state (last success, the runner's claim) and the log of its runs

Revision ID: 0008
Revises: 0006
"""

# Revisions describe tables as they were at the time; never import live models here.
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "core_job_state",
        sa.Column("job_id", sa.String(length=100), nullable=False),
        sa.Column("last_success_at", sa.DateTime(), nullable=True),
        sa.Column("running_since", sa.DateTime(), nullable=True),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("job_id", name=op.f("pk_core_job_state")),
    )
    op.create_table(
        "core_job_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.String(length=100), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("forced", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["job_id"], ["core_job_state.job_id"],
            name=op.f("fk_core_job_run_job_id_core_job_state"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_core_job_run")),
    )
    with op.batch_alter_table("core_job_run", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_core_job_run_job_id"), ["job_id"], unique=False)


def downgrade():
    with op.batch_alter_table("core_job_run", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_core_job_run_job_id"))
    op.drop_table("core_job_run")
    op.drop_table("core_job_state")
