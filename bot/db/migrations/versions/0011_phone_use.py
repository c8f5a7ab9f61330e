"""phone_use: phone-use requests and approval (#12, point 6)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('phone_use_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('requester', sa.String(length=64), nullable=False),
    sa.Column('requester_name', sa.String(length=200), nullable=False),
    sa.Column('department', sa.String(length=64), nullable=False),
    sa.Column('number', sa.String(length=24), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('callee', sa.String(length=200), nullable=True),
    sa.Column('purpose', sa.Text(), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('urgent_made_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_by', sa.String(length=64), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=True),
    sa.Column('flagged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('flag_message', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_phone_use_requests'))
    )
    op.create_index(op.f('ix_phone_use_requests_created_at'), 'phone_use_requests', ['created_at'], unique=False)
    op.create_index(op.f('ix_phone_use_requests_department'), 'phone_use_requests', ['department'], unique=False)
    op.create_index(op.f('ix_phone_use_requests_requester'), 'phone_use_requests', ['requester'], unique=False)
    op.create_index(op.f('ix_phone_use_requests_status'), 'phone_use_requests', ['status'], unique=False)
    op.create_index(op.f('ix_phone_use_requests_urgent_made_at'), 'phone_use_requests', ['urgent_made_at'],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_phone_use_requests_urgent_made_at'), table_name='phone_use_requests')
    op.drop_index(op.f('ix_phone_use_requests_status'), table_name='phone_use_requests')
    op.drop_index(op.f('ix_phone_use_requests_requester'), table_name='phone_use_requests')
    op.drop_index(op.f('ix_phone_use_requests_department'), table_name='phone_use_requests')
    op.drop_index(op.f('ix_phone_use_requests_created_at'), table_name='phone_use_requests')
    op.drop_table('phone_use_requests')
