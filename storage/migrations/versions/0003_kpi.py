"""indexes for the KPI queries

Revision ID: 0003_kpi
Revises: 0002_polls
"""

from __future__ import annotations

from alembic import op

revision = '0003_kpi'
down_revision = '0002_polls'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # covering for the KPI scans of a period: one index range per kind, no table lookups
    op.create_index('ix_interactions_community_kind_at', 'interactions', ['community_id', 'kind', 'at', 'member_id', 'removed_at'], unique=False)
    op.create_index('ix_members_community_joined', 'members', ['community_id', 'joined_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_members_community_joined', table_name='members')
    op.drop_index('ix_interactions_community_kind_at', table_name='interactions')
