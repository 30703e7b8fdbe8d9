"""Importing export files into a review (``lsr import``), whole or not at all.

Owns the import pipeline: read the bytes, recognise the format by content (the file name's extension is
not trusted), check and parse every record, and only then, in one write transaction, log a ``SearchRun``
(kind ``import``, the source name, the file as given and its SHA-256), add every record through ``Ingest``
(de-duplication and ``RecordSource`` provenance with the format as kind and the record's first line as
``source_key``) and append the labels the file carries as decisions (kind ``import``) of a named reviewer,
or, where a Rayyan export names its members' decisions (``rayyan``), of each member. Any problem raises
``LsrError`` before the transaction commits, so a refused file leaves the database unchanged. What a reader
leaves out of a file it imports (a record with no title, abstract or identifier: a note or attachment on its
own; tag lines between RIS records; the volumes BibTeX entries name as their crossref; a BibTeX field
whose braces do not balance, read to the end of its line or left out when it runs over several lines) it says in one
warning line each, which ``lsr import`` prints (``ParsedFile.warnings``). The same file (by SHA-256) is not
imported twice into one review.

An import holds the review's write lock (``lsr.locks.review_lock``, the lock ``lsr update`` takes) around
its transaction: on PostgreSQL two imports, or an import and an update, of one review would otherwise each
de-duplicate against the records stored before either began and store the same work twice. A dry run
writes nothing and takes no lock.

The readers, one module each: ``ris``, ``csv_table`` (CSV/TSV), ``spreadsheet`` (an Excel workbook, read as
its table), ``wos`` (Web of Science plain text), ``medline`` (PubMed's and ERIC's .nbib), ``bibtex``,
``endnote_xml`` (EndNote's XML export), ``pubmed_xml`` (PubMed's XML), ``refer`` (EndNote's tagged format,
``.enw``), ``ovid`` (Ovid's tagged export), ``csl_json`` (CSL JSON) and ``asreview_project`` (an ASReview LAB project file); ``decode``
turns bytes into text or refuses them, ``framing`` holds what the line-based readers share and
``xml_records`` what the XML ones do; ``bibtex_text`` is the BibTeX reader's text-level work (entry starts,
keys and field names with spaces, why an entry could not be read). A row merged into an existing record keeps
the file's fields on its ``RecordSource`` (``raw_json``), so a merge can be checked in ``lsr export``'s JSON.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import select

from lsr.errors import LsrError
from lsr.jsoncols import FILTERS
from lsr.locks import review_lock
from lsr.models import Decision, SearchRun, utcnow
from lsr.screening.decisions import FT, TA, latest_decisions, settled_labels, validate_decision
from lsr.search.dedupe import DoiConflict, Ingest
from lsr.search.importers.asreview_project import is_asreview_project, read_asreview_project
from lsr.search.importers.bibtex import looks_like_bibtex, read_bibtex
from lsr.search.importers.csl_json import looks_like_csl_json, read_csl_json
from lsr.search.importers.csv_table import header_columns, looks_like_csv, read_csv
from lsr.search.importers.decode import decode_bytes, read_bytes
from lsr.search.importers.endnote_xml import looks_like_endnote_xml, read_endnote_xml
from lsr.search.importers.medline import looks_like_medline, read_medline
from lsr.search.importers.ovid import looks_like_ovid, read_ovid
from lsr.search.importers.pubmed_xml import looks_like_pubmed_xml, read_pubmed_xml
from lsr.search.importers.refer import looks_like_refer, read_refer
from lsr.search.importers.ris import SourceRecord, looks_like_ris, read_ris
from lsr.search.importers.spreadsheet import is_xlsx, xlsx_as_csv
from lsr.search.importers.wos import looks_like_wos, read_wos

PROGRESS_STEP = 500
# every reader returns the records and one warning line for each kind of thing it left out (records with no
# title, abstract or identifier; RIS: tag lines between records; BibTeX: the volumes other entries name as
# their crossref)
READERS = {"ris": read_ris, "bibtex": read_bibtex, "csv": read_csv, "wos": read_wos, "medline": read_medline,
           "endnote": read_endnote_xml, "pubmed_xml": read_pubmed_xml, "refer": read_refer,
           "ovid": read_ovid, "csl": read_csl_json}

LSR_JSON = re.compile(r'\[\s*\{"id": \d+, "openalex_id": ')  # what `lsr export --format json` writes first
_NOT_SUPPORTED = (  # a first line's start -> what the file is and what to export instead; the first match wins
    (re.compile(r"<\d+\.?\s*>\s*$"), "this looks like Ovid's display format (records numbered <1>, fields without "
                                       "labels), which lsr does not read; export the records from Ovid as RIS (Export > "
                                       "format RIS) or with field labels (Citation Manager format)"),
    (re.compile(r"[{\[]"), "this looks like JSON but not CSL JSON, the one JSON lsr reads (Zotero, Mendeley); export RIS, "
                          "BibTeX or CSV instead (Publish or Perish: File > Save as; OpenAlex works come with `lsr update`)"),
    (re.compile("<"), "this looks like XML or HTML but neither an EndNote XML export nor PubMed XML; export RIS, "
                      "CSV, BibTeX or (PubMed) MEDLINE instead"),
)


@dataclass(frozen=True)
class ParsedFile:
    """An import file read and checked, before anything touches the database."""

    path: str
    format: str  # ris | csv | xlsx | asreview | wos | medline | bibtex | endnote | pubmed_xml | refer | ovid | csl
    encoding: str
    sha256: str
    records: list[SourceRecord]
    warnings: tuple[str, ...] = ()  # what the reader left out and why (one line each)

    @property
    def database(self) -> str | None:
        """The database every record names (RIS ``DB``/``DP``), if they agree."""
        names = {r.database for r in self.records}
        return names.pop() if len(names) == 1 else None


@dataclass(frozen=True)
class ImportSummary:
    """What one import did (the CLI prints it; tests and scripts read it)."""

    review_id: str
    file: str
    format: str
    encoding: str
    source: str
    run_id: int
    hits: int
    new_records: int
    duplicates: int
    duplicates_within_file: int
    labels: int
    labels_reviewer: str | None
    #: records kept apart from a record with the same DOI because their titles clearly differ
    doi_conflicts: tuple[DoiConflict, ...] = ()
    warnings: tuple[str, ...] = ()  # one line each, for stderr (conflicting labels in the file)
    dry_run: bool = False  # True: what the import would do; nothing was written


class _RollBack(Exception):
    """Raised inside the import transaction by a dry run, carrying what the import would have done."""

    def __init__(self, summary: ImportSummary) -> None:
        super().__init__("dry run")
        self.summary = summary


def detect_format(text: str, name: str) -> str:
    """``"ris"``, ``"wos"`` (Web of Science plain text), ``"medline"`` (PubMed's and ERIC's), ``"bibtex"``,
    ``"endnote"`` (EndNote XML), ``"pubmed_xml"``, ``"refer"`` (EndNote tagged), ``"ovid"``, ``"csl"`` (CSL JSON)
    or ``"csv"`` from the text itself.

    Raises:
        LsrError: neither, with a hint when the file is a known other format.
    """
    lines = text[:200_000].split("\n")  # the head is enough to tell
    if looks_like_ris(lines):
        return "ris"
    if looks_like_bibtex(lines):
        return "bibtex"
    if looks_like_endnote_xml(text):
        return "endnote"
    if looks_like_pubmed_xml(text):
        return "pubmed_xml"
    if looks_like_csl_json(text):
        return "csl"
    if looks_like_ovid(lines):
        return "ovid"
    n, first = next(((i, ln) for i, ln in enumerate(lines, 1) if ln.strip()), (1, ""))
    if looks_like_wos(first):
        return "wos"
    if looks_like_medline(first):
        return "medline"
    if looks_like_refer(first):
        return "refer"
    if looks_like_csv(first):
        return "csv"
    stripped = first.lstrip()
    refused = f"{name}: line {n}: not an export format lsr reads"
    if LSR_JSON.match(text.lstrip("\ufeff \r\n")):
        raise LsrError(f"{refused}: this is lsr's own JSON export, which is for scripts; to move records with "
                       "their labels into a review, export them with `lsr export REVIEW --format csv` (or ris)")
    for known, hint in _NOT_SUPPORTED:
        if known.match(stripped):
            raise LsrError(f"{refused}: {hint}")
    delimiter, columns = header_columns(first)
    if delimiter is not None and len(columns) >= 3:
        return "csv"  # a table without the columns lsr needs: read_csv says which columns it has
    shown = stripped[:60] + ("…" if len(stripped) > 60 else "")
    raise LsrError(f"{refused}: a RIS file starts with a "
                   f"TY line, a CSV file with a header naming a title, abstract or doi column, MEDLINE (PubMed, "
                   f"ERIC) with a PMID- or OWN - line, BibTeX with @article{{…}}, EndNote's tagged format with a %0 "
                   f"line, Ovid's export with a record number <1. > (found {shown!r})")


def read_file(path: str | Path, encoding: str | None = None) -> ParsedFile:
    """Read, decode, recognise and parse an import file, without touching any database.

    Raises:
        LsrError: the file is missing, unreadable, or refused (see ``decode``, ``ris``, ``csv_table``).
    """
    name = str(path)
    data = read_bytes(path)
    sha256 = hashlib.sha256(data).hexdigest()
    if is_xlsx(data):
        table, sheet = xlsx_as_csv(data, name)
        return ParsedFile(name, "xlsx", f"sheet {sheet}", sha256, *read_csv(table, name))
    if is_asreview_project(data):
        records, version, left_out = read_asreview_project(data, name)
        return ParsedFile(name, "asreview", f"project file v{version}", sha256, records, left_out)
    decoded = decode_bytes(data, name, encoding)
    del data
    text, used, warnings = decoded.text, decoded.encoding, decoded.warnings
    del decoded
    if not text.strip():
        raise LsrError(f"{name}: empty file: nothing to import")
    fmt = detect_format(text, name)
    if fmt not in ("csv", "bibtex", "endnote", "pubmed_xml", "csl"):  # the line formats go line by line
        text = text.split("\n")
    records, left_out = READERS[fmt](text, name)
    return ParsedFile(name, fmt, used, sha256, records, (*warnings, *left_out))


def import_file(ws, review_id: str, path: str | Path, source: str | None = None, reviewer: str | None = None, *,
                source_kind: str | None = None, label: str | None = None, encoding: str | None = None, dry_run: bool = False,
                progress: Callable[[int, int], None] | None = None, wait: bool | float = False,
                on_wait: Callable[[str], None] | None = None) -> ImportSummary:
    """Import one file (RIS, CSV, Excel, Web of Science, MEDLINE, BibTeX, EndNote XML or tagged, ASReview LAB
    project) into a review, in one transaction.

    Args:
        ws: the opened ``Workspace``.
        review_id: the review to add to.
        path: the file; stored as given.
        source: the source's name for the PRISMA-S log (Scopus, PubMed, …); default: the database the
            records name, else the format (``ris``, ``csv``, ``bibtex``, …).
        reviewer: whose decisions the file's labels become; default: the workspace's reviewer.
        source_kind: ``database`` or ``other``, where the import goes in the PRISMA diagram; stored in the run's
            ``filters_json``; None: decided from the source's name and the format (``lsr.report.prisma``).
        label: ``include``/``exclude``/``maybe`` for every record the file does not label itself (a list of
            included studies exported from another tool); None: only the file's own labels.
        encoding: override encoding detection (a Python codec name).
        dry_run: do everything (checks, matching against the review, labels) in the transaction, then roll
            it back: the summary says what the import would do, and the file can be imported afterwards.
        progress: called with (records added so far, records in the file) every few hundred records.
        wait: when an update or another import of the review is running: False to refuse at once
            (``lsr.locks.LockBusy``), True to wait for it, or a number of seconds to wait at most.
        on_wait: called once, with what is running, when the import starts waiting for it.

    Raises:
        LsrError: unknown review, refused file, or the same file imported into this review before.
        LockBusy: an update or another import of the review is running (and ``wait`` gave up).
    """
    protocol = ws.protocol(review_id)
    if label not in (None, "include", "exclude", "maybe"):
        raise LsrError(f"label {label!r}: expected include, exclude or maybe")
    if source_kind not in (None, "database", "other"):
        raise LsrError(f"source kind {source_kind!r}: expected database or other")
    parsed = read_file(path, encoding)
    if label is not None:
        for rec in parsed.records:
            if rec.label is None and not rec.member_labels:
                rec.label = label
    reviewer = reviewer or ws.settings.reviewer
    labelled = [r for r in parsed.records if r.label is not None]
    members = sorted({m for r in parsed.records for m in r.member_labels})
    # a file with Rayyan's member decisions came from Rayyan, whatever database its records name
    source = (source or "").strip() or ("Rayyan" if members else None) or parsed.database or parsed.format
    labels_by = ", ".join(members + ([reviewer] if labelled else [])) or None
    try:
        if dry_run:
            return _import_parsed(ws, protocol, parsed, source, reviewer, labels_by, dry_run, progress, source_kind)
        with review_lock(ws, protocol.id, wait=wait, purpose="import", on_wait=on_wait):
            return _import_parsed(ws, protocol, parsed, source, reviewer, labels_by, dry_run, progress, source_kind)
    except _RollBack as done:
        return done.summary


def _import_parsed(ws, protocol, parsed: ParsedFile, source: str, reviewer: str, labels_by: str | None,
                   dry_run: bool, progress, source_kind: str | None = None) -> ImportSummary:
    """The import transaction (``import_file``); a dry run raises ``_RollBack`` at its end."""
    review_id = protocol.id
    with ws.db.write() as session:
        earlier = session.exec(select(SearchRun).where(
            SearchRun.review_id == review_id, SearchRun.kind == "import", SearchRun.file_sha256 == parsed.sha256,
            SearchRun.status == "ok")).first()
        if earlier is not None:
            when = earlier.started_at.strftime("%Y-%m-%d %H:%M") if earlier.started_at else "earlier"
            raise LsrError(f"{parsed.path}: already imported into {review_id} on {when} (import run {earlier.id}, "
                           f"file {earlier.file}); nothing imported")
        run = SearchRun(review_id=review_id, kind="import", source=source, protocol_version=protocol.version,
                        file=parsed.path, file_sha256=parsed.sha256, reviewer=labels_by,
                        filters_json=FILTERS.encode({"format": parsed.format, "encoding": parsed.encoding,
                                                     "records": len(parsed.records),
                                                     **({"source_kind": source_kind} if source_kind else {})}))
        session.add(run)
        session.flush()
        ingest = Ingest(session, review_id, run, parsed.format)
        record_ids: list[int] = []  # ids only: the session may let go of each batch's records
        own: set[int] = set()  # records recognised by the lsr_id of lsr's own export
        within = 0
        for start in range(0, len(parsed.records), PROGRESS_STEP):
            chunk = parsed.records[start:start + PROGRESS_STEP]
            for result in ingest.add_many([(r.candidate, r.source_key) for r in chunk], batch_size=PROGRESS_STEP,
                                          keep_raw=True):
                record_ids.append(result.record.id)
                if result.rule == "lsr_id":
                    own.add(result.record.id)
                within += not result.is_new and result.record.first_seen_run_id == run.id
            if progress is not None:
                progress(start + len(chunk), len(parsed.records))
        n_labels, warnings = _add_label_decisions(session, protocol, reviewer, parsed, record_ids, own)
        run.status = "ok"
        run.finished_at = utcnow()
        session.add(run)
        summary = ImportSummary(
            review_id=review_id, file=parsed.path, format=parsed.format, encoding=parsed.encoding, source=source,
            run_id=run.id, hits=run.results_returned, new_records=run.new_records, duplicates=run.duplicates,
            duplicates_within_file=within, labels=n_labels, labels_reviewer=labels_by,
            doi_conflicts=tuple(ingest.doi_conflicts), warnings=(*parsed.warnings, *warnings), dry_run=dry_run)
        if dry_run:
            raise _RollBack(summary)
    return summary


def _member_decisions(session, protocol, votes: dict[tuple[int, str], tuple[str, str | None, str | None]]
                      ) -> list[Decision]:
    """Decisions of the named members another tool exported (Rayyan), each as that member's own decision, so
    dual screening and its disagreements come along. A vote equal to the member's current decision is
    skipped (re-importing changes nothing); reasons that are not the protocol's go into the note."""
    if not votes:
        return []
    current = latest_decisions(session, protocol.id, TA)
    out = []
    for (record_id, member), (label, reason, note) in votes.items():
        checked, other = None, []
        for given in (r.strip() for r in (reason or "").split(",") if label == "exclude" and r.strip()):
            try:
                valid = validate_decision(protocol, label, TA, given)
            except LsrError:
                valid = None
            if checked is None and valid is not None:
                checked = valid
            else:
                other.append(given)
        if other:  # Rayyan separates a record's reasons by commas; the first of the protocol's is the reason
            note = "; ".join(n for n in (f"imported reason: {', '.join(other)}", note) if n)
        now = current.get((record_id, member))
        if now is not None and now.label == label and now.reason == checked:
            continue
        out.append(Decision(review_id=protocol.id, record_id=record_id, reviewer=member, stage=TA, label=label,
                            reason=checked, note=note, kind="import"))
    return out


