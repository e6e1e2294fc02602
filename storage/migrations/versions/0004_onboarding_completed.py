"""onboarding: when a member completed the checklist (read by recognition's onboarding badges)

Revision ID: 0004_onboarding_completed
Revises: 0003_onboarding
Create Date: 2026-11-21 13:10:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = '0004_onboarding_completed'
down_revision = '0003_onboarding'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('onboarding_members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('completed_at', storage.types.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('onboarding_members', schema=None) as batch_op:
        batch_op.drop_column('completed_at')
