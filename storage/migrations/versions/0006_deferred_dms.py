"""quiet hours: direct messages held back until they end, each sent once

Revision ID: 0006_deferred_dms
Revises: 0005_job_leases
Create Date: 2026-12-05 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import sqlmodel.sql.sqltypes
import storage.types

revision = '0006_deferred_dms'
down_revision = '0005_job_leases'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('deferred_dms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('external_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('about_member_id', sa.Integer(), nullable=True),
    sa.Column('fallback_channel', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('fallback_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(), nullable=False),
    sa.Column('due_at', storage.types.UTCDateTime(), nullable=False),
    sa.Column('lease_until', storage.types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['about_member_id'], ['members.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], ),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('deferred_dms', schema=None) as batch_op:
        batch_op.create_index('ix_deferred_dms_community_due', ['community_id', 'due_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('deferred_dms', schema=None) as batch_op:
        batch_op.drop_index('ix_deferred_dms_community_due')
    op.drop_table('deferred_dms')
