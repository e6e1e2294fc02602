"""onboarding: journeys, messages sent, buddy consents and pairs

Revision ID: 0003_onboarding
Revises: 0002_polls
Create Date: 2026-11-21 12:05:25.787365
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import sqlmodel.sql.sqltypes
import storage.types

revision = '0003_onboarding'
down_revision = '0002_polls'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('buddy_consents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('opted_in_at', storage.types.UTCDateTime(), nullable=False),
    sa.Column('opted_out_at', storage.types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], ),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('community_id', 'member_id', name='uq_buddy_consents_member')
    )
    op.create_table('buddy_pairs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('newcomer_id', sa.Integer(), nullable=False),
    sa.Column('buddy_id', sa.Integer(), nullable=False),
    sa.Column('period', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('paired_at', storage.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['buddy_id'], ['members.id'], ),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], ),
    sa.ForeignKeyConstraint(['newcomer_id'], ['members.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('community_id', 'newcomer_id', 'buddy_id', name='uq_buddy_pairs_pair')
    )
    with op.batch_alter_table('buddy_pairs', schema=None) as batch_op:
        batch_op.create_index('ix_buddy_pairs_buddy', ['community_id', 'buddy_id'], unique=False)

    op.create_table('onboarding_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('joined_at', storage.types.UTCDateTime(), nullable=False),
    sa.Column('left_at', storage.types.UTCDateTime(), nullable=True),
    sa.Column('rules_accepted_at', storage.types.UTCDateTime(), nullable=True),
    sa.Column('introduced_at', storage.types.UTCDateTime(), nullable=True),
    sa.Column('contributed_at', storage.types.UTCDateTime(), nullable=True),
    sa.Column('replied_at', storage.types.UTCDateTime(), nullable=True),
    sa.Column('active_at', storage.types.UTCDateTime(), nullable=True),
    sa.Column('opted_out_at', storage.types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], ),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('community_id', 'member_id', name='uq_onboarding_members_member')
    )
    with op.batch_alter_table('onboarding_members', schema=None) as batch_op:
        batch_op.create_index('ix_onboarding_members_community_joined', ['community_id', 'joined_at'], unique=False)

    op.create_table('onboarding_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('sent_at', storage.types.UTCDateTime(), nullable=False),
    sa.Column('delivered', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], ),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('community_id', 'member_id', 'kind', name='uq_onboarding_messages_kind')
    )
    with op.batch_alter_table('onboarding_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_onboarding_messages_member_id'), ['member_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('onboarding_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_onboarding_messages_member_id'))

    op.drop_table('onboarding_messages')
    with op.batch_alter_table('onboarding_members', schema=None) as batch_op:
        batch_op.drop_index('ix_onboarding_members_community_joined')

    op.drop_table('onboarding_members')
    with op.batch_alter_table('buddy_pairs', schema=None) as batch_op:
        batch_op.drop_index('ix_buddy_pairs_buddy')

    op.drop_table('buddy_pairs')
    op.drop_table('buddy_consents')
