"""``lsr demo``: a working living review in one command, built from a labelled public dataset.

It runs the real path, not a shortcut: a SYNERGY dataset is served by the bundled OpenAlex-compatible
server on loopback; the demo protocol's search is sent to it over HTTP twice (first "as of" an earlier
date, then with everything visible), so the review has two search rounds and new records arriving;
the ranker is trained; the screener opens. Optionally an *oracle* pre-labels part of the first round
with the dataset's true labels (reviewer ``oracle``) so charts and reports have something to show; the
demo says so on screen.

A workspace that already holds the demo review is not built into again (its searches would be counted
twice): ``build_demo`` refuses and says how to open it.

The demo protocol's query is built from the data itself: the fewest frequent title/abstract words
whose OR covers (nearly) every work, checked with the server's own matcher. Nothing is tuned to a
particular dataset.
"""

from __future__ import annotations

import dataclasses
import random
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from lsr.errors import LsrError
from lsr.search.synergy import SynergyDataset, resolve_dataset, short_openalex_id
from lsr.settings import Settings, resolve

DEFAULT_DATASET = "van_der_Valk_2021"
ORACLE = "oracle"
FIRST_ROUND_SHARE = 0.7
MAX_QUERY_WORDS = 40

Say = Callable[[str], None]


def cover_query(works: list[dict], max_words: int = MAX_QUERY_WORDS, target: float = 0.995) -> tuple[str, int]:
    """An OR-query of frequent words that matches as many works as possible (greedy set cover).

    Returns the query and how many works it matches (checked with the search matcher itself).
    """
    from lsr.search.openalex.search_syntax import SearchQuery, normalize_words, stem, work_text

    surface: dict[str, Counter] = {}
    doc_stems: list[set[str]] = []
    searchable: dict[str, bool] = {}  # stop words vanish from stemmed search: never pick them
    for work in works:
        title, abstract = work_text(work)
        stems = set()
        for w in normalize_words(f"{title} {abstract}", stemmed=False):
            if w not in searchable:
                searchable[w] = len(w) >= 4 and w.isalpha() and normalize_words(w) == [stem(w)]
            if searchable[w]:
                s = stem(w)
                stems.add(s)
                surface.setdefault(s, Counter())[w] += 1
        doc_stems.append(stems)
    uncovered = set(range(len(works)))
    chosen: list[str] = []
    while uncovered and len(chosen) < max_words and len(uncovered) > (1 - target) * len(works):
        counts = Counter(s for i in uncovered for s in doc_stems[i])
        if not counts:
            break
        best, _ = counts.most_common(1)[0]
        chosen.append(surface[best].most_common(1)[0][0])
        uncovered = {i for i in uncovered if best not in doc_stems[i]}
    if not chosen:
        raise LsrError("the dataset has no usable title or abstract words to search for")
    query = " OR ".join(chosen)
    matcher = SearchQuery(query)
    return query, sum(1 for w in works if matcher.matches(w))


def demo_protocol(ds: SynergyDataset, query: str) -> str:
    """The TOML text of the demo review's protocol."""
    meta = ds.metadata()
    concepts = [c.get("display_name") for c in (meta.get("data", {}).get("concepts", {}).get("included") or [])]
    topic = ", ".join(c for c in concepts[:3] if c) or "the original review's topic"
    rid = "demo-" + ds.name.lower().replace("_", "-")
    doi = (meta.get("publication") or {}).get("doi")
    source = f" (published review: https://doi.org/{doi})" if doi else ""
    title = f"Demo: {ds.name} — a labelled public systematic review (SYNERGY)".replace('"', "'")
    question = (f"Which records did the original reviewers of {ds.name}{source} include? Topic: {topic}. "
                "A demonstration of lsr on real, labelled data.").replace('"', "'")
    title_nl = f"Demo: {ds.name} — een gelabelde, openbare systematische review (SYNERGY)".replace('"', "'")
    source_nl = f" (gepubliceerde review: https://doi.org/{doi})" if doi else ""
    question_nl = (f"Welke publicaties namen de oorspronkelijke auteurs van {ds.name}{source_nl} op? "
                   f"Onderwerp: {topic}. Een demonstratie van lsr op echte, gelabelde gegevens.").replace('"', "'")
    return f'''id = "{rid}"
title = "{title}"
title_nl = "{title_nl}"
question = "{question}"
question_nl = "{question_nl}"
theme = "Demo"
programme_goals = []
version = "1"

[pico]
population = "as in the original review"
intervention = "as in the original review"
comparison = "as in the original review"
outcomes = ["as in the original review"]

[search]
# Built by `lsr demo` from the dataset: frequent words whose OR covers (nearly) every work.
query = '{query}'

[criteria]
include = ["meets the original review's inclusion criteria"]
exclude = ["does not meet them"]
exclusion_reasons = ["wrong population", "wrong intervention", "wrong outcome", "wrong design", "other"]
include_nl = ["voldoet aan de insluitcriteria van de oorspronkelijke review"]
exclude_nl = ["voldoet daar niet aan"]
exclusion_reasons_nl = ["verkeerde populatie", "verkeerde interventie", "verkeerde uitkomst", "verkeerd design", "anders"]
highlight = {{ include = [], exclude = [] }}

[schedule]
every = "monthly"

[screening]
reviewers_per_record = 1
stopping = "statistical"
'''


def new_workspace_dir(base: Path) -> Path:
    """``base`` if it is free, else ``base-2``, ``base-3``, ..."""
    if not base.exists() or not any(base.iterdir()):
        return base
    n = 2
    while Path(f"{base}-{n}").exists():
        n += 1
    return Path(f"{base}-{n}")


