"""prompts: a queued prompt loses the animator who wrote it when they are erased

Revision ID: 0004_prompts_erasure
Revises: 0003_prompts
Create Date: 2026-12-04 16:00:00.000000
"""

from __future__ import annotations

from storage.member_keys import member_keys

revision = '0004_prompts_erasure'
down_revision = '0003_prompts'
branch_labels = None
depends_on = None


def upgrade() -> None:
    member_keys('prompt_queue', {'added_by': 'SET NULL'})


def downgrade() -> None:
    member_keys('prompt_queue', {'added_by': 'NO ACTION'})
