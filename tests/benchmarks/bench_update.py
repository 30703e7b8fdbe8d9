"""Benchmark: how fast ``lsr update`` ingests records from the local OpenAlex-compatible server.

Prints, for 1 000 and 10 000 results: the first update (every hit a new record), the second update
(every hit a duplicate of a known record), records per second for each, and the peak memory (max RSS)
of the updating process. Not a test: figures depend on the machine.

The works are SYNERGY works from ``../shared/synergy`` (read-only); sizes beyond what SYNERGY holds
are synthesised by cloning works with new OpenAlex ids, DOIs and titles, so none merges with another.
Each clone's title carries the word ``lsrbench``, which is the review's query. The server runs in its
own process, each measurement in a fresh process (so peak memory is per size).

Usage::

    .venv/bin/python tests/benchmarks/bench_update.py [--sizes 1000 10000] [--per-page 100]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

SYNERGY = ROOT.parent / "shared" / "synergy"
PROTOCOL = """\
id = "bench"
title = "Benchmark review"
question = "How fast are updates?"

[search]
query = "lsrbench"
"""


def synthesize(n: int) -> list[dict]:
    """``n`` distinct works cloned from SYNERGY, each matching the query ``lsrbench``."""
    from lsr.search.openalex.server import load_works

    base = load_works(sorted(p for p in SYNERGY.iterdir() if p.is_dir()))
    out = []
    for i in range(n):
        src = base[i % len(base)]
        copy = i // len(base)
        wid = f"https://openalex.org/W{9_000_000_000 + i}"
        doi = f"https://doi.org/10.99999/lsrbench.{i}"
        work = dict(src)
        work.update(id=wid, doi=doi, ids={"openalex": wid, "doi": doi},
                    title=f"{src.get('title') or 'Untitled'} (lsrbench copy {copy})",
                    display_name=f"{src.get('display_name') or 'Untitled'} (lsrbench copy {copy})")
        out.append(work)
    return out


def serve(n: int, queue) -> None:
    """Child process: serve ``n`` works until terminated; report the URL."""
    from lsr.search.openalex.server import OpenAlexServer

    server = OpenAlexServer(synthesize(n), port=0)
    queue.put(server.url)
    server.serve_forever()


def measure(url: str, per_page: int, queue) -> None:
    """Child process: two updates of a fresh workspace; report timings and peak memory."""
    from lsr.search.update import update_review
    from lsr.settings import resolve
    from lsr.workspace import open_workspace

    os.environ["LSR_OPENALEX_URL"] = url
    os.environ["LSR_OPENALEX_PER_PAGE"] = str(per_page)
    os.environ.pop("LSR_DATABASE_URL", None)
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "protocols").mkdir()
        (Path(tmp) / "protocols" / "bench.toml").write_text(PROTOCOL)
        ws = open_workspace(resolve(tmp))
        t0 = time.perf_counter()
        first = update_review(ws, "bench")
        t1 = time.perf_counter()
        second = update_review(ws, "bench")
        t2 = time.perf_counter()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    queue.put({"first": (first.status, first.new_records, t1 - t0),
               "second": (second.status, second.duplicates, t2 - t1), "rss_mb": rss_mb})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--per-page", type=int, default=100)
    args = parser.parse_args()
    if not SYNERGY.is_dir():
        sys.exit(f"SYNERGY data not found at {SYNERGY}")
    ctx = mp.get_context("spawn")
    print(f"lsr update benchmark: local server, per-page {args.per_page}, SQLite, {os.cpu_count()} CPUs")
    print(f"{'results':>8} {'1st update':>11} {'new rec/s':>10} {'2nd update':>11} {'dup hit/s':>10} {'peak RSS':>9}")
    for n in args.sizes:
        q = ctx.Queue()
        server = ctx.Process(target=serve, args=(n, q), daemon=True)
        server.start()
        url = q.get(timeout=300)
        import requests  # warm the server's search index so its one-off analysis is not timed

        requests.get(f"{url}/works", params={"filter": "title_and_abstract.search:lsrbench", "per-page": 1},
                     timeout=300).raise_for_status()
        worker = ctx.Process(target=measure, args=(url, args.per_page, q))
        worker.start()
        res = q.get(timeout=3600)
        worker.join()
        server.terminate()
        server.join()
        (s1, new, t1), (s2, dup, t2) = res["first"], res["second"]
        if (s1, s2) != ("ok", "ok") or new != n or dup != n:
            print(f"{n:>8} unexpected result: {res}")
            continue
        print(f"{n:>8} {t1:>10.1f}s {new / t1:>10.0f} {t2:>10.1f}s {dup / t2:>10.0f} {res['rss_mb']:>7.0f}MB")


if __name__ == "__main__":
    main()
