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


def bench_records(n: int, *, duplicate_copy: bool):
    """``n`` records as dicts (title, authors as "Family, I.", year, venue, abstract, doi) from SYNERGY works,
    each made unique; the duplicate copy has upper-case titles and no DOIs."""
    from lsr.search.dedupe import candidate_from_openalex
    from lsr.search.synergy import SynergyDataset, is_dataset_dir

    works = [candidate_from_openalex(w) for p in sorted(SYNERGY.iterdir()) if is_dataset_dir(p)
             for w in SynergyDataset(p.name, p).works()]
    works = [w for w in works if len(w.title) > 20]
    for i in range(n):
        c = works[i % len(works)]
        title = one_line(f"{c.title} (study {i})")
        yield {"title": title.upper() if duplicate_copy else title,
               "authors": [f"{a.split()[-1]}, {' '.join(p[0] + '.' for p in a.split()[:-1])}" for a in c.authors[:10]],
               "year": c.year or 2000, "venue": one_line(c.venue), "abstract": one_line(c.abstract),
               "doi": None if duplicate_copy else f"10.99999/bench.{i}"}


def ris_file(path: Path, n: int, *, duplicate_copy: bool) -> int:
    """Write ``n`` Scopus-style RIS records; returns the file size in bytes."""
    tags = (("venue", "T2"), ("abstract", "AB"), ("doi", "DO"))
    with open(path, "w", encoding="utf-8", newline="\r\n") as fh:
        for r in bench_records(n, duplicate_copy=duplicate_copy):
            fh.write(f"TY  - JOUR\nTI  - {r['title']}\n")
            fh.write("".join(f"AU  - {a}\n" for a in r["authors"]))
            fh.write(f"PY  - {r['year']}\n")
            fh.write("".join(f"{tag}  - {r[key]}\n" for key, tag in tags if r[key]))
            fh.write("KW  - benchmark\nLA  - English\nDB  - Scopus\nM3  - Article\nER  - \n\n")
    return path.stat().st_size


def bibtex_file(path: Path, n: int, *, duplicate_copy: bool) -> int:
    """Write the same records as Scopus-style BibTeX entries; returns the file size in bytes."""
    fields = (("title", "title"), ("year", "year"), ("venue", "journal"), ("abstract", "abstract"), ("doi", "doi"))

    def braced(value) -> str:  # a brace in the text would unbalance the value
        return "{" + str(value).replace("{", "(").replace("}", ")") + "}"

    with open(path, "w", encoding="utf-8") as fh:
        for i, r in enumerate(bench_records(n, duplicate_copy=duplicate_copy)):
            fh.write(f"@ARTICLE{{Bench{i},\nauthor = {braced(' and '.join(r['authors']))},\n")
            fh.write("".join(f"{name} = {braced(r[key])},\n" for key, name in fields if r[key]))
            fh.write("author_keywords = {benchmark},\nlanguage = {English},\ndocument_type = {Article},\n"
                     "source = {Scopus},\n}\n\n")
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
