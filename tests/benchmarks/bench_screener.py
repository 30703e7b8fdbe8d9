"""Benchmark: key press to next record displayed in the screener, on a 10 k-record review, while retraining.

Run: ``.venv/bin/python tests/benchmarks/bench_screener.py [--records 10000] [--keys 40] [--think 1.0]``

The app runs headless through the same factory as ``lsr screen``. Each key is injected the way Textual's
Pilot does it; the time runs from the key event to the first frame composed after the record view changed
(``App._display``, called with the new frame; headless mode skips only the terminal write). After every
decision the screener retrains, in its ranking process (``lsr.ranking.process``): with
``lsr.ranking.service.rerank_review`` when installed, otherwise a stand-in doing the same kind of work
(TF-IDF features cached once, a linear SVM fit on the labels, all 10 k ranks written back in one write
transaction with a ``ModelRun``). Prints median and p95.

``--think`` is the pause between keys: 1.0 s is a brisk reviewer (3,600 records an hour; a retraining
follows every decision); 0.15 s is a stress test where a retraining is always running and the ranker's
write transaction (SQLite has one writer) often holds up the next decision; ``--no-rerank`` is the baseline.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


_CACHE: dict = {}


def standin(ws, review_id: str) -> None:
    """A ranker doing the work of the real one: fit on the labels, rank, write every rank back.

    Runs in the screener's ranking process (``ProcessRerank(settings, "bench_screener:standin")``), which
    keeps the feature matrix between calls as the real ranker does.
    """
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.svm import LinearSVC
    from sqlmodel import select

    from lsr.models import ModelRun, Record
    from lsr.ranking.service import write_ranking
    from lsr.screening.decisions import TA, settled_labels

    cache = _CACHE
    t0 = time.perf_counter()
    with ws.db.read() as session:
        if "X" not in cache:
            rows = session.exec(select(Record.id, Record.title, Record.abstract)
                                .where(Record.review_id == review_id).order_by(Record.id)).all()
            cache["ids"] = np.array([r[0] for r in rows])
            cache["X"] = TfidfVectorizer(sublinear_tf=True).fit_transform([f"{r[1]} {r[2]}" for r in rows])
        labels = settled_labels(session, review_id, TA)
    ids, X = cache["ids"], cache["X"]
    pos = {rid: i for i, rid in enumerate(ids)}
    lab = [(pos[r], 1 if v.label == "include" else 0) for r, v in labels.items() if r in pos]
    if len({y for _, y in lab}) < 2:
        scores = np.zeros(len(ids))
    else:
        idx, y = zip(*lab, strict=True)
        model = LinearSVC(class_weight="balanced").fit(X[list(idx)], list(y))
        scores = model.decision_function(X)
    order = np.argsort(-scores, kind="stable")
    rows = [(rank, float(scores[i]), int(ids[i])) for rank, i in enumerate(order)]
    with ws.db.write() as session:  # one short write: the rows are prepared before the lock is taken
        run = ModelRun(review_id=review_id, model="standin-svm", n_labels=len(lab), n_ranked=len(ids),
                       duration_s=time.perf_counter() - t0)
        session.add(run)
        session.flush()
        write_ranking(session, review_id, run.id, [rid for _, _, rid in rows], [sc for _, sc, _ in rows])


async def measure(path: Path, keys: int, think: float, rerank) -> list[float]:
    from textual import events

    from lsr.settings import resolve
    from lsr.tui.app import make_app
    from lsr.tui.widgets.record_view import RecordView

    app = make_app(resolve(path, reviewer="bench"), "test-review", rerank=rerank, update=None, report=None)
    stamps = {"shown": 0.0, "frame": 0.0}
    original_display = app._display

    def display(screen, renderable):
        original_display(screen, renderable)
        if renderable is not None and stamps["shown"] and not stamps["frame"]:
            stamps["frame"] = time.perf_counter()

    app._display = display
    latencies = []
    async with app.run_test(size=(100, 32)):
        await asyncio.sleep(1.0)
        view = app.screen.query_one(RecordView)
        original_show = view.show

        def show(*args, **kwargs):
            original_show(*args, **kwargs)
            stamps["shown"] = time.perf_counter()

        view.show = show
        for k in range(keys):
            key = "i" if k % 10 == 3 else "e"
            before = view.record_id
            stamps["shown"] = stamps["frame"] = 0.0
            t0 = time.perf_counter()
            app._driver.send_message(events.Key(key, key))
            while not stamps["frame"]:
                await asyncio.sleep(0.0005)
                if time.perf_counter() - t0 > 10:
                    raise RuntimeError("no frame within 10 s")
            assert view.record_id != before
            latencies.append(stamps["frame"] - t0)
            await asyncio.sleep(think)
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--keys", type=int, default=40)
    parser.add_argument("--think", type=float, default=1.0, help="seconds between key presses")
    parser.add_argument("--standin", action="store_true", help="use the stand-in ranker instead of the real one")
    parser.add_argument("--no-rerank", action="store_true", help="no retraining (the baseline)")
    args = parser.parse_args()
    for key in [k for k in os.environ if k.startswith("LSR_")]:
        del os.environ[key]

    from lsr.ranking.process import DEFAULT_TARGET, ProcessRerank
    from lsr.settings import resolve
    from tests.tui_helpers import bulk_workspace, open_ws

    target = "bench_screener:standin" if args.standin else DEFAULT_TARGET
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        path = bulk_workspace(Path(tmp) / "ws", args.records)
        print(f"built a {args.records:,}-record review in {time.perf_counter() - t0:.1f} s")
        rerank = None if args.no_rerank else ProcessRerank(resolve(path, reviewer="bench"), target)
        if rerank is not None:
            t0 = time.perf_counter()  # start the ranking process and build its features, as on opening a review
            rerank(None, "test-review")
            print(f"ranking process: start, features and first ranking {time.perf_counter() - t0:.1f} s")
        try:
            lat = asyncio.run(measure(path, args.keys, args.think, rerank))
        finally:
            if rerank is not None:
                rerank.close()
        from sqlalchemy import func
        from sqlmodel import select

        from lsr.models import ModelRun

        with open_ws(path).db.read() as session:
            runs = session.exec(select(func.count()).select_from(ModelRun)).one()
    ms = sorted(x * 1000 for x in lat)
    p95 = ms[min(len(ms) - 1, int(round(0.95 * len(ms))) - 1)]
    ranker = DEFAULT_TARGET if not args.standin else "stand-in (TF-IDF + LinearSVC, all ranks written in one transaction)"
    if args.no_rerank:
        print("ranker: none (baseline without retraining)")
    else:
        print(f"ranker: {ranker}, in its own process; retrainings stored during the run: {runs - 1}")
    print(f"key -> next record displayed over {len(ms)} keys, one every {args.think:g} s + latency: "
          f"median {statistics.median(ms):.1f} ms, "
          f"p95 {p95:.1f} ms, max {ms[-1]:.1f} ms (targets: median and p95 <= 50 ms, at 10 k and 100 k records)")


if __name__ == "__main__":
    main()
