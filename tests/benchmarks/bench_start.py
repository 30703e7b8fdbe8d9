"""Benchmark: how fast lsr starts — `lsr status` against `lsr --help`, the home screen, the screener.

Run: ``.venv/bin/python tests/benchmarks/bench_start.py [--reviews 20] [--records 1000] [--runs 7]``

Builds a workspace of ``--reviews`` reviews (``--records`` records each, a third screened, some full-text
decisions, one dual-screened review with conflicts) and a 10 k-record review, makes sure a bytecode cache
exists (``compileall`` on lsr and the virtual environment, as an installed lsr has), then times, in one
run and alternating so that a busy machine slows all of them alike:

* ``lsr --help`` and ``lsr status`` / ``lsr status --json`` as subprocesses (median of ``--runs``), and
  their ratio (the issue's target: status at most 3x help);
* the home screen: process start until the table shows its rows (headless Textual, as ``lsr`` opens it);
* the screener on the 10 k review (opened as ``lsr screen`` opens it): process start until the first record
  is shown, and until the screening service is open and keys act at once (keys pressed before that wait
  and then apply in order); for all three: the interpreter's start-up plus the time from the probe's first
  line to the display.

Prints figures; asserts nothing (no timed assertions in tests).
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

HOME_PROBE = """
import time; T0 = time.perf_counter()
import asyncio, sys
from lsr.cli.base import CliState, open_ws
from lsr.tui.app import make_app
async def main():
    app = make_app(open_ws(CliState(sys.argv[1], None), lazy=True), rerank=None, update=None, report=None)
    async with app.run_test(size=(120, 40)) as pilot:
        from textual.widgets import DataTable
        while not (app.screen.query(DataTable) and app.screen.query_one(DataTable).row_count):
            await pilot.pause(0.005)
        print(time.perf_counter() - T0)
asyncio.run(main())
"""

SCREENER_PROBE = """
import time; T0 = time.perf_counter()
import asyncio, sys
from lsr.cli.base import CliState, open_ws
from lsr.tui.app import make_app
async def main():
    app = make_app(open_ws(CliState(sys.argv[1], None), lazy=True), sys.argv[2], rerank=None, update=None, report=None)
    async with app.run_test(size=(120, 40)) as pilot:
        while getattr(getattr(app.screen, "record_view", None), "record_id", None) is None:
            await pilot.pause(0.005)
        shown = time.perf_counter() - T0
        if sys.argv[3] == "ready":
            await app.screen._opened.wait()
        print(time.perf_counter() - T0 if sys.argv[3] == "ready" else shown)
asyncio.run(main())
"""


def build(root: Path, reviews: int, records: int) -> Path:
    """A workspace of ``reviews`` reviews with records and decisions (bulk inserts through the library)."""
    from sqlalchemy import insert
    from sqlmodel import select

    from lsr.models import Record, SearchRun
    from lsr.screening.decisions import FT, TA, add_decision
    from lsr.settings import resolve
    from lsr.workspace import open_workspace
    from tests.helpers import make_workspace
    from tests.tui_helpers import candidates

    ids = tuple(f"review-{i:02d}-living-evidence" for i in range(reviews))
    make_workspace(root, ids)
    dual = root / "protocols" / f"{ids[0]}.toml"
    dual.write_text(dual.read_text().replace("reviewers_per_record = 1", "reviewers_per_record = 2"))
    ws = open_workspace(resolve(root))
    rng = random.Random(1)
    works = candidates(records)
    for rid in ids:
        proto = ws.protocol(rid)
        with ws.db.write() as s:
            run = SearchRun(review_id=rid, kind="update", source="openalex", status="ok")
            s.add(run)
            s.flush()
            s.execute(insert(Record), [dict(review_id=rid, title=c.title, title_key=c.title.lower(), abstract=c.abstract,
                                            authors_json="[]", keywords_json="[]", referenced_works_json="[]",
                                            year=c.year, doi=c.doi, openalex_id=c.openalex_id,
                                            first_seen_run_id=run.id) for c in works])
            rec_ids = s.exec(select(Record.id).where(Record.review_id == rid).order_by(Record.id)).all()
            for n, rec in enumerate(rec_ids[: records // 3]):
                label = "include" if rng.random() < (0.2 if n < records // 10 else 0.02) else "exclude"
                for who in (("anna", "ben") if proto.screening.reviewers_per_record == 2 else ("anna",)):
                    flip = who == "ben" and rng.random() < 0.1
                    lab = ("exclude" if label == "include" else "include") if flip else label
                    add_decision(s, proto, rec, who, lab, stage=TA, reason="1")
            included = [r for r, lab in _ta(s, rid, proto) if lab == "include"]
            for rec in included[: len(included) // 2]:
                add_decision(s, proto, rec, "anna", "include", stage=FT)
    return root


def _ta(session, rid, proto):
    from lsr.screening.decisions import TA, settled_labels

    return [(r, lab.label) for r, lab in settled_labels(session, rid, TA,
                                                        proto.screening.reviewers_per_record).items()]


def ensure_bytecode() -> None:
    """Compile lsr and the environment's packages once (an installed lsr has a bytecode cache)."""
    for folder in (ROOT / "lsr", Path(sysconfig.get_paths()["purelib"])):
        compileall.compile_dir(str(folder), quiet=2, workers=1)


