"""Benchmark: importing a 10 000-record RIS (or BibTeX) file with ``lsr import`` — time and peak memory.

Not a test: it prints figures (they depend on the machine and its load). The file is synthesised from
SYNERGY works (``../shared/synergy``): Scopus-style RIS records with real titles, abstracts, authors and
journals, each made unique (a running number in the title, its own DOI), so every record is new on the
first import. A second file with the same works (no DOIs, titles in upper case) is then imported into the
same review, so every record is a duplicate found by the title rule. Each import runs in a fresh process
(``lsr import`` through the real CLI), so peak memory (max RSS) is per import; CPU seconds are printed
beside wall-clock seconds because a shared machine's load distorts the latter.

Usage::

    .venv/bin/python tests/benchmarks/bench_import.py [--records 10000] [--format bibtex]

``--format bibtex`` writes the same records as Scopus writes BibTeX (``@ARTICLE{key,`` and ``field = {value}``
lines, ``source = {Scopus}``).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

SYNERGY = Path(os.environ.get("SYNERGY_PATH") or ROOT.parent / "shared" / "synergy")
PROTOCOL = """\
id = "bench"
title = "Import benchmark"
question = "How fast is a big RIS import?"

[search]
query = "benchmark"
"""
RUNNER = """\
import resource, sys, time
from lsr.cli import main
t0 = time.perf_counter()
try:
    main(sys.argv[1:], standalone_mode=False)
finally:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(f"BENCH {time.perf_counter() - t0:.3f} {usage.ru_utime + usage.ru_stime:.3f} {usage.ru_maxrss}",
          file=sys.stderr)
"""


def one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


def ris_file(path: Path, n: int, *, duplicate_copy: bool) -> int:
    """Write ``n`` Scopus-style RIS records; returns the file size in bytes."""
    from lsr.search.dedupe import candidate_from_openalex
    from lsr.search.synergy import SynergyDataset, is_dataset_dir

    works = [candidate_from_openalex(w) for p in sorted(SYNERGY.iterdir()) if is_dataset_dir(p)
             for w in SynergyDataset(p.name, p).works()]
    works = [w for w in works if len(w.title) > 20]
    with open(path, "w", encoding="utf-8", newline="\r\n") as fh:
        for i in range(n):
            c = works[i % len(works)]
            title = f"{c.title} (study {i})"
            fh.write("TY  - JOUR\n")
            fh.write(f"TI  - {one_line(title.upper() if duplicate_copy else title)}\n")
            for a in c.authors[:10]:
                parts = a.split()
                fh.write(f"AU  - {parts[-1]}, {' '.join(p[0] + '.' for p in parts[:-1])}\n")
            fh.write(f"PY  - {c.year or 2000}\n")
            if c.venue:
                fh.write(f"T2  - {one_line(c.venue)}\n")
            if c.abstract:
                fh.write(f"AB  - {one_line(c.abstract)}\n")
            if not duplicate_copy:
                fh.write(f"DO  - 10.99999/bench.{i}\n")
            fh.write("KW  - benchmark\nLA  - English\nDB  - Scopus\nM3  - Article\nER  - \n\n")
    return path.stat().st_size


def bibtex_file(path: Path, n: int, *, duplicate_copy: bool) -> int:
    """Write ``n`` Scopus-style BibTeX entries (the RIS file's records); returns the file size in bytes."""
    ris = path.with_suffix(".ris")
    ris_file(ris, n, duplicate_copy=duplicate_copy)
    fields = {"TI": "title", "T2": "journal", "PY": "year", "AB": "abstract", "DO": "doi"}
    with open(path, "w", encoding="utf-8") as fh:
        for i, block in enumerate(ris.read_text(encoding="utf-8").split("ER  - ")[:n]):
            tags = [(ln[:2], ln[6:].replace("{", "(").replace("}", ")")) for ln in block.splitlines() if ln[2:6] == "  - "]
            authors = " and ".join(v for t, v in tags if t == "AU")
            fh.write(f"@ARTICLE{{Bench{i},\nauthor = {{{authors}}},\n")
            fh.write("".join(f"{fields[t]} = {{{v}}},\n" for t, v in tags if t in fields))
            fh.write("author_keywords = {benchmark},\nlanguage = {English},\ndocument_type = {Article},\n"
                     "source = {Scopus},\n}\n\n")
    ris.unlink()
    return path.stat().st_size


def timed_import(ws: Path, path: Path) -> tuple[float, float, int, str]:
    env = dict(os.environ, LSR_REVIEWER="bench")
    env.pop("LSR_DATABASE_URL", None)
    out = subprocess.run([sys.executable, "-c", RUNNER, "--workspace", str(ws), "import", "bench", str(path)],
                         capture_output=True, text=True, env=env, cwd=ROOT, check=False)
    if out.returncode != 0:
        raise SystemExit(f"import failed: {out.stderr.strip()}")
    line = next(ln for ln in out.stderr.splitlines() if ln.startswith("BENCH "))
    _, seconds, cpu, rss = line.split()
    return float(seconds), float(cpu), int(rss), out.stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--format", choices=("ris", "bibtex"), default="ris")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        ws = tmp / "ws"
        (ws / "protocols").mkdir(parents=True)
        (ws / "protocols" / "bench.toml").write_text(PROTOCOL, encoding="utf-8")
        write, suffix = (bibtex_file, ".bib") if args.format == "bibtex" else (ris_file, ".ris")
        first, second = tmp / f"scopus{suffix}", tmp / f"pubmed{suffix}"
        t0 = time.perf_counter()
        size1 = write(first, args.records, duplicate_copy=False)
        write(second, args.records, duplicate_copy=True)
        print(f"{'BibTeX' if args.format == 'bibtex' else 'RIS'} import benchmark: {args.records} records, "
              f"{size1 / 1e6:.1f} MB "
              f"(files written in {time.perf_counter() - t0:.1f} s)")
        for label, path in (("new records", first), ("all duplicates", second)):
            seconds, cpu, rss_kb, summary = timed_import(ws, path)
            print(f"  {label:15s} {seconds:6.2f} s wall ({args.records / seconds:5.0f} records/s), "
                  f"{cpu:6.2f} s CPU ({args.records / cpu:5.0f} records/CPU-s), peak RSS {rss_kb / 1024:4.0f} MB")
            print(f"    {summary.splitlines()[0]}")


if __name__ == "__main__":
    main()
