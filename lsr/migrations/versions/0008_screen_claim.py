"""Screen claims: which record each reviewer has on screen, so two screeners are not shown the same one.

``screen_claim`` holds one short-lived row per record, stage and reviewer (``lsr.screening.claims``).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 21:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "screen_claim",
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(), nullable=False),
        sa.Column("reviewer", sa.String(), nullable=False),
        sa.Column("review_id", sa.String(), nullable=False),
        sa.Column("claimed_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("record_id", "stage", "reviewer"),
    )
    op.create_index("ix_screen_claim_review_stage", "screen_claim", ["review_id", "stage"])


def downgrade() -> None:
    op.drop_index("ix_screen_claim_review_stage", table_name="screen_claim")
    op.drop_table("screen_claim")
