"""Study-level extraction for the synthesis: the append-only ``extraction`` table.

One row per version of one (record, outcome) extraction, with who and when; corrections append rows
that point at the row they correct. See ``lsr.models.Extraction`` and ``lsr.synthesis.extraction``.

Revision ID: 0006
Revises: 0004
Create Date: 2026-11-24 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "extraction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.String(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(), nullable=False),
        sa.Column("design", sa.String(), nullable=True),
        sa.Column("country", sa.String(), nullable=True),
        sa.Column("n", sa.Integer(), nullable=True),
        sa.Column("risk_of_bias", sa.String(), nullable=True),
        sa.Column("events_treatment", sa.Integer(), nullable=True),
        sa.Column("total_treatment", sa.Integer(), nullable=True),
        sa.Column("events_control", sa.Integer(), nullable=True),
        sa.Column("total_control", sa.Integer(), nullable=True),
        sa.Column("measure", sa.String(), nullable=True),
        sa.Column("estimate", sa.Float(), nullable=True),
        sa.Column("ci_low", sa.Float(), nullable=True),
        sa.Column("ci_high", sa.Float(), nullable=True),
        sa.Column("extra_json", sa.Text(), server_default="{}", nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("reviewer", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("source", sa.String(), nullable=True),
        sa.Column("corrects_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["review_id"], ["review.id"]),
        sa.ForeignKeyConstraint(["record_id"], ["record.id"]),
        sa.ForeignKeyConstraint(["corrects_id"], ["extraction.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_extraction_review_id", "extraction", ["review_id"], unique=False)
    op.create_index("ix_extraction_record_id", "extraction", ["record_id"], unique=False)
    op.create_index("ix_extraction_review_record_outcome", "extraction", ["review_id", "record_id", "outcome"],
                    unique=False)


def downgrade() -> None:
    op.drop_index("ix_extraction_review_record_outcome", table_name="extraction")
    op.drop_index("ix_extraction_record_id", table_name="extraction")
    op.drop_index("ix_extraction_review_id", table_name="extraction")
    op.drop_table("extraction")
