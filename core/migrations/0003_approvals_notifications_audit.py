"""approval workflow, notifications, audit log

Revision ID: 0003
Revises: 0002
"""

# Revisions describe tables as they were at the time; never import live models here.
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# The audit log is append-only. On PostgreSQL the database itself refuses to change or
# delete its rows, whoever asks; other databases rely on Khet having no code that does.
AUDIT_GUARD_FUNCTION = """
CREATE FUNCTION core_audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'core_audit_log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$
"""
AUDIT_GUARD_TRIGGERS = (
    "CREATE TRIGGER core_audit_log_no_change BEFORE UPDATE OR DELETE ON core_audit_log"
    " FOR EACH ROW EXECUTE PROCEDURE core_audit_log_append_only()",
    "CREATE TRIGGER core_audit_log_no_truncate BEFORE TRUNCATE ON core_audit_log"
    " FOR EACH STATEMENT EXECUTE PROCEDURE core_audit_log_append_only()",
)


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade():
    op.create_table('core_audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('module', sa.String(length=64), nullable=False),
    sa.Column('record_type', sa.String(length=64), nullable=False),
    sa.Column('record_id', sa.String(length=64), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('person_name', sa.String(length=255), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('summary', sa.String(length=500), nullable=False),
    sa.Column('details', sa.JSON(), nullable=True),
    sa.Column('remote_addr', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_audit_log'))
    )
    with op.batch_alter_table('core_audit_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_core_audit_log_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_core_audit_log_person_id'), ['person_id'], unique=False)
        batch_op.create_index('ix_core_audit_log_record', ['module', 'record_type', 'record_id'], unique=False)

    op.create_table('core_approval_chain',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('commenter_id', sa.Integer(), nullable=True),
    sa.Column('approver_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['approver_id'], ['core_person.id'], name=op.f('fk_core_approval_chain_approver_id_core_person'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['commenter_id'], ['core_person.id'], name=op.f('fk_core_approval_chain_commenter_id_core_person'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['person_id'], ['core_person.id'], name=op.f('fk_core_approval_chain_person_id_core_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('person_id', name=op.f('pk_core_approval_chain'))
    )
    op.create_table('core_approval_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('module', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=64), nullable=False),
    sa.Column('record_id', sa.String(length=64), nullable=False),
    sa.Column('title', sa.String(length=255), nullable=False),
    sa.Column('requester_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('link_endpoint', sa.String(length=128), nullable=False),
    sa.Column('link_args', sa.JSON(), nullable=True),
    sa.Column('cancels_id', sa.Integer(), nullable=True),
    sa.Column('escalation_hours', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['cancels_id'], ['core_approval_request.id'], name=op.f('fk_core_approval_request_cancels_id_core_approval_request')),
    sa.ForeignKeyConstraint(['requester_id'], ['core_person.id'], name=op.f('fk_core_approval_request_requester_id_core_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_approval_request'))
    )
    with op.batch_alter_table('core_approval_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_core_approval_request_cancels_id'), ['cancels_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_core_approval_request_requester_id'), ['requester_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_core_approval_request_status'), ['status'], unique=False)
        batch_op.create_index('ix_core_approval_request_subject', ['module', 'kind', 'record_id'], unique=False)

    op.create_table('core_notification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('event', sa.String(length=100), nullable=False),
    sa.Column('module', sa.String(length=64), nullable=False),
    sa.Column('title', sa.String(length=255), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('link', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('read_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['core_person.id'], name=op.f('fk_core_notification_person_id_core_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_notification'))
    )
    with op.batch_alter_table('core_notification', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_core_notification_created_at'), ['created_at'], unique=False)
        batch_op.create_index('ix_core_notification_person_unread', ['person_id', 'read_at'], unique=False)

    op.create_table('core_notification_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=32), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('address', sa.String(length=255), nullable=False),
    sa.Column('event', sa.String(length=100), nullable=False),
    sa.Column('module', sa.String(length=64), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('link', sa.String(length=500), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
    sa.Column('claimed_until', sa.DateTime(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['core_person.id'], name=op.f('fk_core_notification_outbox_person_id_core_person'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_notification_outbox'))
    )
    with op.batch_alter_table('core_notification_outbox', schema=None) as batch_op:
        batch_op.create_index('ix_core_notification_outbox_due', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_core_notification_outbox_person_id'), ['person_id'], unique=False)

    op.create_table('core_notification_preference',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('event', sa.String(length=100), nullable=False),
    sa.Column('channel', sa.String(length=32), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['core_person.id'], name=op.f('fk_core_notification_preference_person_id_core_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_notification_preference')),
    sa.UniqueConstraint('person_id', 'event', 'channel', name=op.f('uq_core_notification_preference_person_id_event_channel'))
    )
    with op.batch_alter_table('core_notification_preference', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_core_notification_preference_person_id'), ['person_id'], unique=False)

    op.create_table('core_approval_step',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('label', sa.String(length=100), nullable=False),
    sa.Column('approver_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('activated_at', sa.DateTime(), nullable=True),
    sa.Column('due_at', sa.DateTime(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('on_behalf_of_id', sa.Integer(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('escalated_at', sa.DateTime(), nullable=True),
    sa.Column('escalated_to_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['approver_id'], ['core_person.id'], name=op.f('fk_core_approval_step_approver_id_core_person')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['core_person.id'], name=op.f('fk_core_approval_step_decided_by_id_core_person')),
    sa.ForeignKeyConstraint(['escalated_to_id'], ['core_person.id'], name=op.f('fk_core_approval_step_escalated_to_id_core_person')),
    sa.ForeignKeyConstraint(['on_behalf_of_id'], ['core_person.id'], name=op.f('fk_core_approval_step_on_behalf_of_id_core_person')),
    sa.ForeignKeyConstraint(['request_id'], ['core_approval_request.id'], name=op.f('fk_core_approval_step_request_id_core_approval_request'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_approval_step')),
    sa.UniqueConstraint('request_id', 'position', name=op.f('uq_core_approval_step_request_id_position'))
    )
    with op.batch_alter_table('core_approval_step', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_core_approval_step_approver_id'), ['approver_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_core_approval_step_due_at'), ['due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_core_approval_step_escalated_to_id'), ['escalated_to_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_core_approval_step_status'), ['status'], unique=False)

    op.create_table('core_approval_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('step_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('on_behalf_of_id', sa.Integer(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['core_person.id'], name=op.f('fk_core_approval_event_actor_id_core_person')),
    sa.ForeignKeyConstraint(['on_behalf_of_id'], ['core_person.id'], name=op.f('fk_core_approval_event_on_behalf_of_id_core_person')),
    sa.ForeignKeyConstraint(['request_id'], ['core_approval_request.id'], name=op.f('fk_core_approval_event_request_id_core_approval_request'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['step_id'], ['core_approval_step.id'], name=op.f('fk_core_approval_event_step_id_core_approval_step'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_approval_event'))
    )
    with op.batch_alter_table('core_approval_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_core_approval_event_request_id'), ['request_id'], unique=False)

    if _postgresql():
        op.execute(AUDIT_GUARD_FUNCTION)
        for statement in AUDIT_GUARD_TRIGGERS:
            op.execute(statement)


def downgrade():
    if _postgresql():
        op.execute("DROP TRIGGER IF EXISTS core_audit_log_no_truncate ON core_audit_log")
        op.execute("DROP TRIGGER IF EXISTS core_audit_log_no_change ON core_audit_log")
        op.execute("DROP FUNCTION IF EXISTS core_audit_log_append_only()")
    # Dropping a table drops its indexes (MariaDB refuses to drop an index a foreign key needs first).
    for table in (
        "core_approval_event", "core_approval_step", "core_notification_preference", "core_notification_outbox",
        "core_notification", "core_approval_request", "core_approval_chain", "core_audit_log",
    ):
        op.drop_table(table)
