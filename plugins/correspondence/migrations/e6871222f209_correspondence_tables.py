"""correspondence tables

Revision ID: e6871222f209
Revises: 
Create Date: 2026-11-20 23:33:09.075585
"""

# Revisions describe tables as they were at the time; never import live models here.
import sqlalchemy as sa
from alembic import op


revision = 'e6871222f209'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('correspondence_register',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('scope', sa.String(length=30), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.Column('school_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['core_group.id'], name=op.f('fk_correspondence_register_group_id_core_group'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['school_id'], ['core_school.id'], name=op.f('fk_correspondence_register_school_id_core_school'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_correspondence_register')),
    sa.UniqueConstraint('kind', 'scope', name=op.f('uq_correspondence_register_kind_scope'))
    )
    with op.batch_alter_table('correspondence_register', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_correspondence_register_group_id'), ['group_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_correspondence_register_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_correspondence_register_scope'), ['scope'], unique=False)

    op.create_table('correspondence_letter',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('register_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('issued_number_id', sa.Integer(), nullable=False),
    sa.Column('registered_at', sa.DateTime(), nullable=False),
    sa.Column('registered_by_id', sa.Integer(), nullable=True),
    sa.Column('sender_ref', sa.String(length=100), nullable=False),
    sa.Column('letter_date', sa.Date(), nullable=True),
    sa.Column('from_text', sa.String(length=255), nullable=False),
    sa.Column('to_text', sa.String(length=255), nullable=False),
    sa.Column('subject', sa.String(length=500), nullable=False),
    sa.Column('action', sa.Text(), nullable=False),
    sa.Column('remarks', sa.Text(), nullable=False),
    sa.Column('urgency', sa.String(length=20), nullable=False),
    sa.Column('secrecy', sa.String(length=20), nullable=False),
    sa.Column('doc_type', sa.String(length=20), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.Column('officer_id', sa.Integer(), nullable=True),
    sa.Column('source_letter_id', sa.Integer(), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(), nullable=True),
    sa.Column('cancelled_by_id', sa.Integer(), nullable=True),
    sa.Column('cancel_reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['cancelled_by_id'], ['core_person.id'], name=op.f('fk_correspondence_letter_cancelled_by_id_core_person'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['group_id'], ['core_group.id'], name=op.f('fk_correspondence_letter_group_id_core_group'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['issued_number_id'], ['core_issued_number.id'], name=op.f('fk_correspondence_letter_issued_number_id_core_issued_number'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['officer_id'], ['core_person.id'], name=op.f('fk_correspondence_letter_officer_id_core_person'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['register_id'], ['correspondence_register.id'], name=op.f('fk_correspondence_letter_register_id_correspondence_register'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['registered_by_id'], ['core_person.id'], name=op.f('fk_correspondence_letter_registered_by_id_core_person'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['source_letter_id'], ['correspondence_letter.id'], name=op.f('fk_correspondence_letter_source_letter_id_correspondence_letter'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_correspondence_letter')),
    sa.UniqueConstraint('register_id', 'year', 'number', name=op.f('uq_correspondence_letter_register_id_year_number'))
    )
    with op.batch_alter_table('correspondence_letter', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_correspondence_letter_group_id'), ['group_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_correspondence_letter_officer_id'), ['officer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_correspondence_letter_register_id'), ['register_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_correspondence_letter_registered_at'), ['registered_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_correspondence_letter_source_letter_id'), ['source_letter_id'], unique=False)

    op.create_table('correspondence_correction',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('letter_id', sa.Integer(), nullable=False),
    sa.Column('corrected_at', sa.DateTime(), nullable=False),
    sa.Column('corrected_by_id', sa.Integer(), nullable=True),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['corrected_by_id'], ['core_person.id'], name=op.f('fk_correspondence_correction_corrected_by_id_core_person'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['letter_id'], ['correspondence_letter.id'], name=op.f('fk_correspondence_correction_letter_id_correspondence_letter'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_correspondence_correction'))
    )
    with op.batch_alter_table('correspondence_correction', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_correspondence_correction_letter_id'), ['letter_id'], unique=False)

    op.create_table('correspondence_delivery',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('letter_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=True),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('sent_at', sa.DateTime(), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=True),
    sa.Column('received_by_id', sa.Integer(), nullable=True),
    sa.Column('incoming_letter_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['group_id'], ['core_group.id'], name=op.f('fk_correspondence_delivery_group_id_core_group'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['incoming_letter_id'], ['correspondence_letter.id'], name=op.f('fk_correspondence_delivery_incoming_letter_id_correspondence_letter'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['letter_id'], ['correspondence_letter.id'], name=op.f('fk_correspondence_delivery_letter_id_correspondence_letter'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['core_person.id'], name=op.f('fk_correspondence_delivery_person_id_core_person'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['received_by_id'], ['core_person.id'], name=op.f('fk_correspondence_delivery_received_by_id_core_person'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['school_id'], ['core_school.id'], name=op.f('fk_correspondence_delivery_school_id_core_school'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_correspondence_delivery'))
    )
    with op.batch_alter_table('correspondence_delivery', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_correspondence_delivery_group_id'), ['group_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_correspondence_delivery_letter_id'), ['letter_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_correspondence_delivery_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_correspondence_delivery_school_id'), ['school_id'], unique=False)

    op.create_table('correspondence_secret_reader',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('letter_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('named_by_id', sa.Integer(), nullable=True),
    sa.Column('named_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['letter_id'], ['correspondence_letter.id'], name=op.f('fk_correspondence_secret_reader_letter_id_correspondence_letter'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['named_by_id'], ['core_person.id'], name=op.f('fk_correspondence_secret_reader_named_by_id_core_person'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['person_id'], ['core_person.id'], name=op.f('fk_correspondence_secret_reader_person_id_core_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_correspondence_secret_reader')),
    sa.UniqueConstraint('letter_id', 'person_id', name=op.f('uq_correspondence_secret_reader_letter_id_person_id'))
    )
    with op.batch_alter_table('correspondence_secret_reader', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_correspondence_secret_reader_letter_id'), ['letter_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_correspondence_secret_reader_person_id'), ['person_id'], unique=False)



def downgrade():
    # Dropping a table drops its indexes (MariaDB refuses to drop an index a foreign key needs on its own).
    for table in ("correspondence_secret_reader", "correspondence_delivery", "correspondence_correction",
                  "correspondence_letter", "correspondence_register"):
        op.drop_table(table)
