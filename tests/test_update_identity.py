"""Identity on an update: works shaped like real OpenAlex records lsr was never tuned on (SICI DOIs of one
journal issue, an issue-level DOI shared by two articles) are all stored, and a re-run adds nothing."""

from __future__ import annotations

import pytest

from lsr.search.openalex.server import running_server
from lsr.search.update import update_review
from tests.helpers import run
from tests.test_update_support import fast_client_env, new_workspace, open_ws, record_ids, runs

pytestmark = pytest.mark.both_backends  # SQLite here, PostgreSQL too in the slow tier


def work(n: int, title: str, doi: str | None, author: str, abstract: str) -> dict:
    words = abstract.split()
    index: dict[str, list[int]] = {}
    for pos, word in enumerate(words):
        index.setdefault(word, []).append(pos)
    return {
        "id": f"https://openalex.org/W{9000 + n}", "doi": doi, "title": title, "display_name": title,
        "publication_year": 2000, "publication_date": "2000-11-01", "type": "article", "language": "en",
        "authorships": [{"author": {"display_name": author}, "raw_author_name": author}],
        "abstract_inverted_index": index, "referenced_works": [], "is_retracted": False,
        "primary_location": {"source": {"display_name": "Movement Disorders"}},
    }


WORKS = [
    work(1, "Botulinum toxin for cervical dystonia: a double-blind trial",
         "https://doi.org/10.1002/1531-8257(200011)15:6<1248::aid-mds1029>3.0.co;2-q", "Anna Berg",
         "A randomised trial of botulinum toxin in cervical dystonia patients."),
    work(2, "Pallidal stimulation in generalised dystonia",
         "https://doi.org/10.1002/1531-8257(200011)15:6<1213::aid-mds1022>3.0.co;2-z", "Li Chen",
         "Deep brain stimulation outcomes in dystonia over two years."),
    # two articles carrying one issue-level DOI at the source
    work(3, "Trihexyphenidyl in childhood dystonia", "https://doi.org/10.1002/mds.issue-15-6", "Maria Rossi",
         "An open trial of trihexyphenidyl for dystonia in children."),
    work(4, "Sensory tricks in focal dystonia: a survey", "https://doi.org/10.1002/mds.issue-15-6", "Tom Walker",
         "Survey of sensory tricks reported by patients with focal dystonia."),
]


def test_the_first_update_stores_every_distinct_work_and_a_rerun_adds_nothing(tmp_path, monkeypatch):
    with running_server(WORKS) as srv:
        fast_client_env(monkeypatch, srv.url)
        ws_path = new_workspace(tmp_path, query="dystonia")
        first = update_review(open_ws(ws_path), "test-review")
        assert first.status == "ok" and first.new_records == 4, first.error
        assert [c.doi for c in first.kept_apart] == ["10.1002/mds.issue-15-6"]
        out = run(["update", "test-review"], ws_path)
    assert out.exit_code == 0, out.output
    assert "0 new" in out.output
    ws = open_ws(ws_path)
    assert sorted(record_ids(ws)) == [f"W900{n}" for n in (1, 2, 3, 4)]
    assert [r.new_records for r in runs(ws)] == [4, 0]
