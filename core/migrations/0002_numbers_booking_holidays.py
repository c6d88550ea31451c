"""running numbers, reservations, holidays

Revision ID: 0002_numbers_booking_holidays
Revises: 8cf3a6b41917
"""

# Revisions describe tables as they were at the time; never import live models here.
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0002_numbers_booking_holidays"
down_revision = "8cf3a6b41917"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
