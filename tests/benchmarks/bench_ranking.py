"""Ranking benchmark (a script, not a test): feature build, incremental update, retrain+rank, memory.

Corpora of 1 k / 10 k / 100 k records are synthesised from the SYNERGY abstracts in
``../shared/synergy`` (or ``SYNERGY_PATH``): each record takes the sentences of one random abstract plus
one sentence of another, and 5 % of its words are replaced by Zipf-distributed made-up words, so the
vocabulary keeps growing with the corpus as real text does. ``referenced_works`` are resampled the same
way (the real lists plus made-up ids), with a few links inside the pool.

Run::

    nice .venv/bin/python tests/benchmarks/bench_ranking.py            # 1k, 10k, 100k
    nice .venv/bin/python tests/benchmarks/bench_ranking.py --sizes 1000 10000

``--service`` also times the screener's real retraining step on a SQLite workspace,
``lsr.ranking.service.rerank_live`` (read the labels and stored scores, retrain, rank, write the ModelRun
and the best ranks; the other ranks are timed apart: the ranking process writes them while the reviewer
reads), and ``rerank_review`` (every rank in one transaction), at the sizes up to 10 k unless
``--service-sizes`` says otherwise.

Targets (issue 5): retrain+rank <= 100 ms at 10 k; +1 k records on a 100 k review <= 10 s; <= 2 GB at 100 k.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from lsr.ranking.citations import CitationGraph  # noqa: E402
from lsr.ranking.features import FeatureStore  # noqa: E402
from lsr.ranking.models import Corpus  # noqa: E402
from lsr.ranking.registry import make_ranker  # noqa: E402
from lsr.ranking.simulate import load_simdata  # noqa: E402


def peak_mb() -> float:
    """Peak resident memory of this process so far (MB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def source_records() -> tuple[list[str], list[list[str]]]:
    root = Path(os.environ.get("SYNERGY_PATH", ROOT.parent / "shared" / "synergy"))
    texts: list[str] = []
    refs: list[list[str]] = []
    for folder in sorted(p for p in root.iterdir() if (p / "labels.csv").exists()):
        data = load_simdata(str(folder))
        texts += data.texts
        refs += data.referenced_works
    return texts, refs


def synthesize(
    n: int, texts: list[str], refs: list[list[str]], seed: int
) -> tuple[list[str], list[list[str]]]:
    """``n`` perturbed records (texts and reference lists) resampled from the real ones."""
    rng = np.random.RandomState(seed)
    sentences = [re.split(r"(?<=[.!?])\s+", t) for t in texts]
    out_t: list[str] = []
    out_r: list[list[str]] = []
    for i in range(n):
        a, b = rng.randint(len(texts), size=2)
        words = " ".join(sentences[a] + [sentences[b][rng.randint(len(sentences[b]))]]).split()
        swap = rng.random_sample(len(words)) < 0.05
        fake = rng.zipf(1.3, size=int(swap.sum()))
        for pos, k in zip(np.flatnonzero(swap), fake, strict=True):
            words[pos] = f"zq{k % 2_000_000}"
        out_t.append(" ".join(words))
        base = list(refs[a][: rng.randint(0, len(refs[a]) + 1)])
        base += [f"W9{k % 5_000_000}" for k in rng.zipf(1.5, size=rng.randint(0, 20))]
        if i and rng.random_sample() < 0.05:
            base.append(f"W7{rng.randint(i)}")  # a link inside the pool
        out_r.append(base)
    return out_t, out_r


def bench_build(texts: list[str]) -> tuple[FeatureStore, float]:
    t0 = time.perf_counter()
    store = FeatureStore()
    store.add([f"W7{i}" for i in range(len(texts))], texts)
    store.matrix()
    return store, time.perf_counter() - t0


def bench_decision(store: FeatureStore, refs: list[list[str]], model: str, repeats: int = 5) -> float:
    """Mean seconds for one retrain + rank of every unlabelled record (10 % labelled, capped at 2 000)."""
    n = len(store)
    graph = CitationGraph(store.ids, refs) if model == "default" else None
    corpus = Corpus(X=store.matrix(), graph=graph)
    rng = np.random.RandomState(0)
    n_lab = min(2000, max(20, n // 10))
    labelled = rng.choice(n, n_lab, replace=False)
    y = (rng.random_sample(n_lab) < 0.1).astype(int)
    y[:2] = [1, 0]
    pool = np.setdiff1d(np.arange(n), labelled)
    ranker = make_ranker(model, 0)
    ranker.fit(corpus, labelled, y)  # warm-up (builds per-corpus caches)
    t0 = time.perf_counter()
    for _ in range(repeats):
        ranker.fit(corpus, labelled, y)
        ranker.rank(corpus, pool)
    return (time.perf_counter() - t0) / repeats


def bench_service(n: int, texts: list[str], refs: list[list[str]], repeats: int = 5) -> None:
    """Time ``rerank_review`` on a SQLite workspace of ``n`` records, 10 % of them screened.

    The workspace is built here; the timing runs in a fresh process (``--service-worker``), so its peak
    memory is the service's own, as in the screener's ranker process, without this script's corpora.
    """
    import json
    import subprocess

    from sqlalchemy import insert
    from sqlmodel import select

    from lsr.models import Record, SearchRun
    from lsr.screening.decisions import add_decision
    from lsr.settings import resolve
    from lsr.workspace import open_workspace
    from tests.helpers import make_workspace

    syn_t, syn_r = synthesize(n, texts, refs, seed=n + 7)
    with tempfile.TemporaryDirectory() as tmp:
        ws = open_workspace(resolve(make_workspace(Path(tmp) / "ws")))
        proto = ws.protocol("test-review")
        with ws.db.write() as s:
            run = SearchRun(review_id="test-review", kind="import", source="bench")
            s.add(run)
            s.flush()
            rows = [{"review_id": "test-review", "openalex_id": f"W7{i}", "title": t[:80], "title_key": f"k{i}",
                     "abstract": t, "referenced_works_json": json.dumps(r), "first_seen_run_id": run.id}
                    for i, (t, r) in enumerate(zip(syn_t, syn_r, strict=True))]
            s.execute(insert(Record), rows)
            ids = list(s.exec(select(Record.id).order_by(Record.id)))
        del rows, syn_t, syn_r
        rng = np.random.RandomState(1)
        labelled = rng.choice(len(ids), min(2000, max(20, n // 10)), replace=False)
        with ws.db.write() as s:
            for k, i in enumerate(labelled):
                label = "include" if k == 0 or (k >= 2 and rng.random_sample() < 0.1) else "exclude"
                add_decision(s, proto, ids[i], "bench", label, reason=None if label == "include" else "1")
        ws.db.dispose()
        subprocess.run([sys.executable, __file__, "--service-worker", str(Path(tmp) / "ws"),
                        "--repeats", str(repeats)], check=True)


def service_worker(folder: Path, repeats: int) -> None:
    """The timed part of ``bench_service``: first retrain (builds the caches), then one per decision.

    Per decision, what the live screener's ranking process does (``rerank_live``: retrain, rank, store the
    ModelRun and the best ``FIRST_RANKS`` ranks; then the rest of the ranks in short transactions while the
    reviewer reads), and, for comparison, ``rerank_review`` (every rank in one transaction: ``lsr rank``).
    """
    from lsr.db import session_query
    from lsr.ranking.service import FIRST_RANKS, TAIL_CHUNK, rerank_live, rerank_review
    from lsr.screening.decisions import add_decision
    from lsr.screening.queue import screening_order
    from lsr.settings import resolve
    from lsr.workspace import open_workspace

    os.chdir(folder)
    ws = open_workspace(resolve(folder))
    proto = ws.protocol("test-review")
    t0 = time.perf_counter()
    rerank_review(ws, "test-review")
    first = time.perf_counter() - t0
    first_peak = peak_mb()

    def decide() -> None:  # one more decision on the queue's first record: what the screener does per key
        with ws.db.read() as s:
            top = screening_order(session_query(s), "test-review", "bench", "title-abstract", 1)[0]
        with ws.db.write() as s:
            add_decision(s, proto, top, "bench", "exclude", reason="1")

    live, rest, full = [], [], []
    for _ in range(repeats):
        decide()
        t0 = time.perf_counter()
        ranking = rerank_live(ws, "test-review")
        live.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        if ranking is not None and ranking.rest is not None:
            ranking.rest.write_all(ws)
        rest.append(time.perf_counter() - t0)
    for _ in range(repeats):
        decide()
        t0 = time.perf_counter()
        rerank_review(ws, "test-review")
        full.append(time.perf_counter() - t0)
    ws.db.dispose()

    def median_ms(values: list[float]) -> float:
        return sorted(values)[len(values) // 2] * 1000

    print(
        f"service, SQLite: first ranking {first:6.2f} s (builds the caches; peak {first_peak:.0f} MB); per decision:\n"
        f"  rerank_live (the screener's retraining: ModelRun + best {FIRST_RANKS} ranks) median "
        f"{median_ms(live):.0f} ms   (target <= 100 ms at 10 k; {' '.join(f'{x * 1000:.0f}' for x in live)})\n"
        f"  then the other ranks, {TAIL_CHUNK} per transaction while the reviewer reads: median {median_ms(rest):.0f} ms\n"
        f"  rerank_review (every rank in one transaction, as `lsr rank` does) median {median_ms(full):.0f} ms   "
        f"(service process peak {peak_mb():.0f} MB)",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    parser.add_argument("--models", nargs="+", default=["default", "elas_u4"])
    parser.add_argument("--service", action="store_true", help="also time rerank_review on a SQLite workspace")
    parser.add_argument("--service-sizes", type=int, nargs="+", default=None,
                        help="sizes for --service (default: the sizes up to 10 000)")
    parser.add_argument("--service-worker", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--repeats", type=int, default=7, help="decisions timed per service measurement")
    args = parser.parse_args()
    if args.service_worker:
        service_worker(args.service_worker, args.repeats)
        return
    texts, refs = source_records()
    print(f"source: {len(texts)} SYNERGY records; peak memory {peak_mb():.0f} MB", flush=True)
    for n in sorted(args.sizes):
        syn_t, syn_r = synthesize(n, texts, refs, seed=n)
        store, build = bench_build(syn_t)
        shape, nnz = store.matrix().shape, store.matrix().nnz
        print(f"\n== {n:,} records: {shape[1]:,} columns, {nnz:,} non-zeros", flush=True)
        print(f"feature build (hash + TF-IDF):      {build:8.2f} s   (peak memory {peak_mb():.0f} MB)")
        for model in args.models:
            secs = bench_decision(store, syn_r, model)
            print(
                f"retrain + rank per decision ({model:8s}): {secs * 1000:8.1f} ms "
                f"(peak memory {peak_mb():.0f} MB)",
                flush=True,
            )
        if n == max(args.sizes):
            more_t, _ = synthesize(1000, texts, refs, seed=n + 1)
            t0 = time.perf_counter()
            store.add([f"N{i}" for i in range(1000)], more_t)
            store.matrix()
            print(
                f"incremental +1,000 records:         {time.perf_counter() - t0:8.2f} s   "
                f"(peak memory {peak_mb():.0f} MB)"
            )
            with tempfile.TemporaryDirectory() as tmp:
                t0 = time.perf_counter()
                store.save(Path(tmp) / "features.npz")
                saved = time.perf_counter() - t0
                size = (Path(tmp) / "features.npz").stat().st_size / 1e6
                del store  # a service process holds one store at a time
                t0 = time.perf_counter()
                store = FeatureStore.load(Path(tmp) / "features.npz")
                print(
                    f"save / load the store:              {saved:8.2f} s / {time.perf_counter() - t0:.2f} s"
                    f"   ({size:.0f} MB file)"
                )
            t0 = time.perf_counter()
            CitationGraph(store.ids, syn_r + [[] for _ in range(1000)]).token_matrix()
            print(f"citation graph + tokens rebuild:    {time.perf_counter() - t0:8.2f} s")
        print(f"peak memory so far:                 {peak_mb():8.0f} MB", flush=True)
        del store
    if args.service:
        for n in sorted(args.service_sizes or [k for k in args.sizes if k <= 10_000]):
            print(f"\n== service, {n:,} records", flush=True)
            bench_service(n, texts, refs, args.repeats)


if __name__ == "__main__":
    main()
