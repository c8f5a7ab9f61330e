"""expected_visitors: expected visitors (#12, point 4)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('expected_visitors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('company', sa.String(length=200), nullable=True),
    sa.Column('phone', sa.String(length=64), nullable=True),
    sa.Column('host', sa.String(length=64), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('time_from', sa.String(length=5), nullable=True),
    sa.Column('time_to', sa.String(length=5), nullable=True),
    sa.Column('purpose', sa.Text(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_by', sa.String(length=100), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('arrived_visit_id', sa.Integer(), nullable=True),
    sa.Column('arrived_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_expected_visitors'))
    )
    with op.batch_alter_table('expected_visitors', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_expected_visitors_day'), ['day'], unique=False)
        batch_op.create_index(batch_op.f('ix_expected_visitors_host'), ['host'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('expected_visitors', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_expected_visitors_host'))
        batch_op.drop_index(batch_op.f('ix_expected_visitors_day'))

    op.drop_table('expected_visitors')
