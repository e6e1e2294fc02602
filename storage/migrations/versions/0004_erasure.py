"""erasure: members' foreign keys in the core tables cascade (their rows) or are emptied (others' rows)

Revision ID: 0004_erasure
Revises: 0003_kpi
Create Date: 2026-12-04 16:00:00.000000
"""

from __future__ import annotations

from storage.member_keys import member_keys

revision = '0004_erasure'
down_revision = '0003_kpi'
branch_labels = None
depends_on = None


def upgrade() -> None:
    member_keys('interactions', {'member_id': 'CASCADE', 'target_member_id': 'SET NULL'})
    member_keys('polls', {'created_by': 'SET NULL'})
    member_keys('poll_votes', {'member_id': 'CASCADE'})


def downgrade() -> None:
    member_keys('interactions', {'member_id': 'NO ACTION', 'target_member_id': 'NO ACTION'})
    member_keys('polls', {'created_by': 'NO ACTION'})
    member_keys('poll_votes', {'member_id': 'NO ACTION'})
