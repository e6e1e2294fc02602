"""the replies to a post: one covering index range, whatever the statistics

Revision ID: 0008_kpi_reply_index
Revises: 0007_job_run_owner
"""

from __future__ import annotations

from alembic import op

revision = '0008_kpi_reply_index'
down_revision = '0007_job_run_owner'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # the response-time query looks up each root post's replies of the period: (community, parent) alone made a
    # planner without statistics prefer the period's whole time range (every reply of the week for every root post);
    # with kind and time after the parent, and the columns it reads, this index is the best choice with or without them
    op.create_index('ix_interactions_community_parent_kind_at', 'interactions',
                    ['community_id', 'parent_external_id', 'kind', 'at', 'member_id', 'removed_at'], unique=False, if_not_exists=True)
    # if_exists: an interrupted bulk import may have left it out (`storage.bulk.restore_indexes` creates the new one)
    op.drop_index('ix_interactions_community_parent', table_name='interactions', if_exists=True)


def downgrade() -> None:
    op.create_index('ix_interactions_community_parent', 'interactions', ['community_id', 'parent_external_id'], unique=False)
    op.drop_index('ix_interactions_community_parent_kind_at', table_name='interactions')