def _full_text_decisions(session, protocol, reviewer: str, rows: dict[int, SourceRecord]) -> list[Decision]:
    """Full-text inclusions of a file that labels both stages (``SourceRecord.full_text``), as the reviewer's
    full-text decisions (kind ``import``); one equal to the reviewer's current full-text decision is skipped."""
    current = {rid: d for (rid, _), d in latest_decisions(session, protocol.id, FT, reviewer).items()}
    out = []
    for record_id, rec in rows.items():
        if rec.full_text != "include":
            continue
        now = current.get(record_id)
        if now is not None and now.label == "include":
            continue
        out.append(Decision(review_id=protocol.id, record_id=record_id, reviewer=reviewer, stage=FT, label="include",
                            kind="import"))
    return out


def _full_text_warnings(path: str, rows: dict[int, SourceRecord]) -> list[str]:
    """Full-text exclusions a file marks without a reason: PRISMA 2020 reports every full-text exclusion with
    its reason, so they are left for a reviewer to decide (the title/abstract inclusion is recorded)."""
    lines = [rec.line for rec in rows.values() if rec.full_text == "exclude"]
    if not lines:
        return []
    shown = ", ".join(map(str, lines[:5])) + (", …" if len(lines) > 5 else "")
    return [f"{path}: {len(lines)} record(s) included at title/abstract were not included in the end (lines "
            f"{shown}), but the file gives no full-text exclusion reason, which PRISMA 2020 reports: they wait for "
            f"a full-text decision (lsr decide REVIEW RECORD exclude --stage full-text --reason N)"]


