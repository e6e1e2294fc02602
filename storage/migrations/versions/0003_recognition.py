"""recognition: points ledger, badges, kudos, levels, sync cursor

Revision ID: 0003_recognition
Revises: 0002_polls
Create Date: 2026-11-21 12:07:12.306954
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import sqlmodel.sql.sqltypes
import storage.types

revision = '0003_recognition'
down_revision = '0002_polls'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('recognition_cursors',
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('last_interaction_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], ),
    sa.PrimaryKeyConstraint('community_id')
    )
    op.create_table('recognition_badges',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('badge', sqlmodel.sql.sqltypes.AutoString(length=48), nullable=False),
    sa.Column('awarded_at', storage.types.UTCDateTime(), nullable=False),
    sa.Column('manual', sa.Boolean(), nullable=False),
    sa.Column('awarded_by', sa.Integer(), nullable=True),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('revoked_at', storage.types.UTCDateTime(), nullable=True),
    sa.Column('revoked_by', sa.Integer(), nullable=True),
    sa.Column('revoke_reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.ForeignKeyConstraint(['awarded_by'], ['members.id'], ),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], ),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], ),
    sa.ForeignKeyConstraint(['revoked_by'], ['members.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('community_id', 'member_id', 'badge', name='uq_recognition_badges_once')
    )
    with op.batch_alter_table('recognition_badges', schema=None) as batch_op:
        batch_op.create_index('ix_recognition_badges_community_awarded', ['community_id', 'awarded_at'], unique=False)
        batch_op.create_index('ix_recognition_badges_member', ['member_id'], unique=False)

    op.create_table('recognition_kudos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('giver_id', sa.Integer(), nullable=True),
    sa.Column('receiver_id', sa.Integer(), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('at', storage.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], ),
    sa.ForeignKeyConstraint(['giver_id'], ['members.id'], ),
    sa.ForeignKeyConstraint(['receiver_id'], ['members.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('recognition_kudos', schema=None) as batch_op:
        batch_op.create_index('ix_recognition_kudos_community_at', ['community_id', 'at'], unique=False)
        batch_op.create_index('ix_recognition_kudos_giver_at', ['giver_id', 'at'], unique=False)
        batch_op.create_index('ix_recognition_kudos_receiver', ['receiver_id'], unique=False)

    op.create_table('recognition_levels',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('reached_at', storage.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], ),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('community_id', 'member_id', name='uq_recognition_levels_member')
    )
    with op.batch_alter_table('recognition_levels', schema=None) as batch_op:
        batch_op.create_index('ix_recognition_levels_member', ['member_id'], unique=False)

    op.create_table('recognition_points',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('external_id', sqlmodel.sql.sqltypes.AutoString(length=160), nullable=False),
    sa.Column('target_member_id', sa.Integer(), nullable=True),
    sa.Column('at', storage.types.UTCDateTime(), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('removed_at', storage.types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], ),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], ),
    sa.ForeignKeyConstraint(['target_member_id'], ['members.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('community_id', 'kind', 'external_id', name='uq_recognition_points_natural')
    )
    with op.batch_alter_table('recognition_points', schema=None) as batch_op:
        batch_op.create_index('ix_recognition_points_community_at', ['community_id', 'at'], unique=False)
        batch_op.create_index('ix_recognition_points_member_at', ['member_id', 'at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('recognition_points', schema=None) as batch_op:
        batch_op.drop_index('ix_recognition_points_member_at')
        batch_op.drop_index('ix_recognition_points_community_at')

    op.drop_table('recognition_points')
    with op.batch_alter_table('recognition_levels', schema=None) as batch_op:
        batch_op.drop_index('ix_recognition_levels_member')

    op.drop_table('recognition_levels')
    with op.batch_alter_table('recognition_kudos', schema=None) as batch_op:
        batch_op.drop_index('ix_recognition_kudos_receiver')
        batch_op.drop_index('ix_recognition_kudos_giver_at')
        batch_op.drop_index('ix_recognition_kudos_community_at')

    op.drop_table('recognition_kudos')
    with op.batch_alter_table('recognition_badges', schema=None) as batch_op:
        batch_op.drop_index('ix_recognition_badges_member')
        batch_op.drop_index('ix_recognition_badges_community_awarded')

    op.drop_table('recognition_badges')
    op.drop_table('recognition_cursors')
