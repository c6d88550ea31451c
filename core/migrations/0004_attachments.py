"""attachments

Revision ID: 0004_attachments
Revises: 0003_approvals_notifications_audit
"""

# Revisions describe tables as they were at the time; never import live models here.
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0004_attachments"
down_revision = "0003_approvals_notifications_audit"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
