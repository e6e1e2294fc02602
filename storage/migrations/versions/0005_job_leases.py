"""scheduling: a claim is a lease until its run is done (a crash mid-run no longer loses the period); when a community was first seen

Revision ID: 0005_job_leases
Revises: 0004_erasure
Create Date: 2026-12-04 17:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = '0005_job_leases'
down_revision = '0004_erasure'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('job_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lease_until', storage.types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('done_at', storage.types.UTCDateTime(), nullable=True))
    op.execute("UPDATE job_runs SET done_at = claimed_at")  # runs of earlier releases: done (their outcome is unknown)
    with op.batch_alter_table('communities', schema=None) as batch_op:
        batch_op.add_column(sa.Column('first_seen_at', storage.types.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('communities', schema=None) as batch_op:
        batch_op.drop_column('first_seen_at')
    with op.batch_alter_table('job_runs', schema=None) as batch_op:
        batch_op.drop_column('done_at')
        batch_op.drop_column('lease_until')
