"""hotel: wake-up calls, with the lease that makes each dial happen once (#11)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table('wakeups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('room', sa.String(length=16), nullable=False),
    sa.Column('stay_id', sa.Integer(), nullable=True),
    sa.Column('due_at', _utc(), nullable=False),
    sa.Column('next_attempt_at', _utc(), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_result', sa.String(length=16), nullable=True),
    sa.Column('history', sa.JSON(), nullable=False),
    sa.Column('booked_by', sa.String(length=16), nullable=False),
    sa.Column('conversation', sa.String(length=128), nullable=True),
    sa.Column('lease_holder', sa.String(length=128), nullable=True),
    sa.Column('lease_expires_at', _utc(), nullable=True),
    sa.Column('alert_message', sa.Integer(), nullable=True),
    sa.Column('created_at', _utc(), nullable=False),
    sa.Column('updated_at', _utc(), nullable=False),
    sa.Column('finished_at', _utc(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wakeups'))
    )
    with op.batch_alter_table('wakeups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_wakeups_room'), ['room'], unique=False)
        batch_op.create_index(batch_op.f('ix_wakeups_due_at'), ['due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_wakeups_next_attempt_at'), ['next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_wakeups_status'), ['status'], unique=False)


def downgrade() -> None:
    op.drop_table('wakeups')
