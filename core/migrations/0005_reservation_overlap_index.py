"""reservations: index (resource_id, ends_at) for the overlap check

Revision ID: 0005
Revises: 0004
"""

# Revisions describe tables as they were at the time; never import live models here.
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    # Create the new index first: on MariaDB the foreign key on resource_id needs one at all times.
    with op.batch_alter_table("core_reservation") as batch_op:
        batch_op.create_index("ix_core_reservation_resource_id_ends_at", ["resource_id", "ends_at"], unique=False)
    with op.batch_alter_table("core_reservation") as batch_op:
        batch_op.drop_index("ix_core_reservation_resource_id")


def downgrade():
    with op.batch_alter_table("core_reservation") as batch_op:
        batch_op.create_index("ix_core_reservation_resource_id", ["resource_id"], unique=False)
    with op.batch_alter_table("core_reservation") as batch_op:
        batch_op.drop_index("ix_core_reservation_resource_id_ends_at")
