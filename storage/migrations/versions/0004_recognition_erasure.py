"""recognition: a member's points, badges, level and kudos received go with them; what they gave loses its author

Revision ID: 0004_recognition_erasure
Revises: 0003_recognition
Create Date: 2026-12-04 16:00:00.000000
"""

from __future__ import annotations

from storage.member_keys import member_keys

revision = '0004_recognition_erasure'
down_revision = '0003_recognition'
branch_labels = None
depends_on = None

ACTIONS = {
    'recognition_points': {'member_id': 'CASCADE', 'target_member_id': 'SET NULL'},
    'recognition_badges': {'member_id': 'CASCADE', 'awarded_by': 'SET NULL', 'revoked_by': 'SET NULL'},
    'recognition_kudos': {'giver_id': 'SET NULL', 'receiver_id': 'CASCADE'},
    'recognition_levels': {'member_id': 'CASCADE'},
}


def upgrade() -> None:
    for table, actions in ACTIONS.items():
        member_keys(table, actions)


def downgrade() -> None:
    for table, actions in ACTIONS.items():
        member_keys(table, dict.fromkeys(actions, 'NO ACTION'))
