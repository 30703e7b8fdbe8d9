"""Benchmark: key press to next record displayed in the screener, on a 10 k-record review, while retraining.

Run: ``.venv/bin/python tests/benchmarks/bench_screener.py [--records 10000] [--keys 120] [--think 0.15]``

The app runs headless through the same factory as ``lsr screen``. Each key is injected the way Textual's
Pilot does it; the time runs from the key event to the first frame composed after the record view changed
(``App._display``, called with the new frame; headless mode skips only the terminal write). After every
decision the screener retrains in its worker: with ``lsr.ranking.service.rerank_review`` when installed,
otherwise a stand-in that does the same kind of work (TF-IDF features cached once, a linear SVM fit on the
labels, and all 10 k ranks written back in one write transaction with a ``ModelRun``). Keys come every
``--think`` seconds, faster than a retraining finishes, so one is always running. Prints median and p95.
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


def standin_rerank():
    """A ranker doing the work of the real one: fit on the labels, rank, write every rank back."""
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.svm import LinearSVC
    from sqlalchemy import update
    from sqlmodel import select

    from lsr.decisions import TA, settled_labels
    from lsr.models import ModelRun, Record

    cache: dict = {}

    def rerank(ws, review_id):
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
        with ws.db.write() as session:
            run = ModelRun(review_id=review_id, model="standin-svm", n_labels=len(lab), n_ranked=len(ids))
            session.add(run)
            session.flush()
            session.execute(update(Record), [
                {"id": int(ids[i]), "rank": rank, "rank_score": float(scores[i]), "rank_model_run_id": run.id}
                for rank, i in enumerate(order)])
            run.duration_s = time.perf_counter() - t0
            session.add(run)
        cache["runs"] = cache.get("runs", 0) + 1

    return rerank, cache


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
    parser.add_argument("--keys", type=int, default=120)
    parser.add_argument("--think", type=float, default=0.15, help="seconds between key presses")
    parser.add_argument("--standin", action="store_true", help="use the stand-in ranker even if the real one exists")
    args = parser.parse_args()
    for key in [k for k in os.environ if k.startswith("LSR_")]:
        del os.environ[key]

    from lsr.tui.optional import rerank_function
    from tests.tui_helpers import bulk_workspace

    real = None if args.standin else rerank_function()
    cache: dict = {}
    rerank, cache = (real, cache) if real is not None else standin_rerank()
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        path = bulk_workspace(Path(tmp) / "ws", args.records)
        print(f"built a {args.records:,}-record review in {time.perf_counter() - t0:.1f} s")
        if real is None:  # prime the stand-in's feature cache, as the real ranker caches its matrix
            from tests.tui_helpers import open_ws

            t0 = time.perf_counter()
            rerank(open_ws(path), "test-review")
            print(f"stand-in ranker: features + first ranking {time.perf_counter() - t0:.1f} s")
        lat = asyncio.run(measure(path, args.keys, args.think, rerank))
    ms = sorted(x * 1000 for x in lat)
    p95 = ms[min(len(ms) - 1, int(round(0.95 * len(ms))) - 1)]
    ranker = "lsr.ranking.service.rerank_review" if real is not None else "stand-in (TF-IDF + LinearSVC + write ranks)"
    print(f"ranker: {ranker}; retrainings finished during the run: {cache.get('runs', '?')}")
    print(f"key -> next record displayed over {len(ms)} keys: median {statistics.median(ms):.1f} ms, "
          f"p95 {p95:.1f} ms, max {ms[-1]:.1f} ms (target: median <= 50 ms)")


if __name__ == "__main__":
    main()
