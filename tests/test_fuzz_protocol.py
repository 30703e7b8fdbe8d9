"""Fuzzing the protocol loader: any input is either a valid protocol or a clean list of problems."""

from __future__ import annotations

import tomllib

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from lsr.protocol import ProtocolError, check_files, load_protocol, parse_protocol
from tests.helpers import protocol_text

FUZZ = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

toml_scalars = st.one_of(st.text(max_size=30), st.integers(-5, 20), st.booleans(), st.floats(allow_nan=False),
                         st.lists(st.one_of(st.text(max_size=10), st.integers(0, 14)), max_size=4))
keys = st.sampled_from(["id", "title", "question", "theme", "programme_goals", "version", "pico", "search",
                        "criteria", "schedule", "screening", "query", "filters", "every", "cron", "stopping",
                        "reviewers_per_record", "include", "exclude", "exclusion_reasons", "highlight", "serach"])
tables = st.recursive(toml_scalars, lambda inner: st.dictionaries(keys, inner, max_size=6), max_leaves=25)


@FUZZ
@given(st.dictionaries(keys, tables, max_size=10))
def test_any_table_is_valid_or_refused_cleanly(data):
    try:
        proto = parse_protocol(data, "fuzz.toml")
    except ProtocolError as exc:
        assert exc.problems and all(p.startswith("fuzz.toml: ") for p in exc.problems)
        assert all("\n" not in p for p in exc.problems)
    else:
        assert proto.search.query.strip()


@FUZZ
@given(st.binary(max_size=400))
def test_any_bytes_are_refused_cleanly(tmp_path, blob):
    path = tmp_path / "test-review.toml"
    path.write_bytes(blob)
    problems = check_files([path])
    assert problems and all(p.startswith(str(path)) for p in problems)


@FUZZ
@given(st.integers(0, 2000), st.text(max_size=8))
@example(cut=0, junk="\r")  # a lone carriage return is not a TOML line break (found by a CI run)
def test_mutated_valid_protocol(tmp_path, cut, junk):
    text = protocol_text()
    mutated = text[:cut] + junk + text[cut:]
    path = tmp_path / "test-review.toml"
    path.write_text(mutated, encoding="utf-8")
    try:
        load_protocol(path)
    except ProtocolError as exc:
        assert all(p.startswith(str(path)) for p in exc.problems)
    else:
        tomllib.loads(mutated)  # it loaded, so it must at least be TOML
