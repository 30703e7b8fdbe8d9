"""Record.rank_z_text / rank_z_citation: the default ranker's component scores at ranking time.

The default ranker weighs its text and citation models by how well each predicted the records reviewers
have screened so far (the prequential history). The scores a record had in the ranking it was screened
from are kept on the record, so the next retraining can rebuild that history from the database.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("record") as batch:
        batch.add_column(sa.Column("rank_z_text", sa.Float(), nullable=True))
        batch.add_column(sa.Column("rank_z_citation", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("record") as batch:
        batch.drop_column("rank_z_citation")
        batch.drop_column("rank_z_text")
