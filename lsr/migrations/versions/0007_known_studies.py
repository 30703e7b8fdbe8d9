"""Search validation: each update run records which of the protocol's ``known_studies`` it returned.

``search_run.known_studies_json`` holds ``{"checked": [...], "found": [...], "missing": [...]}`` (normalised
DOIs) for a finished update run; NULL for imports, failed runs and runs from before this revision.

Revision ID: 0007
Revises: 0004
Create Date: 2026-11-24 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("search_run") as batch:
        batch.add_column(sa.Column("known_studies_json", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("search_run") as batch:
        batch.drop_column("known_studies_json")
