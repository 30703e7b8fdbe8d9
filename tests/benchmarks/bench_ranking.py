"""Ranking benchmark (a script, not a test): feature build, incremental update, retrain+rank, memory.

Corpora of 1 k / 10 k / 100 k records are synthesised from the SYNERGY abstracts in
``../shared/synergy`` (or ``SYNERGY_PATH``): each record takes the sentences of one random abstract plus
one sentence of another, and 5 % of its words are replaced by Zipf-distributed made-up words, so the
vocabulary keeps growing with the corpus as real text does. ``referenced_works`` are resampled the same
way (the real lists plus made-up ids), with a few links inside the pool.

Run::

    nice .venv/bin/python tests/benchmarks/bench_ranking.py            # 1k, 10k, 100k
    nice .venv/bin/python tests/benchmarks/bench_ranking.py --sizes 1000 10000

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
from lsr.ranking.models import Corpus, make_ranker  # noqa: E402
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    parser.add_argument("--models", nargs="+", default=["default", "elas_u4"])
    args = parser.parse_args()
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


if __name__ == "__main__":
    main()