def timed(cmd: list[str], env: dict, probe: bool = False) -> tuple[float, float]:
    """Wall-clock and CPU seconds (user + system) of one run; CPU time is steadier on a shared machine.

    A probe (the app) prints the seconds from its first line to the first display: that plus the
    interpreter's own start-up is the wall-clock figure (the app's shutdown is not what a user waits for).
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, stdout=subprocess.PIPE if probe else subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed: {proc.stderr[-500:]}")
    if probe:
        elapsed = float(proc.stdout.split()[-1]) + _interpreter_start(env)
    return elapsed, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


_start: list[float] = []


def _interpreter_start(env: dict) -> float:
    if not _start:
        runs = []
        for _ in range(5):
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-c", "pass"], env=env, check=True)
            runs.append(time.perf_counter() - t0)
        _start.append(statistics.median(runs))
    return _start[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reviews", type=int, default=20)
    parser.add_argument("--records", type=int, default=1000)
    parser.add_argument("--big", type=int, default=10_000, help="records of the screener's review")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--nphln", action="store_true", help="also time the repository's own workspace")
    args = parser.parse_args()

    print("compiling bytecode (once)...", flush=True)
    ensure_bytecode()
    tmp = Path(tempfile.mkdtemp(prefix="lsr-bench-start-"))
    print(f"building {args.reviews} reviews x {args.records} records and a {args.big:,}-record review in {tmp}",
          flush=True)
    ws_path = build(tmp / "ws", args.reviews, args.records)
    from tests.tui_helpers import bulk_workspace

    big = bulk_workspace(tmp / "big", args.big, "big-review")
    lsr = str(Path(sys.executable).with_name("lsr"))
    env = {**os.environ, "LSR_WORKSPACE": str(ws_path), "LSR_REVIEWER": "anna"}
    env.pop("LSR_DATABASE_URL", None)
    doc = json.loads(subprocess.run([lsr, "status", "--json"], env=env, capture_output=True, text=True).stdout)
    print(f"workspace: {len(doc['reviews'])} reviews, {sum(r['records'] for r in doc['reviews']):,} records, "
          f"{sum(r['screened'] for r in doc['reviews']):,} screened, "
          f"{sum(r['conflicts'] for r in doc['reviews'])} conflicts")

    cases = {
        "lsr --help": [lsr, "--help"],
        "lsr status": [lsr, "status"],
        "lsr status --json": [lsr, "status", "--json"],
        "lsr (home, rows shown)": [sys.executable, "-c", HOME_PROBE, str(ws_path)],
        "lsr screen (10k, 1st record)": [sys.executable, "-c", SCREENER_PROBE, str(big), "big-review", "shown"],
        "lsr screen (10k, keys live)": [sys.executable, "-c", SCREENER_PROBE, str(big), "big-review", "ready"],
    }
    if args.nphln:
        cases["lsr status (NPHLN repo)"] = [lsr, "--workspace", str(ROOT), "status"]
        cases["lsr (home, NPHLN repo)"] = [sys.executable, "-c", HOME_PROBE, str(ROOT)]
    probes = {name for name, cmd in cases.items() if cmd[0] == sys.executable}
    for name, cmd in cases.items():  # warm the file cache
        timed(cmd, env, name in probes)
    wall: dict[str, list[float]] = {name: [] for name in cases}
    cpu: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(args.runs):
        for name, cmd in cases.items():
            w, c = timed(cmd, env, name in probes)
            wall[name].append(w)
            cpu[name].append(c)
    print(f"\nmedian of {args.runs} runs, seconds: wall-clock (min .. max) and CPU (the app's CPU includes "
          "opening the database in the background and shutting down)")
    for name in cases:
        values = wall[name]
        print(f"  {name:32s} {statistics.median(values):6.3f}  ({min(values):.3f} .. {max(values):.3f})"
              f"  cpu {statistics.median(cpu[name]):.3f}")
    for name in ("lsr status", "lsr status --json"):
        ratio = statistics.median(wall[name]) / statistics.median(wall["lsr --help"])
        cpu_ratio = statistics.median(cpu[name]) / statistics.median(cpu["lsr --help"])
        print(f"  {name} / lsr --help: {ratio:.2f}x wall-clock, {cpu_ratio:.2f}x CPU (target <= 3x)")


if __name__ == "__main__":
    main()
