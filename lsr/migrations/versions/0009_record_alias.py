"""Record aliases: the number of a record folded into another keeps finding the record it became.

``record_alias`` maps a record id that no longer exists (OpenAlex merged its work into another work lsr
held as a record, ``lsr.search.openalex.merges``) to the record it was folded into.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 22:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "record_alias",
        sa.Column("old_id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.String(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("old_id"),
    )
    op.create_index("ix_record_alias_record_id", "record_alias", ["record_id"])


def downgrade() -> None:
    op.drop_index("ix_record_alias_record_id", table_name="record_alias")
    op.drop_table("record_alias")