def _split_date(works: list[dict], share: float) -> str | None:
    from lsr.search.openalex.server import work_date

    dates = sorted(d for d in (work_date(w) for w in works) if d)
    if len(dates) < 2:
        return None
    return dates[min(int(len(dates) * share), len(dates) - 1)]


def build_demo(dataset: str, workspace: Path | None = None, *, oracle: float = 0.5, seed: int = 0,
               say: Say = print, download: bool = True) -> tuple[Settings, str]:
    """Build the demo workspace and return its settings and the review id.

    Args:
        dataset: a SYNERGY dataset name (resolved under ``SYNERGY_PATH``, else downloaded) or folder.
        workspace: where to build it (default: a new ``lsr-demo`` folder in the current directory).
        oracle: share of first-round records to pre-label with the true labels (0 for none).
        seed: random seed for the oracle's choice.
        say: where progress lines go.
        download: allow fetching the dataset when it is not found locally.

    Raises:
        LsrError: the dataset is not found (or not downloaded), the workspace already holds this demo
            review with records, or a demo search fails.
    """
    from lsr.search.openalex.server import OpenAlexServer
    from lsr.search.update import update_review
    from lsr.workspace import open_workspace

    ds = resolve_dataset(dataset, download=download)
    works = list(ds.works())
    labels = ds.labels()
    say(f"dataset {ds.name}: {len(works)} works, {sum(labels.values())} included by the original reviewers")
    root = (workspace or new_workspace_dir(Path.cwd() / "lsr-demo")).resolve()
    rid = "demo-" + ds.name.lower().replace("_", "-")
    _refuse_built(root, rid)
    (root / "protocols").mkdir(parents=True, exist_ok=True)
    query, matched = cover_query(works)
    (root / "protocols" / f"{rid}.toml").write_text(demo_protocol(ds, query), encoding="utf-8")
    say(f"workspace {root}: protocol {rid} (its query matches {matched} of {len(works)} works)")
    split = _split_date(works, FIRST_ROUND_SHARE)
    with OpenAlexServer(works, as_of=split) as server:
        server.start()
        settings = dataclasses.replace(resolve(root), openalex_url=server.url)
        ws = open_workspace(settings)
        for label, as_of in (("first search", split), ("update", None)):
            server.as_of = as_of
            result = update_review(ws, rid)
            if result.status != "ok":
                raise LsrError(f"demo {label} failed: {result.error}")
            when = f" as of {as_of}" if as_of else ""
            say(f"{label}{when} via {server.url}: {result.new_records} new records, "
                f"{result.duplicates} already known")
    if oracle > 0:
        n = _oracle_labels(ws, rid, labels, oracle, seed)
        say(f"the oracle pre-labelled {n} first-round records with the dataset's true labels "
            f"(reviewer '{ORACLE}', demo only)")
    _rerank(ws, rid, say)
    return dataclasses.replace(settings, openalex_url=resolve(root).openalex_url), rid


def _refuse_built(root: Path, rid: str) -> None:
    """Refuse to build the demo again where its review already has records (searches counted twice)."""
    if not (root / "protocols" / f"{rid}.toml").is_file():
        return
    from sqlalchemy import func
    from sqlmodel import select

    from lsr.models import Record
    from lsr.workspace import open_workspace

    ws = open_workspace(resolve(root))
    with ws.db.read() as session:
        held = session.exec(select(func.count()).where(Record.review_id == rid)).one()
    if held:
        raise LsrError(f"{root} already holds the demo review {rid} ({held} record{'s' if held != 1 else ''}); building it again would "
                       f"count its searches twice. Open it with `lsr --workspace {root} screen {rid}`, or give "
                       "another --workspace folder for a fresh demo")


def _oracle_labels(ws, rid: str, labels: dict[str, int], share: float, seed: int) -> int:
    from sqlmodel import select

    from lsr.models import Record, SearchRun
    from lsr.screening.decisions import add_decision

    proto = ws.protocol(rid)
    with ws.db.write() as session:
        first_run = session.exec(select(SearchRun.id).where(SearchRun.review_id == rid)
                                 .order_by(SearchRun.id)).first()
        records = session.exec(select(Record).where(Record.review_id == rid, Record.first_seen_run_id == first_run)
                               .order_by(Record.id)).all()
        rng = random.Random(seed)
        chosen = rng.sample(records, int(len(records) * share))
        # Make sure the model has both classes to learn from.
        incl = [r for r in records if labels.get(short_openalex_id(r.openalex_id) or "") == 1]
        if incl and not any(labels.get(r.openalex_id or "") == 1 for r in chosen):
            chosen.append(incl[0])
        for rec in sorted(chosen, key=lambda r: r.id):
            truth = labels.get(rec.openalex_id or "")
            if truth is None:
                continue
            label = "include" if truth == 1 else "exclude"
            add_decision(session, proto, rec.id, ORACLE, label, reason="other" if truth == 0 else None,
                         note="pre-labelled by the demo oracle")
        return len(chosen)


def _rerank(ws, rid: str, say: Say) -> None:
    from lsr.ranking.service import rerank_review  # noqa: PLC0415  (scikit-learn is slow to import)

    run = rerank_review(ws, rid)
    if run is not None:
        params = run.params
        say(f"ranked {run.n_ranked} unscreened records with {run.model} "
            f"(trained on {run.n_labels} labels{', ' + params['note'] if 'note' in params else ''})")
