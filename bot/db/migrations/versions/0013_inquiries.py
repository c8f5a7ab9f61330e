"""inquiries and follow_ups: questions callers asked with their answers or owners, and the
follow-ups a low satisfaction score opens (#12, point 3); an index on messages.conversation

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table('inquiries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conversation', sa.String(length=128), nullable=True),
    sa.Column('asked_at', _utc(), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=True),
    sa.Column('question', sa.Text(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('faq_id', sa.String(length=64), nullable=True),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.Column('department', sa.String(length=64), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=True),
    sa.Column('callback_number', sa.String(length=32), nullable=True),
    sa.Column('replied_by', sa.String(length=100), nullable=True),
    sa.Column('replied_at', _utc(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inquiries'))
    )
    op.create_index(op.f('ix_inquiries_conversation'), 'inquiries', ['conversation'], unique=False)
    op.create_index(op.f('ix_inquiries_asked_at'), 'inquiries', ['asked_at'], unique=False)
    op.create_index(op.f('ix_inquiries_department'), 'inquiries', ['department'], unique=False)
    op.create_index(op.f('ix_inquiries_status'), 'inquiries', ['status'], unique=False)
    op.create_table('follow_ups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conversation', sa.String(length=128), nullable=True),
    sa.Column('reason', sa.String(length=24), nullable=False),
    sa.Column('score', sa.Integer(), nullable=True),
    sa.Column('case_number', sa.String(length=24), nullable=True),
    sa.Column('caller_id', sa.String(length=64), nullable=True),
    sa.Column('created_at', _utc(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('done_by', sa.String(length=100), nullable=True),
    sa.Column('done_at', _utc(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follow_ups'))
    )
    op.create_index(op.f('ix_follow_ups_conversation'), 'follow_ups', ['conversation'], unique=False)
    op.create_index(op.f('ix_follow_ups_created_at'), 'follow_ups', ['created_at'], unique=False)
    op.create_index(op.f('ix_follow_ups_status'), 'follow_ups', ['status'], unique=False)
    op.create_index(op.f('ix_messages_conversation'), 'messages', ['conversation'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_messages_conversation'), table_name='messages')
    op.drop_table('follow_ups')
    op.drop_table('inquiries')
