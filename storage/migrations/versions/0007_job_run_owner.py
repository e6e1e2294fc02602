"""scheduling: every claim of a period has an owner, so a run whose lease ran out cannot end the claim of the run that took it over

Revision ID: 0007_job_run_owner
Revises: 0006_deferred_dms
Create Date: 2026-12-04 19:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import sqlmodel.sql.sqltypes

revision = '0007_job_run_owner'
down_revision = '0006_deferred_dms'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('job_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('owner', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('job_runs', schema=None) as batch_op:
        batch_op.drop_column('owner')
