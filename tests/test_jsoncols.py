"""The ``*_json`` columns' codecs (``lsr.jsoncols``): every column has one, each writes the bytes lsr has
always written, and text stored before the codecs existed reads unchanged, from the ORM and from plain SQL."""

from __future__ import annotations

import ast
import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import Text, text
from sqlmodel import SQLModel, select

import lsr
from lsr import jsoncols
from lsr.db import session_query
from lsr.models import Extraction, ModelRun, Record, RecordSource, Review, SearchRun
from lsr.settings import resolve
from lsr.workspace import open_workspace

# The text each column held before the codecs existed, for one value: default separators, ASCII escapes
# except in extraction.extra_json, keys sorted in protocol_json and extra_json, dates as str() in
# protocol_json and numpy-like values as str() in params_json.
PINNED = [
    (jsoncols.AUTHORS, ["Øster, L.", "Smith J"], '["\\u00d8ster, L.", "Smith J"]'),
    (jsoncols.KEYWORDS, ["école", "reading"], '["\\u00e9cole", "reading"]'),
    (jsoncols.REFERENCED_WORKS, ["W2", "W1"], '["W2", "W1"]'),
    (jsoncols.RAW, {"id": "https://openalex.org/W1", "b": [1, None], "a": "ü"},
     '{"id": "https://openalex.org/W1", "b": [1, null], "a": "\\u00fc"}'),
    (jsoncols.FILTERS, {"format": "ris", "encoding": "utf-8", "records": 3},
     '{"format": "ris", "encoding": "utf-8", "records": 3}'),
    (jsoncols.REQUEST_URLS, ["https://api.openalex.org/works?filter=type:article"],
     '["https://api.openalex.org/works?filter=type:article"]'),
    (jsoncols.CURSOR, {"chunks": ["q"], "per_page": 200, "cursor": None, "done": False},
     '{"chunks": ["q"], "per_page": 200, "cursor": null, "done": false}'),
    (jsoncols.KNOWN_STUDIES, {"checked": ["10.1/a"], "found": [], "missing": ["10.1/a"]},
     '{"checked": ["10.1/a"], "found": [], "missing": ["10.1/a"]}'),
    (jsoncols.PARAMS, {"model": "elas_u4", "C": 1.5, "when": dt.date(2024, 5, 1)},
     '{"model": "elas_u4", "C": 1.5, "when": "2024-05-01"}'),
    (jsoncols.EXTRA, {"zeta": "café", "alpha": 2}, '{"alpha": 2, "zeta": "café"}'),
    (jsoncols.PROTOCOL, {"review": {"id": "x", "start": dt.date(2024, 1, 2)}, "a": "é"},
     '{"a": "\\u00e9", "review": {"id": "x", "start": "2024-01-02"}}'),
]


def json_columns() -> set[str]:
    return {f"{table.name}.{col.name}" for table in SQLModel.metadata.sorted_tables for col in table.columns
            if col.name.endswith("_json")}


def test_every_json_column_has_a_codec_and_is_text():
    assert json_columns() == set(jsoncols.COLUMNS)
    for table in SQLModel.metadata.sorted_tables:
        for col in table.columns:
            if col.name.endswith("_json"):
                assert isinstance(col.type, Text), f"{table.name}.{col.name}: stays plain text (no migration)"


@pytest.mark.parametrize(("codec", "value", "stored"), PINNED)
def test_each_codec_writes_the_text_lsr_always_wrote(codec, value, stored):
    assert codec.encode(value) == stored
    decoded = codec.decode(stored)
    assert codec.encode(decoded) == stored  # reading and writing again changes nothing


def test_empty_and_null_columns_read_as_the_shapes_empty_value():
    for codec in (jsoncols.AUTHORS, jsoncols.REQUEST_URLS):
        assert codec.decode(None) == [] and codec.decode("") == []
    for codec in (jsoncols.FILTERS, jsoncols.CURSOR, jsoncols.PARAMS, jsoncols.EXTRA):
        assert codec.decode(None) == {} and codec.decode("") == {}
    for codec in (jsoncols.RAW, jsoncols.KNOWN_STUDIES):
        assert codec.decode(None) is None and codec.encode(None) is None
    with pytest.raises(ValueError):
        jsoncols.PROTOCOL.decode("")  # always written: an empty snapshot is an error, not a protocol
    with pytest.raises(ValueError):
        jsoncols.AUTHORS.decode("[not json")
    assert jsoncols.AUTHORS.decode_or_empty("[not json") == []
    assert jsoncols.CURSOR.decode_or_empty("{") == {}


