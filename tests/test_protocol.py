"""The protocol validator: every rule can fail, with file, key and reason."""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
import re
import tomllib

import pytest

from lsr.protocol import (
    Criteria,
    ExtractionSpec,
    Highlight,
    Pico,
    Protocol,
    ProtocolError,
    Schedule,
    Screening,
    Search,
    check_files,
    load_protocol,
    parse_protocol,
    table_keys,
)
from tests.helpers import ROOT, protocol_text


def write(tmp_path, text: str, name: str = "test-review.toml"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def problems_for(tmp_path, text: str, name: str = "test-review.toml") -> list[str]:
    return check_files([write(tmp_path, text, name)])


def test_valid_protocol_loads(tmp_path):
    proto = load_protocol(write(tmp_path, protocol_text()))
    assert proto.id == "test-review"
    assert proto.programme_goals == (7,)
    assert proto.search.filters == {"type": "article"}
    assert proto.criteria.exclusion_reasons[0] == "wrong population"
    assert proto.schedule.every == "monthly"
    assert proto.screening.reviewers_per_record == 1


@pytest.mark.parametrize(
    ("old", "new", "key", "reason"),
    [
        ("[search]", "[serach]", "serach", "unknown table"),
        ('version = "2026-11-23"', 'version = "2026-11-23"\ncolour = "red"', "colour", "unknown key"),
        ("[pico]", "[pico]\nsetting = 'x'", "pico.setting", "unknown key"),
        ("programme_goals = [7]", "programme_goals = [0, 13]", "programme_goals", "1-12"),
        ("programme_goals = [7]", 'programme_goals = ["7"]', "programme_goals", "list of programme goal"),
        ("programme_goals = [7]", "programme_goals = [7, 7]", "programme_goals", "twice"),
        ('every = "monthly"', 'every = "fortnightly"', "schedule.every", "daily, weekly"),
        ('every = "monthly"', 'cron = "61 3 * * *"', "schedule.cron", "outside 0-59"),
        ('every = "monthly"', 'cron = "0 3 * *"', "schedule.cron", "5 fields"),
        ('every = "monthly"', 'every = "monthly"\ncron = "0 3 1 * *"', "schedule", "either every or cron"),
        ("query = '\"school day\" AND achievement'", "query = '   '", "search.query", "non-empty"),
        ("query = '\"school day\" AND achievement'", "query = '(a OR b'", "search.query", "parentheses"),
        ("query = '\"school day\" AND achievement'", "query = 'a, b'", "search.query", "commas"),
        ("query = '\"school day\" AND achievement'", "query = 'a AND'", "search.query", "nothing follows it"),
        ("query = '\"school day\" AND achievement'", "query = '(\"school day\") AND (pupils) OR homework'",
         "search.query", "'(\"school day\") AND ((pupils) OR homework)'"),
        ("query = '\"school day\" AND achievement'", "query = '\"a b'", "search.query", "unterminated quote"),
        ("query = '\"school day\" AND achievement'", "query = 'educat*'", "search.query", "wildcards"),
        ('id = "test-review"', 'id = "Test_Review"', "id", "lowercase"),
        ('id = "test-review"', 'id = "other-review"', "id", "does not match the file name"),
        ('title = "Test review test-review"', 'title = ""', "title", "non-empty"),
        ("reviewers_per_record = 1", "reviewers_per_record = 3", "screening.reviewers_per_record", "1 (single"),
        ('stopping = "statistical"', 'stopping = "consecutive-irrelevant:0"', "screening.stopping", "N >= 1"),
        ('exclusion_reasons = ["wrong population", "wrong intervention", "wrong design"]',
         "exclusion_reasons = []", "criteria.exclusion_reasons", "at least one"),
        ('filters = { type = "article" }', 'filters = { type = "article,review" }', "search.filters", "commas"),
        ('filters = { type = "article" }', 'filters = { type = "artcle|review" }', "search.filters",
         "'artcle' is not an OpenAlex work type"),
        ('filters = { type = "article" }', 'filters = { from_publication_date = 2000 }', "search.filters",
         "'2000' is not a date written \"YYYY-MM-DD\""),
        ('filters = { type = "article" }', 'filters = { to_publication_date = "2000-13-01" }', "search.filters",
         "'2000-13-01' is not a date"),
        ('highlight = { include = ["school"], exclude = ["rat"] }', 'highlight = { include = "school" }',
         "criteria.highlight.include", "list"),
        ('title = "Test review test-review"', 'title = "T"\ntitle_nl = " "', "title_nl", "non-empty"),
        ('title = "Test review test-review"', 'title = "T"\nquestion_nl = 3', "question_nl", "non-empty"),
        ('include = ["empirical study"]', 'include = ["x"]\ninclude_nl = "empirisch"', "criteria.include_nl",
         "list"),
        ('exclusion_reasons = ["wrong population", "wrong intervention", "wrong design"]',
         'exclusion_reasons = ["wrong population", "wrong intervention", "wrong design"]\n'
         'exclusion_reasons_nl = ["verkeerde populatie", "verkeerde interventie"]',
         "criteria.exclusion_reasons_nl", "same length and order"),
        ('outcomes = ["achievement"]', 'outcomes = ["achievement"]\noutcomes_nl = ["leerprestaties", "welzijn"]',
         "pico.outcomes_nl", "same length and order"),
        ('filters = { type = "article" }', 'filters = { type = "article" }\nknown_studies = ["not a doi"]',
         "search.known_studies", "not a DOI"),
        ('filters = { type = "article" }',
         'filters = { type = "article" }\nknown_studies = ["10.1000/ABC", "https://doi.org/10.1000/abc"]',
         "search.known_studies", "twice: 'https://doi.org/10.1000/abc' (as '10.1000/ABC')"),
    ],
)
def test_each_rule_fails_with_file_key_and_reason(tmp_path, old, new, key, reason):
    text = protocol_text()
    assert old in text, old
    problems = problems_for(tmp_path, text.replace(old, new, 1))
    assert problems, "expected the validator to refuse this"
    line = next((p for p in problems if f": {key}: " in p), None)
    assert line is not None, problems
    assert line.startswith(str(tmp_path / "test-review.toml"))
    assert reason in line


def test_dutch_fields_and_known_studies_load_normalised(tmp_path):
    text = protocol_text(known_studies=("https://doi.org/10.1000/ABC.1", "doi:10.2000/x")).replace(
        'title = "Test review test-review"',
        'title = "Test review test-review"\ntitle_nl = "Testreview"\nquestion_nl = "Werkt het?"').replace(
        'exclusion_reasons = ["wrong population", "wrong intervention", "wrong design"]',
        'exclusion_reasons = ["wrong population", "wrong intervention", "wrong design"]\n'
        'exclusion_reasons_nl = ["verkeerde populatie", "verkeerde interventie", "verkeerd design"]\n'
        'include_nl = ["empirisch onderzoek"]\nexclude_nl = ["dierstudie"]')
    proto = load_protocol(write(tmp_path, text))
    assert proto.title_nl == "Testreview" and proto.question_nl == "Werkt het?"
    assert proto.search.known_studies == ("10.1000/abc.1", "10.2000/x")
    assert proto.criteria.include_nl == ("empirisch onderzoek",)
    assert proto.criteria.exclude_nl == ("dierstudie",)
    assert proto.criteria.reason_nl("wrong design") == "verkeerd design"


def test_missing_required_keys(tmp_path):
    problems = problems_for(tmp_path, 'id = "test-review"\n')
    joined = "\n".join(problems)
    for key in ("title", "question", "search"):
        assert f": {key}: missing" in joined


def test_not_toml(tmp_path):
    problems = problems_for(tmp_path, "id = ")
    assert "not valid TOML" in problems[0]


def test_load_raises_protocol_error_with_all_problems(tmp_path):
    bad = protocol_text().replace("[search]", "[serach]").replace("programme_goals = [7]", "programme_goals = [99]")
    with pytest.raises(ProtocolError) as info:
        load_protocol(write(tmp_path, bad))
    assert len(info.value.problems) >= 3  # unknown table, missing search, bad goal


def test_content_hash_changes_with_content(tmp_path):
    a = load_protocol(write(tmp_path, protocol_text()))
    b = load_protocol(write(tmp_path, protocol_text(query="other")))
    assert a.content_hash != b.content_hash


def test_shipped_protocols_are_valid_and_cover_every_goal():
    files = sorted((ROOT / "protocols").glob("*.toml"))
    assert len(files) >= 10
    assert check_files(files) == []
    goals = set()
    for f in files:
        goals.update(tomllib.loads(f.read_text(encoding="utf-8"))["programme_goals"])
    assert goals == set(range(1, 13))


def test_shipped_protocols_are_signed_for_the_bureau():
    """Issue 18: Dutch fields, a stopping rule and known studies everywhere; every goal leads some review."""
    protos = [load_protocol(f) for f in sorted((ROOT / "protocols").glob("*.toml"))]
    first_goals = {p.programme_goals[0] for p in protos}
    assert first_goals == set(range(1, 13)), sorted(set(range(1, 13)) - first_goals)
    for p in protos:
        assert p.title_nl and p.question_nl, p.id
        assert p.criteria.include_nl and p.criteria.exclude_nl, p.id
        assert len(p.criteria.include_nl) == len(p.criteria.include), p.id
        assert len(p.criteria.exclude_nl) == len(p.criteria.exclude), p.id
        assert len(p.criteria.exclusion_reasons_nl) == len(p.criteria.exclusion_reasons), p.id
        assert p.pico.population_nl and p.pico.intervention_nl and p.pico.comparison_nl, p.id
        assert len(p.pico.outcomes_nl) == len(p.pico.outcomes), p.id
        assert p.screening.stopping != "none", p.id
    ids = {p.id for p in protos}
    for new in ("resident-participation-community-initiatives", "youth-health-promotion",
                "income-support-child-poverty", "early-school-leaving"):
        assert new in ids


def test_goal_texts_are_the_programmes_own_words():
    import re

    from lsr.report.nphln import GOALS, MISSION
    from tests.helpers import SHARED

    source = SHARED / "nphln" / "000_0d462812c4e44fec.txt"
    if not source.is_file():
        pytest.skip(f"programme documents not found at {source}")
    text = re.sub(r"\s+", " ", source.read_text(encoding="utf-8"))
    assert sorted(GOALS) == list(range(1, 13))
    for number, goal in GOALS.items():
        assert f"{number}. {goal['nl']}" in text, number
        assert goal["en"]
    assert MISSION["nl"] in text


PINNED = """\
id = "pinned-review"
title = "  Extended school day  "
title_nl = "Verlengde schooldag, één review"
question = "Does a longer school day raise achievement?"
theme = "Talentontwikkeling en gezondheid"
programme_goals = [7, 3]
version = 2

[pico]
population = "pupils"
outcomes = ["achievement"]

[search]
query = '"school day" AND achievement'
filters = { type = "article|review", from_publication_date = "1995-01-01", is_oa = true, publication_year = 2020 }
include_xpac = true
known_studies = ["https://doi.org/10.1000/ABC.1"]

[criteria]
include = ["empirical study"]
exclusion_reasons = ["wrong population", "wrong design"]
exclusion_reasons_nl = ["verkeerde populatie", "verkeerd design"]
highlight = { include = ["school"] }

[schedule]
cron = "0 3 1 * *"

[screening]
reviewers_per_record = 2
stopping = "consecutive-irrelevant:50"
recall_target = 0.9

[extraction]
fields = ["outcome", "n", "effect", "dosage"]
outcomes = [" achievement "]
"""


def test_recorded_form_is_pinned(tmp_path):
    """The database keeps ``protocol_json`` and ``content_hash`` of every protocol version: if they changed for
    the same file, every review would look amended. These are the values lsr recorded before the models."""
    proto = load_protocol(write(tmp_path, PINNED, "pinned-review.toml"))
    assert proto.protocol_json == (
        '{"criteria": {"exclusion_reasons": ["wrong population", "wrong design"], "exclusion_reasons_nl": '
        '["verkeerde populatie", "verkeerd design"], "highlight": {"include": ["school"]}, "include": '
        '["empirical study"]}, "extraction": {"fields": ["outcome", "n", "effect", "dosage"], "outcomes": '
        '[" achievement "]}, "id": "pinned-review", "pico": {"outcomes": ["achievement"], "population": "pupils"}, '
        '"programme_goals": [7, 3], "question": "Does a longer school day raise achievement?", "schedule": '
        '{"cron": "0 3 1 * *"}, "screening": {"recall_target": 0.9, "reviewers_per_record": 2, "stopping": '
        '"consecutive-irrelevant:50"}, "search": {"filters": {"from_publication_date": "1995-01-01", "is_oa": '
        'true, "publication_year": 2020, "type": "article|review"}, "include_xpac": true, "known_studies": '
        '["https://doi.org/10.1000/ABC.1"], "query": "\\"school day\\" AND achievement"}, "theme": '
        '"Talentontwikkeling en gezondheid", "title": "  Extended school day  ", "title_nl": '
        '"Verlengde schooldag, \\u00e9\\u00e9n review", "version": 2}')
    assert proto.content_hash == "12ac9740e589326e"
    # ... while the model holds the normalised values
    assert proto.title == "Extended school day" and proto.version == "2" and proto.programme_goals == (7, 3)
    assert proto.search.filters == {"type": "article|review", "from_publication_date": "1995-01-01",
                                    "is_oa": "true", "publication_year": "2020"}
    assert proto.search.known_studies == ("10.1000/abc.1",) and proto.search.include_xpac is True
    assert (proto.schedule.every, proto.schedule.cron) == (None, "0 3 1 * *")
    assert proto.criteria.highlight_include == ("school",) and proto.criteria.highlight_exclude == ()
    assert proto.criteria.exclude == () and proto.criteria.reason_nl("wrong design") == "verkeerd design"
    assert proto.screening.recall_target == 0.9 and proto.screening.confidence == 0.95
    assert proto.extraction.outcomes == ("achievement",) and proto.pico.outcomes == ("achievement",)


def test_recorded_form_of_every_shipped_protocol_is_its_files_table():
    """Not the model's dump: defaults and normalisation never make a stored protocol version look amended."""
    for f in sorted((ROOT / "protocols").glob("*.toml")):
        proto = load_protocol(f)
        table = tomllib.loads(f.read_text(encoding="utf-8"))
        assert proto.raw == table
        assert proto.protocol_json == json.dumps(table, sort_keys=True, default=str), f.name
        assert proto.content_hash == hashlib.sha256(proto.protocol_json.encode()).hexdigest()[:16]


def test_problems_come_in_the_order_of_the_file(tmp_path):
    """A misspelt table is the first problem named, before the table it leaves missing."""
    problems = problems_for(tmp_path, protocol_text().replace("[search]", "[serach]"))
    assert [p.split(": ")[1:3] for p in problems] == [["serach", "unknown table (allowed here"],
                                                       ["search", "missing (required)"]]


def test_every_bad_known_study_is_named(tmp_path):
    problems = problems_for(tmp_path, protocol_text(known_studies=("10.1000/a", "nope", "also nope")))
    assert [p.split(": ", 1)[1] for p in problems] == ["search.known_studies: not a DOI: 'nope'",
                                                       "search.known_studies: not a DOI: 'also nope'"]


WRONG_VALUES = ("", 3, 1.5, True, [], [3], ["outcome", ""], {}, {"a": [1]})


def _keys(model, prefix=""):
    for name, (kind, rule) in table_keys(model).items():
        yield prefix + name
        if rule is None:  # a table
            yield from _keys(kind, f"{prefix}{name}.")


def test_every_field_of_the_models_is_a_key_of_the_file():
    """Each dataclass field is a key with its rule or a table; only ``raw`` and ``path`` are not in the file."""
    for model in (Protocol, Pico, Search, Highlight, Criteria, Schedule, Screening, ExtractionSpec):
        extra = {f.name for f in dataclasses.fields(model)} - set(table_keys(model))
        assert extra == ({"raw", "path"} if model is Protocol else set()), model


@pytest.mark.parametrize("key", list(_keys(Protocol)))
def test_every_key_refuses_wrong_values_in_lsrs_words(key):
    """Each key of the models, wrong values of every TOML kind: each problem names the key and says what it
    must be in lsr's words, never a Python error's (a rule that cannot take a value fails here)."""
    base = tomllib.loads(protocol_text())
    for value in WRONG_VALUES:
        data = copy.deepcopy(base)
        *tables, last = key.split(".")
        table = data
        for name in tables:
            table = table.setdefault(name, {})
        table[last] = value
        try:
            parse_protocol(data, "f.toml")
        except ProtocolError as exc:
            for line in exc.problems:
                assert line.startswith(f"f.toml: {key}"), (value, line)
                assert not re.search(r"Error|object|NoneType|Input should|Value error", line), line
