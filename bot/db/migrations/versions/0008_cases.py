"""hotline cases (work orders) and their history (#12)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table('cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('caller_name', sa.String(length=200), nullable=False),
    sa.Column('callback_number', sa.String(length=32), nullable=True),
    sa.Column('category', sa.String(length=64), nullable=True),
    sa.Column('department', sa.String(length=64), nullable=True),
    sa.Column('urgent', sa.Boolean(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=True),
    sa.Column('conversation', sa.String(length=128), nullable=True),
    sa.Column('deadline_at', _utc(), nullable=True),
    sa.Column('reply', sa.Text(), nullable=True),
    sa.Column('satisfaction', sa.Integer(), nullable=True),
    sa.Column('reminders', sa.Integer(), nullable=False),
    sa.Column('overdue_at', _utc(), nullable=True),
    sa.Column('last_reminded_at', _utc(), nullable=True),
    sa.Column('created_at', _utc(), nullable=False),
    sa.Column('updated_at', _utc(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cases')),
    sa.UniqueConstraint('number', name=op.f('uq_cases_number'))
    )
    with op.batch_alter_table('cases', schema=None) as batch_op:
        for column in ('status', 'callback_number', 'category', 'department', 'conversation', 'deadline_at',
                       'created_at'):
            batch_op.create_index(batch_op.f(f'ix_cases_{column}'), [column], unique=False)
    op.create_table('case_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('at', _utc(), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('status_before', sa.String(length=16), nullable=True),
    sa.Column('status_after', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_events_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_events'))
    )
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_events_case_id'), ['case_id'], unique=False)


def downgrade() -> None:
    op.drop_table('case_events')
    op.drop_table('cases')
