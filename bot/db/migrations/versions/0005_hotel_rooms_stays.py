"""hotel: rooms (number, extension, floor) and guests' stays, from the PMS export (#11)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table('rooms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=16), nullable=False),
    sa.Column('extension', sa.String(length=16), nullable=True),
    sa.Column('floor', sa.String(length=16), nullable=True),
    sa.Column('created_at', _utc(), nullable=False),
    sa.Column('updated_at', _utc(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rooms')),
    sa.UniqueConstraint('extension', name=op.f('uq_rooms_extension'))
    )
    with op.batch_alter_table('rooms', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rooms_number'), ['number'], unique=True)

    op.create_table('stays',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('room', sa.String(length=16), nullable=False),
    sa.Column('guest_name_zh', sa.String(length=200), nullable=True),
    sa.Column('guest_name_latin', sa.String(length=200), nullable=True),
    sa.Column('arrival', sa.Date(), nullable=False),
    sa.Column('departure', sa.Date(), nullable=False),
    sa.Column('vip', sa.Boolean(), nullable=False),
    sa.Column('do_not_disturb', sa.Boolean(), nullable=False),
    sa.Column('no_calls', sa.Boolean(), nullable=False),
    sa.Column('language', sa.String(length=16), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', _utc(), nullable=False),
    sa.Column('updated_at', _utc(), nullable=False),
    sa.Column('checked_out_at', _utc(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stays')),
    sa.UniqueConstraint('room', 'arrival', name=op.f('uq_stays_room_arrival'))
    )
    with op.batch_alter_table('stays', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stays_room'), ['room'], unique=False)
        batch_op.create_index(batch_op.f('ix_stays_status'), ['status'], unique=False)


def downgrade() -> None:
    op.drop_table('stays')
    op.drop_table('rooms')
