"""Record.eric_id: ERIC's number of a work (EJ1234567, ED123456), an identifier the identity rules match on.

Education reviews search ERIC on eric.ed.gov, EBSCOhost and ProQuest; ERIC's documents (ED) and many of its
journal articles have neither DOI nor PMID, so the same ERIC record from two platforms could only be matched
by its title. The column is indexed with the review, as the PMID is.

Records imported before this revision keep the fields their file gave in ``raw_json`` (``{"format": …,
"fields": …}``; a merged duplicate's in its ``record_source.raw_json``): the number is filled in from them
where they name exactly one (``identity.eric_id_in_fields``: ERIC's ``OID``, EBSCOhost's ``AN`` or BibTeX
key, an eric.ed.gov or EBSCOhost ERIC link, "ERIC Number: …"), so that the next import from another platform
finds the records already held. OpenAlex's work JSON is not read: lsr's updates take no ERIC number from it.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 10:00:00
"""

import json
import re
from collections.abc import Iterator, Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 1000
_MAYBE_ERIC = re.compile(r"E[JD][ \t]?\d{6,7}", re.IGNORECASE)  # cheap test before decoding a row's JSON


def upgrade() -> None:
    with op.batch_alter_table("record") as batch:
        batch.add_column(sa.Column("eric_id", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch.create_index("ix_record_review_eric_id", ["review_id", "eric_id"], unique=False)
    _fill_from_stored_sources()


def downgrade() -> None:
    with op.batch_alter_table("record") as batch:
        batch.drop_index("ix_record_review_eric_id")
        batch.drop_column("eric_id")


def _fill_from_stored_sources() -> None:
    from lsr.search.identity import eric_id_in_fields

    conn = op.get_bind()
    record = sa.table("record", sa.column("id", sa.Integer), sa.column("raw_json", sa.Text),
                      sa.column("eric_id", sa.String))
    source = sa.table("record_source", sa.column("id", sa.Integer), sa.column("record_id", sa.Integer),
                      sa.column("raw_json", sa.Text))
    values: dict[int, list[str]] = {}
    for table, owner in ((record, record.c.id), (source, source.c.record_id)):
        for owner_id, raw in _rows(conn, table, owner):
            if raw and _MAYBE_ERIC.search(raw):
                values.setdefault(owner_id, []).extend(_strings(_file_fields(raw)))
    for record_id, strings in sorted(values.items()):
        found = eric_id_in_fields(strings)
        if found:
            conn.execute(record.update().where(record.c.id == record_id).values(eric_id=found))


def _rows(conn, table, owner) -> Iterator[tuple[int, str | None]]:
    """(owning record id, raw JSON) of every row with raw JSON, a batch at a time."""
    last = 0
    while True:
        rows = conn.execute(sa.select(table.c.id, owner, table.c.raw_json).where(
            table.c.id > last, table.c.raw_json.is_not(None)).order_by(table.c.id).limit(BATCH)).all()
        if not rows:
            return
        for _, owner_id, raw in rows:
            yield owner_id, raw
        last = rows[-1][0]


def _file_fields(raw: str):
    """The fields an imported file gave (``raw_json`` of an import: ``{"format": …, "fields": …}``); None for
    anything else (OpenAlex's work JSON, text that is not JSON)."""
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    return value.get("fields") if isinstance(value, dict) and "format" in value else None


def _strings(value) -> Iterator[str]:
    """Every text value in a source's stored fields (dict values, list items; not keys: a stored BibTeX
    entry's key is its ``ID`` value)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