@pytest.mark.both_backends  # SQLite here, PostgreSQL too in the slow tier
def test_typed_properties_store_the_codecs_text(workspace):
    ws = open_workspace(resolve(workspace))
    authors, raw = ["Øster, L.", "Smith J"], {"id": "https://openalex.org/W1", "a": "ü"}
    with ws.db.write() as s:
        run = SearchRun(review_id="test-review", query="q")
        run.filters = {"type": "article"}
        run.request_urls = ["https://api.openalex.org/works?filter=type:article"]
        run.known_studies = {"checked": [], "found": [], "missing": []}
        s.add(run)
        s.flush()
        rec = Record(review_id="test-review", openalex_id="W1", title="T", first_seen_run_id=run.id,
                     authors_json=jsoncols.AUTHORS.encode(authors))
        rec.keywords, rec.referenced_works, rec.raw = ["école"], ["W2"], raw
        s.add(rec)
        s.flush()
        s.add(RecordSource(review_id="test-review", record_id=rec.id, search_run_id=run.id, source_key="W1",
                           raw_json=jsoncols.RAW.encode(raw)))
        mr = ModelRun(review_id="test-review", model="elas_u4", params_json=jsoncols.PARAMS.encode({"C": 1.0}))
        s.add(mr)
        ex = Extraction(review_id="test-review", record_id=rec.id, outcome="o", reviewer="a")
        ex.extra = {"zeta": "café", "alpha": 2}
        s.add(ex)
    with ws.db.read() as s:
        q = session_query(s)
        (row,) = q("SELECT filters_json, request_urls_json, known_studies_json FROM search_run", {})
        assert tuple(row) == ('{"type": "article"}', '["https://api.openalex.org/works?filter=type:article"]',
                              '{"checked": [], "found": [], "missing": []}')
        (row,) = q("SELECT authors_json, keywords_json, referenced_works_json, raw_json FROM record", {})
        assert tuple(row) == ('["\\u00d8ster, L.", "Smith J"]', '["\\u00e9cole"]', '["W2"]',
                              '{"id": "https://openalex.org/W1", "a": "\\u00fc"}')
        assert q("SELECT raw_json FROM record_source", {})[0][0] == row[3]
        assert q("SELECT params_json FROM model_run", {})[0][0] == '{"C": 1.0}'
        assert q("SELECT extra_json FROM extraction", {})[0][0] == '{"alpha": 2, "zeta": "café"}'
        rec = s.exec(select(Record)).one()
        assert (rec.authors, rec.keywords, rec.referenced_works, rec.raw) == (authors, ["école"], ["W2"], raw)
        assert s.exec(select(RecordSource)).one().raw == raw
        assert s.exec(select(Extraction)).one().extra == {"alpha": 2, "zeta": "café"}
        review = s.get(Review, "test-review")
        raw = ws.protocol("test-review").raw
        assert review.protocol_json == json.dumps(raw, sort_keys=True, default=str)  # as lsr always wrote it
        assert review.protocol_raw == json.loads(json.dumps(raw, default=str))


@pytest.mark.both_backends
def test_text_stored_before_the_codecs_reads_unchanged(workspace):
    """Rows as older lsr wrote them (and as plain SQL finds them) read the same through the ORM."""
    ws = open_workspace(resolve(workspace))
    with ws.db.write() as s:
        s.execute(text("INSERT INTO search_run (review_id, kind, source, protocol_version, query, filters_json, "
                       "request_urls_json, started_at, status, results_returned, new_records, duplicates, "
                       "requests, cursor_json, known_studies_json) VALUES ('test-review', 'update', 'openalex', "
                       "'1', 'q', '{\"type\": \"article\"}', '[]', :now, 'ok', 0, 0, 0, 0, NULL, NULL)"),
                  {"now": dt.datetime.now(dt.UTC)})
        s.execute(text("INSERT INTO model_run (review_id, model, params_json, n_labels, n_included, n_excluded, "
                       "n_ranked, started_at, duration_s, status) VALUES ('test-review', 'm', '{}', 0, 0, 0, 0, "
                       ":now, 0, 'ok')"), {"now": dt.datetime.now(dt.UTC)})
    with ws.db.read() as s:
        run = s.exec(select(SearchRun)).one()
        assert (run.filters, run.request_urls, run.cursor, run.known_studies) == ({"type": "article"}, [], {}, None)
        assert s.exec(select(ModelRun)).one().params == {}
        known = session_query(s)("SELECT known_studies_json FROM search_run", {})[0][0]
        assert jsoncols.KNOWN_STUDIES.decode(known) is None


def test_no_module_decodes_or_encodes_a_json_column_by_hand():
    """``json.loads``/``json.dumps`` of a ``*_json`` column's text, or assigned to one, belongs in lsr.jsoncols."""
    root = Path(lsr.__file__).parent
    found = []
    for path in sorted(root.rglob("*.py")):
        if path.name == "jsoncols.py" or "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            targets: list[str] = []
            if isinstance(node, ast.Call) and ast.unparse(node.func) in ("json.loads", "json.dumps"):
                targets = [ast.unparse(a) for a in node.args]
            elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and \
                    ast.unparse(node.value.func) in ("json.loads", "json.dumps"):
                targets = [ast.unparse(t) for t in node.targets]
            elif isinstance(node, ast.keyword) and isinstance(node.value, ast.Call) and \
                    ast.unparse(node.value.func) in ("json.loads", "json.dumps"):
                targets = [node.arg or ""]
            if any("_json" in t for t in targets):
                found.append(f"{path.relative_to(root)}:{node.lineno if hasattr(node, 'lineno') else '?'}")
    assert found == []
