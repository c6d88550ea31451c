"""visitors tables: the visit log

Revision ID: 9c9d6b01fedb
Revises: 
Create Date: 2026-11-20 22:02:52.534994
"""

# Revisions describe tables as they were at the time; never import live models here.
import sqlalchemy as sa
from alembic import op


revision = '9c9d6b01fedb'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('visitors_visit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('visitor_name', sa.String(length=200), nullable=False),
    sa.Column('organisation', sa.String(length=255), nullable=False),
    sa.Column('phone', sa.String(length=50), nullable=False),
    sa.Column('purpose', sa.String(length=500), nullable=False),
    sa.Column('host_id', sa.Integer(), nullable=True),
    sa.Column('arrived_at', sa.DateTime(), nullable=False),
    sa.Column('left_at', sa.DateTime(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['host_id'], ['core_person.id'], name=op.f('fk_visitors_visit_host_id_core_person'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['core_person.id'], name=op.f('fk_visitors_visit_recorded_by_id_core_person'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visitors_visit'))
    )
    with op.batch_alter_table('visitors_visit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visitors_visit_arrived_at'), ['arrived_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_visitors_visit_host_id'), ['host_id'], unique=False)



def downgrade():
    with op.batch_alter_table('visitors_visit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visitors_visit_host_id'))
        batch_op.drop_index(batch_op.f('ix_visitors_visit_arrived_at'))

    op.drop_table('visitors_visit')
