"""weekly prompts: posts per period, animators' queue, pack rotation

Revision ID: 0003_prompts
Revises: 0002_polls
Create Date: 2026-11-21 12:03:47.479900
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import sqlmodel.sql.sqltypes
import storage.types

revision = '0003_prompts'
down_revision = '0002_polls'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('prompt_rotation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('pack', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('prompt_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('cycle', sa.Integer(), nullable=False),
    sa.Column('used_at', storage.types.UTCDateTime(), nullable=False),
    sa.Column('skipped', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('community_id', 'pack', 'cycle', 'prompt_id', name='uq_prompt_rotation_used')
    )
    op.create_table('prompt_queue',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('text', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('for_date', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True),
    sa.Column('added_by', sa.Integer(), nullable=True),
    sa.Column('added_at', storage.types.UTCDateTime(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('done_at', storage.types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['added_by'], ['members.id'], ),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('prompt_queue', schema=None) as batch_op:
        batch_op.create_index('ix_prompt_queue_community_status', ['community_id', 'status'], unique=False)

    op.create_table('prompt_posts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('period', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('scheduled_for', storage.types.UTCDateTime(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('pack', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('prompt_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('cycle', sa.Integer(), nullable=False),
    sa.Column('queue_id', sa.Integer(), nullable=True),
    sa.Column('theme', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('text', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('channel_external_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('message_external_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('posted_at', storage.types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], ),
    sa.ForeignKeyConstraint(['queue_id'], ['prompt_queue.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('community_id', 'period', name='uq_prompt_posts_period')
    )
    with op.batch_alter_table('prompt_posts', schema=None) as batch_op:
        batch_op.create_index('ix_prompt_posts_community_message', ['community_id', 'message_external_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('prompt_posts', schema=None) as batch_op:
        batch_op.drop_index('ix_prompt_posts_community_message')

    op.drop_table('prompt_posts')
    with op.batch_alter_table('prompt_queue', schema=None) as batch_op:
        batch_op.drop_index('ix_prompt_queue_community_status')

    op.drop_table('prompt_queue')
    op.drop_table('prompt_rotation')
