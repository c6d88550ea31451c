"""approval workflow, notifications, audit log

Revision ID: 0003_approvals_notifications_audit
Revises: 0002_numbers_booking_holidays
"""

# Revisions describe tables as they were at the time; never import live models here.
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0003_approvals_notifications_audit"
down_revision = "0002_numbers_booking_holidays"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
