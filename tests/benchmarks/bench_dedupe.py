"""Benchmark: precision and recall of lsr's de-duplication on a labelled duplicate set built from SYNERGY.

Not a test: it prints figures. Targets (issue 4): precision >= 0.995, recall >= 0.97.

How the benchmark is built (fixed seed, so runs are comparable):

1. Every work of the local SYNERGY datasets (``../shared/synergy``) is added to a review as OpenAlex
   JSON, except the works of one held-out dataset.
2. Two RIS files are written as Scopus- and PubMed-style exports would carry the same works (works with the
   same DOI or PMID count as one work), with the
   perturbations real exports show: no OpenAlex id; DOI missing (45 % / 70 %); PMID mostly missing; authors
   as "Last, F." or "Last FM"; title case changed, punctuation changed (colon to dash, trailing full stop,
   dropped commas, "and"/"&"), HTML entities or markup, diacritics stripped, titles truncated or subtitle
   dropped, an occasional typo; year off by one (online-first vs issue); abstracts missing, cut, or with a
   copyright line; a few records repeated inside a file.
3. True near-misses go into the files too, each a different work that must stay a record of its own:
   errata/corrections of real titles, the same title by other authors in other years, conference
   versions two or more years earlier or in the same year with another abstract, follow-ups ("…: 2-year follow-up", "…: study protocol"), "Part II"
   titles, and the held-out dataset's works (never seen before). Near-misses get cosmetic perturbations
   only (case, punctuation, markup, diacritics): a near-miss stripped of its authors, year, abstract and
   distinguishing title words would no longer be distinguishable from the original by anyone.
4. Both files are imported with ``lsr.search.importers.import_file`` (the real path: decode, parse, ingest).

Every RIS hit is scored against its known identity: a merge into the record of the same work is a true
positive, a merge into another work a false positive, a new record where the work already had one a
false negative. Errors are listed by perturbation so they can be inspected (``--explain`` says which
guard kept a missed merge apart). Copies of the few works that OpenAlex itself holds twice under one
title (an abstract and its article, a record with and one without DOI) are counted apart, not scored:
which of the two twins such a copy "is" cannot be known.

Usage::

    .venv/bin/python tests/benchmarks/bench_dedupe.py [--seed 7] [--holdout Sep_2021] [--show 10]
"""

from __future__ import annotations

import argparse
import html
import os
import random
import re
import sys
import tempfile
import time
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

SYNERGY = Path(os.environ.get("SYNERGY_PATH") or ROOT.parent / "shared" / "synergy")
PROTOCOL = """\
id = "bench"
title = "De-duplication benchmark"
question = "Are duplicates merged and near-misses kept apart?"

[search]
query = "benchmark"
"""
COPYRIGHT = ["© 2019 Elsevier Ltd. All rights reserved.", "Copyright © 2018 John Wiley & Sons, Ltd.",
             "(PsycINFO Database Record (c) 2020 APA, all rights reserved)", "© The Author(s) 2021."]
FOLLOW_UPS = [": 2-year follow-up", ": long-term outcomes of a randomized trial", ": study protocol",
              ". Part II", ": a secondary analysis", " - five-year results", ": an update"]


# --- perturbations ---------------------------------------------------------------------------------------


def last_first(name: str, style: str) -> str:
    """"John A. Smith" -> "Smith, J. A." (scopus-ris) or "Smith JA" (pubmed)."""
    parts = name.replace(".", ". ").split()
    if len(parts) < 2:
        return name
    family, given = parts[-1], parts[:-1]
    while len(given) > 1 and given[-1].lower() in {"van", "von", "der", "de", "den", "la", "le", "da", "di"}:
        family = given.pop() + " " + family
    initials = [g[0].upper() for g in given if g and g[0].isalpha()]
    if style == "pubmed":
        return f"{family} {''.join(initials)}"
    return f"{family}, {' '.join(i + '.' for i in initials)}"


def strip_accents(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))


def perturb_title(title: str, rng: random.Random, tags: list[str], *, cosmetic: bool = False) -> str:
    if rng.random() < 0.25:
        title = rng.choice([title.upper(), title.lower(), title.title()])
        tags.append("case")
    if rng.random() < 0.3:
        title = title.replace(": ", " - ").replace(",", "") + rng.choice([".", "", " ."])
        title = re.sub(r"\band\b", "&", title, count=1) if rng.random() < 0.5 else title
        tags.append("punctuation")
    if rng.random() < 0.08:
        words = title.split()
        if len(words) > 3:
            i = rng.randrange(1, len(words) - 1)
            words[i] = f"<i>{words[i]}</i>"
            title = html.escape(" ".join(words), quote=False) if rng.random() < 0.5 else " ".join(words)
            tags.append("markup")
    if rng.random() < 0.2 and title != strip_accents(title):
        title = strip_accents(title)
        tags.append("diacritics")
    if cosmetic:  # near-misses keep the words that make them a different work
        return title
    if rng.random() < 0.12:
        if ":" in title and rng.random() < 0.5:
            title = title.split(":", 1)[0]
        else:
            cut = rng.randint(60, 100)
            title = title[:cut].rsplit(" ", 1)[0] if len(title) > cut else title
        tags.append("truncated")
    if rng.random() < 0.04 and len(title) > 45:
        i = rng.randrange(30, len(title) - 1)
        if title[i].isalpha():
            title = title[:i] + ("e" if title[i] != "e" else "a") + title[i + 1:]
            tags.append("typo")
    return title


