"""Reading an ASReview LAB project file (``.asreview``) into source records with its labels, so that a team
moving from ASReview LAB brings its records and every decision in one step.

A project file is a zip archive with ``project.json``. In the current layout (project file version 3,
ASReview 2.1 and later) ``results.db`` holds both the records (table ``record``: title, abstract, authors
and keywords as JSON lists, year, DOI, URL) and the decisions (table ``results``: label 1 or 0 per
record, with the reviewer's note). Older project files (versions 1 and 2) are first brought to that
layout with ASReview's own migration (``asreview.project.migration``), on a temporary copy.

Owned here: recognising a project file by its bytes, reading its records and labels (label 1 include,
0 exclude; a record without a result is unscreened), and refusing a damaged or foreign zip with one line.
A record's "line" is its position in the project (ASReview's ``record_id`` + 1).
"""

from __future__ import annotations

import io
import json
import sqlite3
import tempfile
import zipfile
from pathlib import Path

from lsr.errors import LsrError
from lsr.search.dedupe import Candidate
from lsr.search.identity import eric_id_in_link
from lsr.search.importers.decode import zip_holds
from lsr.search.importers.framing import to_source_records
from lsr.search.importers.ris import SourceRecord

CURRENT_VERSION = 3
_RECORDS_SQL = ("SELECT record_id, title, abstract, authors, keywords, year, doi, url FROM record "
                "ORDER BY record_id")
_RESULTS_SQL = "SELECT record_id, label, note FROM results WHERE label IN (0, 1)"


def is_asreview_project(data: bytes) -> bool:
    """Whether the bytes are an ASReview project file (a zip archive with ``project.json`` at its root)."""
    return zip_holds(data, "project.json")


def read_asreview_project(data: bytes, name: str) -> tuple[list[SourceRecord], int, tuple[str, ...]]:
    """The project's records with their labels, the project file version it was written in, and a warning
    for records left out: ASReview keeps a record with no title, abstract or DOI (a dataset row with only
    an id it does not store), which lsr cannot store; such a record cannot be fixed in a project file, so it
    is left out with a warning instead of refusing the project.

    Raises:
        LsrError: a damaged archive, a project without records, or one ASReview cannot migrate.
    """
    with tempfile.TemporaryDirectory(prefix="lsr-asreview-") as tmp:
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                for member in archive.namelist():
                    if not member.endswith((".pickle", ".lock")) and _inside(tmp, member):
                        archive.extract(member, tmp)
            config = json.loads(Path(tmp, "project.json").read_text(encoding="utf-8"))
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise LsrError(f"{name}: not a readable ASReview project file: {exc}") from None
        version = int(config.get("project_file_version") or 0)
        if version < CURRENT_VERSION:
            _migrate(tmp, config, name)
        results = Path(tmp, "results.db")
        if not results.is_file():
            raise LsrError(f"{name}: ASReview project file (version {version}) without results.db: nothing to import")
        conn = sqlite3.connect(f"{results.resolve().as_uri()}?mode=ro", uri=True)
        try:
            rows = conn.execute(_RECORDS_SQL).fetchall()
            labels = {int(r[0]): (int(r[1]), r[2]) for r in conn.execute(_RESULTS_SQL)}
        except sqlite3.Error as exc:
            raise LsrError(f"{name}: ASReview project's results.db cannot be read: {exc}") from None
        finally:
            conn.close()
    def identifiable(row: tuple) -> bool:
        return any(str(v or "").strip() for v in (row[1], row[2], row[6])) or "doi.org/" in str(row[7] or "")

    empty = [int(r[0]) for r in rows if not identifiable(r)]
    rows = [r for r in rows if identifiable(r)]
    if not rows:
        raise LsrError(f"{name}: the ASReview project holds no records with a title, abstract or DOI")
    entries = [(row, labels.get(int(row[0]))) for row in rows]
    # a row left out here has a title, abstract or DOI link lsr does not read as one (a malformed DOI)
    records, unread = to_source_records(name, [int(row[0]) + 1 for row in rows], entries, entry_to_record)
    shown = ", ".join(str(i) for i in empty[:5]) + (" …" if len(empty) > 5 else "")
    left_out = (f"{name}: {len(empty)} record(s) of the project have no title, abstract or DOI and were not "
                f"imported (ASReview record_id {shown})",) if empty else ()
    return records, version, left_out + unread


def entry_to_record(entry: tuple, line: int) -> SourceRecord:
    """One ``record`` row of the project (and its result, if screened) as a ``SourceRecord``."""
    (record_id, title, abstract, authors, keywords, year, doi, url), result = entry
    cand = Candidate(
        title=title or "",
        abstract=abstract or "",
        authors=_json_list(authors),
        year=int(year) if year else None,
        doi=doi or (url if url and "doi.org/" in url else None),  # normalised by Candidate
        eric_id=eric_id_in_link(url),  # an eric.ed.gov or EBSCOhost ERIC link names the record's ERIC number
        keywords=_json_list(keywords),
        raw={"format": "asreview", "line": line, "fields": {"record_id": record_id, "url": url}},
    )
    label, note = (None, None) if result is None else ("include" if result[0] == 1 else "exclude", result[1])
    return SourceRecord(line=line, candidate=cand, label=label, note=note or None, database="ASReview LAB")


def _json_list(value: str | None) -> list[str]:
    try:
        items = json.loads(value) if value else []
    except ValueError:
        return [value] if value else []
    return [str(i).strip() for i in items if str(i).strip()] if isinstance(items, list) else []


def _inside(root: str, member: str) -> bool:
    """Whether an archive member extracts inside ``root`` (no ``../`` escapes)."""
    return Path(root, member).resolve().is_relative_to(Path(root).resolve())


def _migrate(folder: str, config: dict, name: str) -> None:
    """Bring an older project (file version 1 or 2) to the current layout with ASReview's own migration."""
    from lsr.asreview_guard import install  # noqa: PLC0415

    install()  # importing asreview must not install a process-wide HTTP cache (lsr.asreview_guard)
    from asreview.project.migration import detect_version, migrate_project  # noqa: PLC0415

    try:
        migrate_project(folder, detect_version(config), CURRENT_VERSION)
    except Exception as exc:  # noqa: BLE001  (asreview raises many types; the message is what matters)
        raise LsrError(f"{name}: ASReview could not bring this project file (version "
                       f"{config.get('project_file_version', 1)}) up to date: {exc}; open it in ASReview LAB "
                       "and export the dataset with its labels as CSV instead") from None
