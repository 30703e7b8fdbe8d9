"""Recompute Record.title_key in the compact form (letters and digits, no spaces).

De-duplication now compares titles as one run of letters and digits, so that "self-esteem" and
"self esteem" agree. Databases created with revision 0001 hold the spaced form; recompute it from the
stored titles with the same function the ingest uses.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 12:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 1000


def upgrade() -> None:
    from lsr.search.identity import title_key

    conn = op.get_bind()
    record = sa.table("record", sa.column("id", sa.Integer), sa.column("title", sa.Text),
                      sa.column("title_key", sa.String))
    last = 0
    while True:
        rows = conn.execute(sa.select(record.c.id, record.c.title).where(record.c.id > last)
                            .order_by(record.c.id).limit(BATCH)).all()
        if not rows:
            break
        for rid, title in rows:
            conn.execute(record.update().where(record.c.id == rid).values(title_key=title_key(title)))
        last = rows[-1][0]


def downgrade() -> None:
    pass  # the spaced form is not needed by any earlier code path beyond de-duplication quality
