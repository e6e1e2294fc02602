"""onboarding: a member's journey, messages, buddy consent and pairs go with them

Revision ID: 0005_onboarding_erasure
Revises: 0004_onboarding_completed
Create Date: 2026-12-04 16:00:00.000000
"""

from __future__ import annotations

from storage.member_keys import member_keys

revision = '0005_onboarding_erasure'
down_revision = '0004_onboarding_completed'
branch_labels = None
depends_on = None

TABLES = {
    'onboarding_members': ('member_id',), 'onboarding_messages': ('member_id',), 'buddy_consents': ('member_id',),
    'buddy_pairs': ('newcomer_id', 'buddy_id'),
}


def upgrade() -> None:
    for table, columns in TABLES.items():
        member_keys(table, dict.fromkeys(columns, 'CASCADE'))


def downgrade() -> None:
    for table, columns in TABLES.items():
        member_keys(table, dict.fromkeys(columns, 'NO ACTION'))
