"""rooms tables: rooms, their equipment and who may book them, bookings, closures, waiting lists, feed tokens

Revision ID: eadeb4446cc3
Revises: 
Create Date: 2026-11-20 22:33:02.135176
"""

# Revisions describe tables as they were at the time; never import live models here.
import sqlalchemy as sa
from alembic import op


revision = 'eadeb4446cc3'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('rooms_feed_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['core_person.id'], name=op.f('fk_rooms_feed_token_person_id_core_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rooms_feed_token')),
    sa.UniqueConstraint('token', name=op.f('uq_rooms_feed_token_token'))
    )
    with op.batch_alter_table('rooms_feed_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rooms_feed_token_person_id'), ['person_id'], unique=False)

    op.create_table('rooms_room',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('building', sa.String(length=200), nullable=False),
    sa.Column('floor', sa.String(length=50), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('opens_at', sa.Time(), nullable=False),
    sa.Column('closes_at', sa.Time(), nullable=False),
    sa.Column('needs_approval', sa.Boolean(), nullable=False),
    sa.Column('approver_id', sa.Integer(), nullable=True),
    sa.Column('restricted', sa.Boolean(), nullable=False),
    sa.Column('open_on_days_off', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['approver_id'], ['core_person.id'], name=op.f('fk_rooms_room_approver_id_core_person'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rooms_room'))
    )
    with op.batch_alter_table('rooms_room', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rooms_room_active'), ['active'], unique=False)

    op.create_table('rooms_blocked_period',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('room_id', sa.Integer(), nullable=False),
    sa.Column('reservation_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=255), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['core_person.id'], name=op.f('fk_rooms_blocked_period_created_by_id_core_person'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['reservation_id'], ['core_reservation.id'], name=op.f('fk_rooms_blocked_period_reservation_id_core_reservation'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['room_id'], ['rooms_room.id'], name=op.f('fk_rooms_blocked_period_room_id_rooms_room'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rooms_blocked_period')),
    sa.UniqueConstraint('reservation_id', name=op.f('uq_rooms_blocked_period_reservation_id'))
    )
    with op.batch_alter_table('rooms_blocked_period', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rooms_blocked_period_room_id'), ['room_id'], unique=False)

    op.create_table('rooms_booking',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('room_id', sa.Integer(), nullable=False),
    sa.Column('reservation_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=255), nullable=False),
    sa.Column('purpose', sa.Text(), nullable=False),
    sa.Column('chair', sa.String(length=200), nullable=False),
    sa.Column('attendees', sa.Integer(), nullable=False),
    sa.Column('equipment', sa.JSON(), nullable=True),
    sa.Column('refreshments', sa.Text(), nullable=False),
    sa.Column('booked_by_id', sa.Integer(), nullable=True),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.Column('letter_id', sa.Integer(), nullable=True),
    sa.Column('series_id', sa.String(length=32), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.Column('reminded_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['booked_by_id'], ['core_person.id'], name=op.f('fk_rooms_booking_booked_by_id_core_person'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['group_id'], ['core_group.id'], name=op.f('fk_rooms_booking_group_id_core_group'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['reservation_id'], ['core_reservation.id'], name=op.f('fk_rooms_booking_reservation_id_core_reservation'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['room_id'], ['rooms_room.id'], name=op.f('fk_rooms_booking_room_id_rooms_room'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rooms_booking')),
    sa.UniqueConstraint('reservation_id', name=op.f('uq_rooms_booking_reservation_id'))
    )
    with op.batch_alter_table('rooms_booking', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rooms_booking_booked_by_id'), ['booked_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_rooms_booking_room_id'), ['room_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_rooms_booking_series_id'), ['series_id'], unique=False)

    op.create_table('rooms_room_equipment',
    sa.Column('room_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['room_id'], ['rooms_room.id'], name=op.f('fk_rooms_room_equipment_room_id_rooms_room'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('room_id', 'code', name=op.f('pk_rooms_room_equipment'))
    )
    op.create_table('rooms_room_group',
    sa.Column('room_id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['core_group.id'], name=op.f('fk_rooms_room_group_group_id_core_group'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['room_id'], ['rooms_room.id'], name=op.f('fk_rooms_room_group_room_id_rooms_room'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('room_id', 'group_id', name=op.f('pk_rooms_room_group'))
    )
    op.create_table('rooms_room_person',
    sa.Column('room_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['core_person.id'], name=op.f('fk_rooms_room_person_person_id_core_person'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['room_id'], ['rooms_room.id'], name=op.f('fk_rooms_room_person_room_id_rooms_room'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('room_id', 'person_id', name=op.f('pk_rooms_room_person'))
    )
    op.create_table('rooms_slot_watch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('room_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(), nullable=False),
    sa.Column('ends_at', sa.DateTime(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('notified_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['core_person.id'], name=op.f('fk_rooms_slot_watch_person_id_core_person'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['room_id'], ['rooms_room.id'], name=op.f('fk_rooms_slot_watch_room_id_rooms_room'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rooms_slot_watch'))
    )
    with op.batch_alter_table('rooms_slot_watch', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rooms_slot_watch_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_rooms_slot_watch_room_id'), ['room_id'], unique=False)

    op.create_table('rooms_booking_group',
    sa.Column('booking_id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['booking_id'], ['rooms_booking.id'], name=op.f('fk_rooms_booking_group_booking_id_rooms_booking'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['group_id'], ['core_group.id'], name=op.f('fk_rooms_booking_group_group_id_core_group'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('booking_id', 'group_id', name=op.f('pk_rooms_booking_group'))
    )


def downgrade():
    op.drop_table('rooms_booking_group')
    with op.batch_alter_table('rooms_slot_watch', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rooms_slot_watch_room_id'))
        batch_op.drop_index(batch_op.f('ix_rooms_slot_watch_person_id'))

    op.drop_table('rooms_slot_watch')
    op.drop_table('rooms_room_person')
    op.drop_table('rooms_room_group')
    op.drop_table('rooms_room_equipment')
    with op.batch_alter_table('rooms_booking', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rooms_booking_series_id'))
        batch_op.drop_index(batch_op.f('ix_rooms_booking_room_id'))
        batch_op.drop_index(batch_op.f('ix_rooms_booking_booked_by_id'))

    op.drop_table('rooms_booking')
    with op.batch_alter_table('rooms_blocked_period', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rooms_blocked_period_room_id'))

    op.drop_table('rooms_blocked_period')
    with op.batch_alter_table('rooms_room', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rooms_room_active'))

    op.drop_table('rooms_room')
    with op.batch_alter_table('rooms_feed_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rooms_feed_token_person_id'))

    op.drop_table('rooms_feed_token')