def ris_record(c, rng: random.Random, style: str, tags: list[str], *, doi_p: float, pmid_p: float,
               near_miss: bool = False) -> list[str]:
    """One RIS record (as lines) of candidate ``c`` with a source's typical perturbations.

    A near-miss gets only cosmetic changes (case, punctuation, markup, diacritics): it keeps its authors,
    year, abstract and the title words that make it a different work.
    """
    lines = ["TY  - JOUR" if style != "conference" else "TY  - CONF"]
    lines.append(f"TI  - {perturb_title(c.title, rng, tags, cosmetic=near_miss)}")
    authors = c.authors
    if not near_miss and rng.random() < 0.04:
        authors = []
        tags.append("no-authors")
    for a in authors[:12]:
        lines.append(f"AU  - {last_first(a, 'pubmed' if style == 'pubmed' else 'scopus')}")
    year = c.year
    if year and not near_miss and rng.random() < 0.07:
        year += rng.choice([-1, 1])
        tags.append("year+-1")
    if year and rng.random() > 0.02:
        lines.append(f"PY  - {year}" + ("///" if style == "pubmed" else ""))
    if c.venue:
        lines.append(f"T2  - {c.venue}")
    abstract = c.abstract
    r = rng.random() if not near_miss else 1.0
    if r < 0.22:
        abstract = ""
        tags.append("no-abstract")
    elif r < 0.45 and abstract:
        abstract = f"{abstract} {rng.choice(COPYRIGHT)}"
    elif r < 0.55 and abstract:
        abstract = abstract[: max(200, len(abstract) // 2)]
        tags.append("abstract-cut")
    if abstract:
        lines.append(f"AB  - {abstract}")
    if c.doi and rng.random() > doi_p:
        lines.append(f"DO  - {c.doi.upper() if rng.random() < 0.2 else c.doi}")
    else:
        tags.append("no-doi")
    if c.pmid and rng.random() > pmid_p:
        lines.append(f"AN  - {c.pmid}")
        lines.append("DB  - PubMed")
    lines.append("ER  - ")
    return [re.sub(r"\s*[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]+\s*", " ", line) for line in lines]


def near_misses(base, others, rng: random.Random, n: int) -> list[tuple[str, object, str]]:
    """``n`` works that share (most of) a title with a real work but are different works."""
    from lsr.search.dedupe import Candidate

    out = []
    pool = [c for c in base if len(c.title) > 25]
    for i, c in enumerate(rng.sample(pool, n)):  # one near-miss per work: two would be the same work
        other = rng.choice(others)
        kind = rng.choice(["erratum", "same-title-other-authors", "conference-earlier", "follow-up", "correction",
                           "conference-same-year"])
        if kind == "erratum":
            nm = Candidate(title=f"Erratum: {c.title}", authors=c.authors[:1], year=(c.year or 2015) + 1,
                           abstract="The authors regret an error in the affiliations of this article.")
        elif kind == "correction":
            nm = Candidate(title=f"Correction to: {c.title}", authors=c.authors[:1], year=(c.year or 2015) + 1,
                           abstract="")
        elif kind == "same-title-other-authors":
            nm = Candidate(title=c.title, authors=other.authors or ["Doe, Jane"], year=(c.year or 2015) +
                           rng.choice([-3, -2, 0, 2, 4]), abstract=other.abstract, venue=other.venue)
        elif kind == "conference-same-year":  # told apart only by its (different) abstract
            nm = Candidate(title=c.title, authors=c.authors, year=c.year, abstract=other.abstract,
                           type="proceedings-article")
        elif kind == "conference-earlier":
            nm = Candidate(title=c.title, authors=c.authors, year=(c.year or 2015) - rng.choice([2, 3]),
                           abstract=rng.choice(["", other.abstract]), type="proceedings-article")
        else:
            nm = Candidate(title=c.title.rstrip(".") + rng.choice(FOLLOW_UPS), authors=c.authors,
                           year=(c.year or 2015) + rng.choice([0, 1, 2, 3]), abstract=rng.choice(["", other.abstract]))
        out.append((f"N{i}", nm, kind))
    return out


# --- running ----------------------------------------------------------------------------------------------


def build(seed: int, holdout: str, tmp: Path):
    from lsr.search.dedupe import candidate_from_openalex
    from lsr.search.identity import normalize_doi
    from lsr.search.synergy import SynergyDataset, is_dataset_dir

    rng = random.Random(seed)
    datasets = [SynergyDataset(p.name, p) for p in sorted(SYNERGY.iterdir()) if is_dataset_dir(p)]
    known, held = [], []
    for ds in datasets:
        for work in ds.works():
            (held if ds.name == holdout else known).append(candidate_from_openalex(work))
    # Works with the same DOI (the settled rule) or the same PMID (one PubMed article) are the same work.
    identity, by_id = {}, {}
    for c in known + held:
        keys = [k for k in (("doi", normalize_doi(c.doi)), ("pmid", c.pmid)) if k[1]]
        found = next((by_id[k] for k in keys if k in by_id), c.openalex_id)
        identity[c.openalex_id] = found
        for k in keys:
            by_id.setdefault(k, found)
    # OpenAlex itself holds a few works twice under one title (a conference abstract and the article, or a
    # record with and one without DOI). A copy of either is scored apart: which twin it "is" is a guess.
    by_key: dict[str, set[str]] = defaultdict(set)
    for c in known:
        by_key[c.key].add(identity[c.openalex_id])
    twins = {i for ids in by_key.values() if len(ids) > 1 for i in ids}
    files: dict[str, list[tuple[list[str], str, list[str]]]] = {"scopus.ris": [], "pubmed.ris": []}
    for c in known:
        twin = ["openalex-twin"] if identity[c.openalex_id] in twins else []
        if rng.random() < 0.7:
            tags: list[str] = [*twin]
            files["scopus.ris"].append((ris_record(c, rng, "scopus", tags, doi_p=0.45, pmid_p=0.95), identity[
                c.openalex_id], tags))
        if rng.random() < 0.4:
            tags = [*twin]
            files["pubmed.ris"].append((ris_record(c, rng, "pubmed", tags, doi_p=0.7, pmid_p=0.3), identity[
                c.openalex_id], tags))
    for c in held[: len(held) // 2]:
        files["scopus.ris"].append((ris_record(c, rng, "scopus", [], doi_p=0.45, pmid_p=0.95),
                                    identity[c.openalex_id], ["held-out"]))
    for nid, nm, kind in near_misses(known, known + held, rng, 400):
        target = rng.choice(list(files))
        files[target].append((ris_record(nm, rng, "conference" if nm.type else "scopus", [], doi_p=1, pmid_p=1,
                                         near_miss=True), nid, ["near-miss", kind]))
    for recs in files.values():
        for item in rng.sample(recs, k=len(recs) // 40):  # repeated inside the same export
            recs.append((item[0], item[1], [*item[2], "repeat-in-file"]))
        rng.shuffle(recs)
    paths = {}
    for name, recs in files.items():
        lines, meta = [], {}
        for rec_lines, truth, tags in recs:
            meta[str(len(lines) + 1)] = (truth, tags)
            lines.extend(rec_lines)
            lines.append("")
        path = tmp / name
        path.write_text("\n".join(lines), encoding="utf-8")
        paths[name] = (path, meta)
    return known, identity, paths


def explain(ws, cand, truth: str, truth_of_record: dict[int, str]) -> str:
    """Why a missed merge was kept apart: the title relation and guards against the work's record."""
    import json

    from lsr.models import Record
    from lsr.search.dedupe import abstract_similarity, authors_compatible, title_relation, titles_match

    rid = next((r for r, t in truth_of_record.items() if t == truth), None)
    if cand is None or rid is None:
        return ""
    with ws.db.read() as session:
        rec = session.get(Record, rid)
        relation = title_relation(cand.key, rec.title_key)
        authors = json.loads(rec.authors_json)
        return (f"\n        relation={relation} match={relation and titles_match(cand, rec, relation)} "
                f"years={cand.year}/{rec.year} authors={authors_compatible(cand.authors, authors)} "
                f"({cand.authors[:1]} / {authors[:1]}) abstracts={abstract_similarity(cand.abstract, rec.abstract)}"
                f"\n        ours:   {cand.title[:100]!r}\n        record: {rec.title[:100]!r}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--holdout", default="Sep_2021", help="SYNERGY dataset imported only as RIS (new works)")
    parser.add_argument("--show", type=int, default=8, help="errors of each kind to print")
    parser.add_argument("--explain", action="store_true", help="say which guard kept each missed merge apart")
    args = parser.parse_args()

    from sqlmodel import select

    from lsr.models import Record, RecordSource, SearchRun
    from lsr.search.dedupe import Ingest
    from lsr.search.importers import import_file
    from lsr.settings import resolve
    from lsr.workspace import open_workspace

    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        (tmp / "ws" / "protocols").mkdir(parents=True)
        (tmp / "ws" / "protocols" / "bench.toml").write_text(PROTOCOL, encoding="utf-8")
        known, identity, paths = build(args.seed, args.holdout, tmp)
        ws = open_workspace(resolve(tmp / "ws", database_url=f"sqlite:///{tmp / 'bench.sqlite'}", reviewer="bench"))
        t0 = time.perf_counter()
        with ws.db.write() as session:
            run = SearchRun(review_id="bench", kind="update", source="openalex")
            session.add(run)
            session.flush()
            Ingest(session, "bench", run, "openalex").add_many([(c, c.openalex_id) for c in known])
        t_oa = time.perf_counter() - t0
        truth_of_record: dict[int, str] = {}
        with ws.db.read() as session:
            for rec in session.exec(select(Record).where(Record.review_id == "bench")):
                truth_of_record[rec.id] = identity[rec.openalex_id]
        outcome, twin_outcome = Counter(), Counter()
        by_tag: dict[str, Counter] = defaultdict(Counter)
        errors: dict[str, list[str]] = defaultdict(list)
        t_files = 0.0
        n_hits = 0
        parsed = {}
        if args.explain:
            from lsr.search.importers import read_file

            parsed = {name: {str(r.line): r.candidate for r in read_file(path).records}
                      for name, (path, _) in paths.items()}
        for name, (path, meta) in paths.items():
            t0 = time.perf_counter()
            summary = import_file(ws, "bench", path, source=name.split(".")[0])
            t_files += time.perf_counter() - t0
            n_hits += summary.hits
            with ws.db.read() as session:
                hits = session.exec(select(RecordSource).where(RecordSource.search_run_id == summary.run_id)
                                    .order_by(RecordSource.id)).all()
                titles = {r.id: r.title for r in session.exec(select(Record).where(Record.review_id == "bench"))}
            for hit in hits:
                truth, tags = meta[hit.source_key]
                existed = truth in truth_of_record.values()
                if not hit.is_duplicate:
                    truth_of_record[hit.record_id] = truth
                    verdict = "FN" if existed else "TN"
                else:
                    verdict = "TP" if truth_of_record[hit.record_id] == truth else "FP"
                if "openalex-twin" in tags:
                    twin_outcome[verdict] += 1
                    continue
                outcome[verdict] += 1
                for tag in tags or ["clean"]:
                    by_tag[tag][verdict] += 1
                if verdict in ("FP", "FN"):
                    line = (f"{name}:{hit.source_key} [{', '.join(tags)}] rule={hit.match_rule} "
                            f"-> record {hit.record_id}: {titles.get(hit.record_id, '')[:90]!r}")
                    if args.explain and verdict == "FN":
                        line += explain(ws, parsed[name].get(hit.source_key), truth, truth_of_record)
                    errors[verdict].append(line)
        tp, fp, fn, tn = (outcome[k] for k in ("TP", "FP", "FN", "TN"))
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / (tp + fn) if tp + fn else 1.0
        print(f"de-duplication benchmark (seed {args.seed}; SYNERGY at {SYNERGY})")
        print(f"  OpenAlex records: {len(known)} (ingested in {t_oa:.2f} s)")
        print(f"  RIS hits: {n_hits} in {len(paths)} files (imported in {t_files:.2f} s, "
              f"{n_hits / t_files:.0f} hits/s)")
        print(f"  true merges {tp}, wrong merges {fp}, missed merges {fn}, correctly new {tn}")
        print(f"  precision {precision:.4f} (target >= 0.995)   recall {recall:.4f} (target >= 0.97)")
        print(f"  not scored: {sum(twin_outcome.values())} hits of works OpenAlex holds twice under one title "
              f"(merged into the work's own record {twin_outcome['TP']}, into its twin {twin_outcome['FP']}, "
              f"new {twin_outcome['FN'] + twin_outcome['TN']})")
        print("  by perturbation (TP/FP/FN/TN):")
        for tag in sorted(by_tag):
            c = by_tag[tag]
            print(f"    {tag:28s} {c['TP']:5d} {c['FP']:4d} {c['FN']:4d} {c['TN']:5d}")
        for kind in ("FP", "FN"):
            if errors[kind]:
                print(f"  {kind} examples ({len(errors[kind])}):")
                for line in errors[kind][: args.show]:
                    print(f"    {line}")
        ok = precision >= 0.995 and recall >= 0.97
        print("  targets met" if ok else "  TARGETS NOT MET")


if __name__ == "__main__":
    main()