_INCLUSIVE = {"exclude": 0, "maybe": 1, "include": 2}


def _most_inclusive(recs: list[SourceRecord]) -> SourceRecord:
    """The row whose label (then full-text label) includes most; the last of equals."""
    return max(reversed(recs), key=lambda r: (_INCLUSIVE.get(r.label or "", -1), r.full_text == "include"))


def _add_label_decisions(session, protocol, reviewer: str, parsed: ParsedFile, record_ids: list[int],
                         own: set[int]) -> tuple[int, list[str]]:
    """Append the file's labels as title/abstract decisions (kind ``import``), and the full-text inclusions
    of a file that labels both stages; returns how many, and warnings.

    One decision per record: when several rows of the file are one record (duplicates) and their labels
    differ, the most inclusive is recorded (include, then maybe, then exclude; the last such row), so a
    study included under one copy is not lost because another copy was excluded as its duplicate, and a
    warning names the lines. A label equal to the
    reviewer's current one is skipped, so re-importing labels changes nothing; so is a label equal to
    the current label of a record that came back in lsr's own export (``own``), whoever decided it. A
    reason that is not one of the protocol's exclusion reasons is kept in the note, with the note the
    file carries.
    """
    rows: dict[int, list[SourceRecord]] = {}
    votes: dict[tuple[int, str], tuple[str, str | None, str | None]] = {}  # (record, member) -> label, reason, note
    for rec, record_id in zip(parsed.records, record_ids, strict=True):
        if rec.label is not None:
            rows.setdefault(record_id, []).append(rec)
        for member, (label, note) in rec.member_labels.items():
            votes[(record_id, member)] = (label, rec.reason, note)
    conflicts = [(rid, recs) for rid, recs in rows.items() if len({r.label for r in recs}) > 1]
    warnings = []
    if conflicts:
        rid, recs = conflicts[0]
        shown = " vs ".join(f"{r.label} (line {r.line})" for r in recs[:3])
        warnings.append(f"{parsed.path}: {len(conflicts)} record(s) carry conflicting labels in the file "
                        f"(e.g. record {rid}: {shown}); the most inclusive label was recorded (include, then "
                        f"maybe, then exclude)")
    chosen = {rid: _most_inclusive(recs) for rid, recs in rows.items()}
    current = {rid: d for (rid, _), d in latest_decisions(session, protocol.id, TA, reviewer).items()}
    settled = {}
    if own:
        per_record = protocol.screening.reviewers_per_record
        settled = {**settled_labels(session, protocol.id, TA, per_record),
                   **settled_labels(session, protocol.id, FT, per_record)}
    added = []
    for record_id, rec in chosen.items():
        note = rec.note
        try:
            reason = validate_decision(protocol, rec.label, TA, rec.reason) if rec.label == "exclude" else None
        except LsrError:
            reason = None
            note = "; ".join(n for n in (f"imported reason: {rec.reason}", rec.note) if n)
        now = current.get(record_id)
        if now is not None and now.label == rec.label and now.reason == reason:
            continue
        overall = settled.get(record_id) if record_id in own else None
        if overall is not None and overall.label == rec.label:
            continue
        decision = Decision(review_id=protocol.id, record_id=record_id, reviewer=reviewer, stage=TA, label=rec.label,
                            reason=reason, note=note, kind="import")
        added.append(decision)
    added += _full_text_decisions(session, protocol, reviewer, chosen)
    warnings += _full_text_warnings(parsed.path, chosen)
    added += _member_decisions(session, protocol, votes)
    session.add_all(added)
    session.flush()
    return len(added), warnings
