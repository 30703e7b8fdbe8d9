"""The ranking moves from ``record`` to a narrow ``record_rank`` table, with the ranker's component scores.

Every retraining rewrites every record's rank. In ``record`` that rewrote the whole wide row (abstract,
raw JSON) each time: at 10 k records ~400 ms of writing and ~40 MB of WAL per retraining, with the write
lock held throughout. ``record_rank`` holds only what a ranking changes, plus the default ranker's
component z-scores (text, citation) that a record had in the ranking it was screened from: its
prequential history, which the next retraining rebuilds from the database.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "record_rank",
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.String(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("model_run_id", sa.Integer(), nullable=True),
        sa.Column("z_text", sa.Float(), nullable=True),
        sa.Column("z_citation", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(["record_id"], ["record.id"]),
        sa.ForeignKeyConstraint(["review_id"], ["review.id"]),
        sa.ForeignKeyConstraint(["model_run_id"], ["model_run.id"]),
        sa.PrimaryKeyConstraint("record_id"),
    )
    op.create_index("ix_record_rank_review_id", "record_rank", ["review_id"], unique=False)
    op.execute("INSERT INTO record_rank (record_id, review_id, rank, score, model_run_id, z_text, z_citation) "
               "SELECT id, review_id, rank, rank_score, rank_model_run_id, rank_z_text, rank_z_citation FROM record "
               "WHERE rank IS NOT NULL OR rank_z_text IS NOT NULL OR rank_z_citation IS NOT NULL")
    with op.batch_alter_table("record") as batch:
        batch.drop_index("ix_record_review_rank")
        batch.drop_column("rank")
        batch.drop_column("rank_score")
        batch.drop_column("rank_model_run_id")
        batch.drop_column("rank_z_text")
        batch.drop_column("rank_z_citation")


def downgrade() -> None:
    with op.batch_alter_table("record") as batch:
        batch.add_column(sa.Column("rank", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("rank_score", sa.Float(), nullable=True))
        batch.add_column(sa.Column("rank_model_run_id", sa.Integer(),
                                   sa.ForeignKey("model_run.id", name="fk_record_rank_model_run_id"), nullable=True))
        batch.add_column(sa.Column("rank_z_text", sa.Float(), nullable=True))
        batch.add_column(sa.Column("rank_z_citation", sa.Float(), nullable=True))
        batch.create_index("ix_record_review_rank", ["review_id", "rank"], unique=False)
    op.execute("UPDATE record SET rank = (SELECT rank FROM record_rank WHERE record_id = record.id), "
               "rank_score = (SELECT score FROM record_rank WHERE record_id = record.id), "
               "rank_model_run_id = (SELECT model_run_id FROM record_rank WHERE record_id = record.id), "
               "rank_z_text = (SELECT z_text FROM record_rank WHERE record_id = record.id), "
               "rank_z_citation = (SELECT z_citation FROM record_rank WHERE record_id = record.id)")
    op.drop_index("ix_record_rank_review_id", table_name="record_rank")
    op.drop_table("record_rank")
