"""Load benchmark: 4 reviewer processes record 500 decisions each while an update ingests 5 000 records.

Runs on SQLite (WAL, one file) and on PostgreSQL (a throwaway cluster this script starts, or
``--postgres-url``). Prints decisions per second, decision latency (median, p95, max), the update's
duration and records per second, and an exact count check: every acknowledged decision is in the
database exactly once, no record was inserted twice, no "database is locked" reached a reviewer.
Not a test: figures depend on the machine.

Usage::

    .venv/bin/python tests/benchmarks/bench_load.py [--reviewers 4] [--decisions 500] [--records 5000]
                                                     [--backends sqlite postgresql]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).parent))

from bench_update import serve, synthesize  # noqa: E402

PROTOCOL = """\
id = "bench"
title = "Load benchmark review"
question = "Do decisions survive a concurrent update?"

[search]
query = "lsrbench"
"""


def prepare(ws_path: Path, database_url: str | None, n_existing: int) -> None:
    """Workspace with ``n_existing`` records to screen (ids distinct from the update's)."""
    from lsr.models import SearchRun
    from lsr.search.dedupe import Ingest, candidate_from_openalex
    from lsr.settings import resolve
    from lsr.workspace import open_workspace

    (ws_path / "protocols").mkdir(parents=True)
    (ws_path / "protocols" / "bench.toml").write_text(PROTOCOL)
    ws = open_workspace(resolve(ws_path, database_url))
    works = synthesize(n_existing)
    for w in works:  # different id range from the update's works
        num = int(w["id"].rsplit("W", 1)[1]) + 500_000_000
        w["id"] = f"https://openalex.org/W{num}"
        w["doi"] = w["doi"] + ".pre"
        w["ids"] = {"openalex": w["id"], "doi": w["doi"]}
        w["title"] = w["display_name"] = w["title"].replace("lsrbench", "prebench")
    with ws.db.write() as s:
        run = SearchRun(review_id="bench", kind="import", source="bench")
        s.add(run)
        s.flush()
        ing = Ingest(s, "bench", run, "json")
        for w in works:
            ing.add(candidate_from_openalex(w), w["id"])


def reviewer(ws_path: str, database_url: str | None, name: str, record_ids: list[int], out) -> None:
    """Child process: decide each record once, committed before the next; report latencies."""
    from lsr.errors import LsrError
    from lsr.screening.decisions import add_decision
    from lsr.settings import resolve
    from lsr.workspace import open_workspace

    ws = open_workspace(resolve(ws_path, database_url, reviewer=name), sync=False)
    proto = ws.protocol("bench")
    latencies, errors, acked = [], [], []
    for i, rid in enumerate(record_ids):
        label = "include" if i % 10 == 0 else "exclude"
        t0 = time.perf_counter()
        try:
            with ws.db.write() as s:
                add_decision(s, proto, rid, name, label, reason="wrong population" if label == "exclude" else None)
            acked.append(rid)
        except LsrError as exc:
            errors.append(str(exc))
        latencies.append(time.perf_counter() - t0)
    out.put((name, latencies, errors, acked))


def updater(ws_path: str, database_url: str | None, url: str, out) -> None:
    from lsr.search.update import update_review
    from lsr.settings import resolve
    from lsr.workspace import open_workspace

    os.environ["LSR_OPENALEX_URL"] = url
    os.environ["LSR_OPENALEX_PER_PAGE"] = "100"
    ws = open_workspace(resolve(ws_path, database_url), sync=False)
    t0 = time.perf_counter()
    result = update_review(ws, "bench")
    out.put(("update", time.perf_counter() - t0, result.status, result.new_records, result.error))


def run_backend(backend: str, database_url: str | None, url: str, args) -> None:
    from sqlalchemy import func
    from sqlmodel import select

    from lsr.db import close_all
    from lsr.models import Decision, Record
    from lsr.settings import resolve
    from lsr.workspace import open_workspace

    with tempfile.TemporaryDirectory() as tmp:
        ws_path = Path(tmp) / "ws"
        n_screen = args.reviewers * args.decisions
        prepare(ws_path, database_url, n_screen)
        ws = open_workspace(resolve(ws_path, database_url))
        with ws.db.read() as s:
            ids = sorted(s.exec(select(Record.id).where(Record.review_id == "bench")).all())
        close_all()
        ctx = mp.get_context("spawn")
        out = ctx.Queue()
        procs = [ctx.Process(target=updater, args=(str(ws_path), database_url, url, out))]
        for r in range(args.reviewers):
            mine = ids[r * args.decisions:(r + 1) * args.decisions]
            procs.append(ctx.Process(target=reviewer, args=(str(ws_path), database_url, f"reviewer{r + 1}", mine, out)))
        t0 = time.perf_counter()
        for p in procs:
            p.start()
        results = [out.get(timeout=1800) for _ in procs]
        for p in procs:
            p.join()
        wall = time.perf_counter() - t0
        upd = next(r for r in results if r[0] == "update")
        revs = [r for r in results if r[0] != "update"]
        lat = sorted(x for r in revs for x in r[1])
        errors = [e for r in revs for e in r[2]]
        acked = sum(len(r[3]) for r in revs)
        ws = open_workspace(resolve(ws_path, database_url), sync=False)
        with ws.db.read() as s:
            n_dec = s.exec(select(func.count()).select_from(Decision)).one()
            n_pairs = len(set(s.exec(select(Decision.reviewer, Decision.record_id)).all()))
            n_rec = s.exec(select(func.count()).select_from(Record)).one()
            n_oa = s.exec(select(func.count(func.distinct(Record.openalex_id)))).one()
        close_all()
        p95 = lat[int(0.95 * (len(lat) - 1))] if lat else float("nan")
        ok = n_dec == acked == n_screen and n_pairs == n_dec and n_rec == n_oa == n_screen + args.records
        print(f"\n== {backend} ==")
        print(f"reviewers: {args.reviewers} x {args.decisions} decisions; wall {wall:.1f} s")
        print(f"decisions/s (all reviewers): {acked / wall:.1f}")
        print(f"decision latency: median {statistics.median(lat) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms, "
              f"max {lat[-1] * 1000:.1f} ms")
        print(f"update: {upd[2]}, {upd[3]} new records in {upd[1]:.1f} s ({upd[3] / upd[1]:.0f} records/s)"
              + (f" error: {upd[4]}" if upd[4] else ""))
        print(f"errors reaching reviewers: {len(errors)}" + (f" (first: {errors[0]})" if errors else ""))
        print(f"count check: decisions {n_dec} (acknowledged {acked}, expected {n_screen}), "
              f"distinct reviewer/record pairs {n_pairs}, records {n_rec} (distinct OpenAlex ids {n_oa}, "
              f"expected {n_screen + args.records}) -> {'EXACT' if ok else 'MISMATCH'}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reviewers", type=int, default=4)
    ap.add_argument("--decisions", type=int, default=500)
    ap.add_argument("--records", type=int, default=5000)
    ap.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"])
    ap.add_argument("--postgres-url", help="server URL without database (default: start a throwaway cluster)")
    args = ap.parse_args()
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    server = ctx.Process(target=serve, args=(args.records, q), daemon=True)
    server.start()
    url = q.get(timeout=300)
    try:
        for backend in args.backends:
            if backend == "sqlite":
                run_backend("sqlite", None, url, args)
                continue
            from tests.pg_server import ThrowawayPostgres

            if args.postgres_url:
                os.environ["LSR_TEST_POSTGRES_URL"] = args.postgres_url
            pg = ThrowawayPostgres()
            if not pg.start():
                print(f"\n== postgresql == skipped: {pg.reason}")
                continue
            try:
                run_backend("postgresql", pg.create_database("lsr_bench_load"), url, args)
            finally:
                pg.stop()
    finally:
        server.terminate()


if __name__ == "__main__":
    main()
