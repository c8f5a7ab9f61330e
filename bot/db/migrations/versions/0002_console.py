"""staff console: users, sessions, audit log, turn reviews

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table('console_users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('display_name', sa.String(length=200), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', _utc(), nullable=False),
    sa.Column('failed_count', sa.Integer(), nullable=False),
    sa.Column('failed_since', _utc(), nullable=True),
    sa.Column('locked_until', _utc(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_console_users'))
    )
    with op.batch_alter_table('console_users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_console_users_username'), ['username'], unique=True)

    op.create_table('console_sessions',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('csrf_token', sa.String(length=64), nullable=False),
    sa.Column('created_at', _utc(), nullable=False),
    sa.Column('last_seen_at', _utc(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['console_users.id'], name=op.f('fk_console_sessions_user_id_console_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_console_sessions'))
    )
    with op.batch_alter_table('console_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_console_sessions_user_id'), ['user_id'], unique=False)

    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', _utc(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('target', sa.String(length=200), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_log_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_log_username'), ['username'], unique=False)

    op.create_table('turn_reviews',
    sa.Column('turn_id', sa.Integer(), nullable=False),
    sa.Column('correct_intent', sa.String(length=64), nullable=True),
    sa.Column('reviewed_by', sa.String(length=64), nullable=False),
    sa.Column('reviewed_at', _utc(), nullable=False),
    sa.ForeignKeyConstraint(['turn_id'], ['turns.id'], name=op.f('fk_turn_reviews_turn_id_turns'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('turn_id', name=op.f('pk_turn_reviews'))
    )


def downgrade() -> None:
    op.drop_table('turn_reviews')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_log_username'))
        batch_op.drop_index(batch_op.f('ix_audit_log_at'))
    op.drop_table('audit_log')
    with op.batch_alter_table('console_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_console_sessions_user_id'))
    op.drop_table('console_sessions')
    with op.batch_alter_table('console_users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_console_users_username'))
    op.drop_table('console_users')
