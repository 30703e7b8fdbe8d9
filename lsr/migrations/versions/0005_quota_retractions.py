"""Quota per search run and OpenAlex's retraction flag per record.

``search_run`` learns what a run cost (requests, credits from ``X-RateLimit-Credits-Used``), the credits
left after its last answer, and -- for a run paused because the daily budget was spent -- when the budget
resets. ``record.is_retracted`` keeps OpenAlex's flag, refreshed by every update that returns the work.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("search_run") as batch:
        batch.add_column(sa.Column("requests", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("credits_used", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("credits_remaining", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("budget_resets_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    with op.batch_alter_table("record") as batch:
        batch.add_column(sa.Column("is_retracted", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("record") as batch:
        batch.drop_column("is_retracted")
    with op.batch_alter_table("search_run") as batch:
        batch.drop_column("budget_resets_at")
        batch.drop_column("credits_remaining")
        batch.drop_column("credits_used")
        batch.drop_column("requests")
