"""Simulated screening on labelled data: the benchmark behind ``lsr simulate``.

This module owns the simulation loop and its JSON result. A run screens a labelled dataset in the order a
ranker proposes, retraining after every record, until the last inclusion is found, then scores the order
with ``lsr.ranking.metrics``.

- ``full`` mode (ASReview's simulation): 1 inclusion and 1 exclusion are drawn as prior knowledge, each
  with a fresh ``RandomState(seed)`` like ``asreview simulate --prior-seed``; the pool is everything else.
- ``update`` mode (a living review's update round): records sorted by (publication_date, OpenAlex id);
  the first ``floor(N/2)`` are the earlier rounds, all labelled; the other ``ceil(N/2)`` are the new
  batch, the pool. If the earlier rounds lack a class, the batch is screened in cold-start order (seeded
  random here: SYNERGY has no protocol query) until both classes are labelled.

Datasets are SYNERGY folders (OpenAlex works with ``referenced_works``: text and citations) or labelled
files in the formats ``lsr import`` reads (``lsr.search.importers``): ASReview-style CSV/TSV with an inclusion
column (``label_included``, ``included``, ``label``, ...) or RIS with ASReview's ``ASReview_relevant`` /
``ASReview_irrelevant`` notes or lsr's ``lsr:include`` keywords. Unlabelled records are dropped. Update
mode needs a publication year or date: a dataset without any is skipped in update mode (``has_dates``).

Features are computed once per dataset and shared by all seeds and models. ``elas_u4`` gets ASReview's
own TF-IDF (``cycle.transform``), every other model lsr's ``FeatureStore`` matrix. Ctrl-C during the runs raises
``SimulationInterrupted`` carrying the runs already finished, summarised.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np

from lsr.ranking.citations import CitationGraph
from lsr.ranking.features import FeatureStore, record_text
from lsr.ranking.metrics import compute_metrics
from lsr.ranking.models import Corpus
from lsr.ranking.registry import make_ranker

__all__ = [
    "MODES",
    "SimData",
    "SimulationInterrupted",
    "StopRule",
    "load_labelled_file",
    "load_simdata",
    "prepare_corpora",
    "run_once",
    "simulate",
    "subsample",
]

MODES = ("full", "update")
MODE_CHOICES = (*MODES, "both")
METRIC_KEYS = ("wss95", "wss100", "recall10", "atd", "last_relevant")


class SimulationInterrupted(KeyboardInterrupt):
    """Ctrl-C during ``simulate``: ``result`` holds the runs finished before it (summarised like a whole
    result, with ``"interrupted": True`` and ``"planned_runs"``), so a caller can still report them."""

    def __init__(self, result: dict) -> None:
        super().__init__()
        self.result = result


class StopRule(Protocol):
    """Hook for stopping rules (evaluated after every screened record; see ``run_once``)."""

    def should_stop(self, screened_labels: Sequence[int], pool_size: int) -> bool:
        """True once the rule would let the reviewer stop screening."""


@dataclass
class SimData:
    """A labelled dataset in memory, one entry per record."""

    name: str
    ids: list[str]
    titles: list[str]
    abstracts: list[str]
    labels: np.ndarray
    dates: list[str]
    referenced_works: list[list[str]]
    _corpora: dict[str, Corpus] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        # One row per record as the file has it (ASReview simulates a file's rows as given), so two rows may
        # share a DOI. The feature store and the citation graph key rows by id: a repeated id gets a suffix,
        # or its row would have no features and every later row would read its neighbour's.
        seen: dict[str, int] = {}
        for i, rid in enumerate(self.ids):
            if rid in seen:
                seen[rid] += 1
                self.ids[i] = f"{rid}#{seen[rid]}"
            else:
                seen[rid] = 1

    @property
    def has_dates(self) -> bool:
        """Whether any record has a publication year or date (update mode needs them)."""
        return any(self.dates)

    @property
    def texts(self) -> list[str]:
        """Title + abstract per record."""
        return [record_text(t, a) for t, a in zip(self.titles, self.abstracts, strict=True)]


def load_labelled_file(path: str | Path, notice: Callable[[str], None] | None = None) -> SimData:
    """Read a labelled CSV/TSV/RIS file through lsr's importers; records without include/exclude are dropped.
    What the importers warn about (stray control characters replaced, records left out) goes to ``notice``.

    Records are identified by OpenAlex id, PMID, DOI or their line in the file; the date is the
    publication date, else the year (empty when the file has neither).

    Raises:
        LsrError: the file cannot be read or parsed, or holds no inclusion or no exclusion.
    """
    from lsr.errors import LsrError
    from lsr.search.importers import read_file

    parsed = read_file(path)
    for warning in parsed.warnings if notice is not None else ():
        notice(warning)
    ids, titles, abstracts, ys, dates, refs = [], [], [], [], [], []
    unlabelled = 0
    for rec in parsed.records:
        label = rec.final_label  # a two-stage file is simulated on its final inclusions, as ASReview does
        if label not in ("include", "exclude"):
            unlabelled += 1
            continue
        c = rec.candidate
        ids.append(c.openalex_id or (f"pmid:{c.pmid}" if c.pmid else None) or c.doi or f"line:{rec.source_key}")
        titles.append(c.title)
        abstracts.append(c.abstract)
        ys.append(1 if label == "include" else 0)
        dates.append(c.publication_date or (str(c.year) if c.year else ""))
        refs.append(list(c.referenced_works))
    if not ys:
        raise LsrError(
            f"{path}: no labelled records: a simulation reads an inclusion column (label_included, included, "
            "final_included, asreview_label, or a 'label' column that holds only 1/0 or yes/no) or RIS notes "
            "with ASReview_relevant / ASReview_irrelevant"
        )
    if min(ys) == max(ys):
        raise LsrError(
            f"{path}: a simulation needs labelled inclusions and exclusions "
            f"({sum(ys)} included of {len(ys)} labelled records)"
        )
    if not any(titles) and not any(abstracts):
        raise LsrError(f"{path}: no record has a title or an abstract, and the rankers read text (a SYNERGY "
                       "labels.csv is simulated through its folder, which holds the works)")
    if notice is not None:  # what was read, so that a misread file shows before minutes of simulation
        notice(f"{Path(path).stem}: {len(ys)} labelled records, {sum(ys)} included"
               + (f"; {unlabelled} without a label left out" if unlabelled else ""))
    return SimData(Path(path).stem, ids, titles, abstracts, np.asarray(ys, dtype=int), dates, refs)


def load_simdata(name_or_path: str, notice: Callable[[str], None] | None = None) -> SimData:
    """Read a labelled dataset: a labelled CSV/TSV/RIS file (``load_labelled_file``) or a SYNERGY dataset
    (folder or name under ``SYNERGY_PATH``); records without a label are dropped.

    Raises:
        LsrError: when the dataset cannot be found or read.
    """
    if Path(name_or_path).is_file():
        return load_labelled_file(name_or_path, notice)
    if Path(name_or_path).suffix and not Path(name_or_path).exists():  # a file name, not a SYNERGY name
        from lsr.errors import LsrError

        raise LsrError(f"{name_or_path}: no such file")
    from lsr.search.identity import plain_text
    from lsr.search.synergy import abstract_from_inverted_index, resolve_dataset, short_openalex_id

    ds = resolve_dataset(name_or_path)
    labels = ds.labels()
    ids, titles, abstracts, ys, dates, refs = [], [], [], [], [], []
    seen: set[str] = set()
    for w in ds.works():
        wid = short_openalex_id(w.get("id"))
        if wid is None or wid not in labels or wid in seen:
            continue
        seen.add(wid)
        ids.append(wid)
        titles.append(plain_text(w.get("title") or w.get("display_name")))  # as lsr stores them (Candidate)
        abstracts.append(plain_text(abstract_from_inverted_index(w.get("abstract_inverted_index"))))
        ys.append(labels[wid])
        dates.append(w.get("publication_date") or str(w.get("publication_year") or ""))
        refs.append([short_openalex_id(r) for r in (w.get("referenced_works") or []) if r])
    return SimData(ds.name, ids, titles, abstracts, np.asarray(ys, dtype=int), dates, refs)


def prepare_corpora(data: SimData, sources: Sequence[str] = ("store",)) -> dict[str, Corpus]:
    """Feature matrices (cached on ``data``) for the requested feature sources: ``store`` / ``asreview``."""
    graph = None
    for source in sources:
        if source in data._corpora:
            continue
        if graph is None:
            cached = next(iter(data._corpora.values()), None)
            if cached:
                graph = cached.graph
            elif any(data.referenced_works):
                graph = CitationGraph(data.ids, data.referenced_works)
        if source == "asreview":
            import pandas as pd
            from asreview.learner import ActiveLearningCycle
            from asreview.models.models import get_ai_config

            cycle = ActiveLearningCycle.from_meta(get_ai_config("elas_u4")["value"])
            X = cycle.transform(pd.DataFrame({"title": data.titles, "abstract": data.abstracts})).tocsr()
        else:
            store = FeatureStore()
            store.add(data.ids, data.texts)
            X = store.matrix()
        data._corpora[source] = Corpus(X=X, graph=graph)
    return data._corpora


def feature_source(model: str) -> str:
    """Which feature matrix a model is simulated on."""
    return "asreview" if model == "elas_u4" else "store"


def _distinct(datasets: Sequence, notice: Callable[[str], None] | None) -> list[SimData]:
    """Load the datasets, each once: a path given twice is read once, and datasets that share a name (two
    folders' ``base.csv``, ``x.csv`` beside ``x.ris``) are told apart by their folder or file type, since
    the tables and the comparison over reviews group runs by name."""
    loaded: list[SimData] = []
    sources: list[str] = []
    for item in datasets:
        if isinstance(item, SimData):
            loaded.append(item)
            sources.append(item.name)
            continue
        source = str(Path(item).resolve()) if Path(item).exists() else str(item)
        if source in sources:
            if notice is not None:
                notice(f"{item}: given twice; simulated once")
            continue
        data = load_simdata(str(item), notice)
        taken = {d.name for d in loaded}
        if data.name in taken:
            path = Path(str(item))
            for candidate in (f"{data.name} ({path.resolve().parent.name})", f"{data.name} ({path.suffix.lstrip('.')})",
                              *(f"{data.name} ({k})" for k in range(2, 100))):
                if candidate not in taken:
                    break
            if notice is not None:
                notice(f"{item}: another dataset is also named {data.name}; this one is {candidate}")
            data.name = candidate
        loaded.append(data)
        sources.append(source)
    return loaded


def _update_order(data: SimData) -> np.ndarray:
    def key(i: int) -> tuple[str, int]:
        digits = "".join(ch for ch in data.ids[i] if ch.isdigit())
        return (data.dates[i] or "", int(digits) if digits else 0)

    return np.array(sorted(range(len(data.ids)), key=key), dtype=int)


def run_once(
    data: SimData,
    model: str,
    seed: int,
    mode: str = "full",
    *,
    stop_rule: StopRule | None = None,
    ranker_factory: Callable[[str, int], object] | None = None,
    keep_labels: bool = False,
) -> dict:
    """One simulated screening run.

    Args:
        data: the labelled dataset.
        model: a model name for ``make_ranker`` (or for ``ranker_factory``).
        seed: prior draw (full mode) and model seed.
        mode: ``full`` or ``update``.
        stop_rule: optional stopping rule; the run records where it first fires (``stop_at`` = records
            screened, ``recall_at_stop``) and screens on until both it fired and the last inclusion is found.
        ranker_factory: ``(model, seed) -> Ranker`` override, for experiments.
        keep_labels: add ``screened_labels`` (labels in screening order) to the run, e.g. for stopping rules.

    Returns:
        The run's JSON dict (see ``simulate``).
    """
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}")
    started = time.perf_counter()
    corpus = prepare_corpora(data, [feature_source(model)])[feature_source(model)]
    ranker = (ranker_factory or make_ranker)(model, seed)
    y_all = data.labels
    n = len(y_all)
    if mode == "full":
        inc = np.random.RandomState(seed).choice(np.flatnonzero(y_all == 1), 1, replace=False)
        exc = np.random.RandomState(seed).choice(np.flatnonzero(y_all == 0), 1, replace=False)
        labelled = [int(inc[0]), int(exc[0])]
    else:
        order = _update_order(data)
        labelled = [int(i) for i in order[: n // 2]]
    in_pool = np.ones(n, dtype=bool)
    in_pool[labelled] = False
    pool_size = int(in_pool.sum())
    relevant = int(y_all[in_pool].sum())
    cold = np.random.RandomState(seed).random_sample(n)
    screened: list[int] = []
    found = 0
    stop_at: int | None = None
    while in_pool.any() and (found < relevant or (stop_rule is not None and stop_at is None)):
        lab = np.asarray(labelled)
        y = y_all[lab]
        pool_rows = np.flatnonzero(in_pool)
        if y.min() == y.max():
            pick = int(pool_rows[np.argmax(cold[pool_rows])])
        else:
            ranker.fit(corpus, lab, y)
            pick = int(pool_rows[np.argmax(ranker.scores(corpus, pool_rows))])
        in_pool[pick] = False
        labelled.append(pick)
        screened.append(int(y_all[pick]))
        found += int(y_all[pick])
        if stop_rule is not None and stop_at is None and stop_rule.should_stop(screened, pool_size):
            stop_at = len(screened)
    run = {
        "dataset": data.name,
        "model": model,
        "seed": seed,
        "mode": mode,
        "n_records": n,
        "n_included": int(y_all.sum()),
        "pool": pool_size,
        "pool_included": relevant,
    }
    if relevant:
        run.update(compute_metrics(screened, pool_size).as_dict())
    else:
        run.update({k: None for k in METRIC_KEYS})
    if stop_rule is not None:
        run["stop_at"] = stop_at
        run["recall_at_stop"] = (sum(screened[:stop_at]) / relevant) if (stop_at and relevant) else None
    if keep_labels:
        run["screened_labels"] = screened
    run["seconds"] = round(time.perf_counter() - started, 3)
    return run


def subsample(data: SimData, max_records: int, seed: int = 0) -> SimData:
    """At most ``max_records`` records of ``data``, drawn per class (inclusion share kept, at least 2 of each
    class, so ``max_records`` must be 4 or more).

    Each class gets its share rounded to a whole record; when both shares round up, the exclusions give
    one back, so the total never exceeds ``max_records``. For quick variant selection on large reviews; the
    result's name says it was subsampled (``Name[records]``).

    Raises:
        ValueError: ``max_records`` is below 4.
    """
    if max_records < 4:
        raise ValueError("max_records must be at least 4 (2 inclusions and 2 exclusions)")
    n = len(data.ids)
    if max_records >= n:
        return data
    rng = np.random.RandomState(seed)
    rows_in, rows_out = np.flatnonzero(data.labels == 1), np.flatnonzero(data.labels == 0)
    k_in = min(len(rows_in), max(2, round(len(rows_in) * max_records / n)), max_records - min(2, len(rows_out)))
    k_out = min(len(rows_out), max(2, round(len(rows_out) * max_records / n)), max_records - k_in)
    keep = [rng.choice(rows_in, k_in, replace=False), rng.choice(rows_out, k_out, replace=False)]
    rows = np.sort(np.concatenate(keep))
    pick = [int(i) for i in rows]
    return SimData(
        f"{data.name}[{len(pick)}]",
        [data.ids[i] for i in pick],
        [data.titles[i] for i in pick],
        [data.abstracts[i] for i in pick],
        data.labels[rows],
        [data.dates[i] for i in pick],
        [data.referenced_works[i] for i in pick],
    )


def summarise(runs: list[dict]) -> list[dict]:
    """Mean metrics per (mode, dataset, model), then per (mode, model) over datasets (``dataset`` = ``"mean"``).

    A run whose pool holds no inclusion (the update batch of a small or subsampled dataset may have none)
    has no metrics: its row's ``empty_runs`` counts it, it is left out of the means, and a ``mean`` row's
    ``runs`` counts only the runs with metrics (its ``empty_runs`` the others)."""
    out: list[dict] = []
    for mode in dict.fromkeys(r["mode"] for r in runs):
        out.extend(_summarise_mode([r for r in runs if r["mode"] == mode]))
    return out


def _summarise_mode(runs: list[dict]) -> list[dict]:
    out: list[dict] = []
    models = list(dict.fromkeys(r["model"] for r in runs))
    datasets = list(dict.fromkeys(r["dataset"] for r in runs))
    per: dict[tuple[str, str], dict] = {}
    for ds in datasets:
        for m in models:
            rs = [r for r in runs if r["dataset"] == ds and r["model"] == m]
            if not rs:
                continue
            row = {"dataset": ds, "model": m, "mode": rs[0]["mode"], "runs": len(rs),
                   "empty_runs": sum(r.get("wss95") is None for r in rs)}
            for k in (*METRIC_KEYS, "seconds"):
                vals = [r[k] for r in rs if r.get(k) is not None]
                row[k] = float(np.mean(vals)) if vals else None
            per[(ds, m)] = row
            out.append(row)
    for m in models:
        rows = [per[(ds, m)] for ds in datasets if (ds, m) in per]
        empty = sum(r["empty_runs"] for r in rows)
        row = {"dataset": "mean", "model": m, "mode": rows[0]["mode"], "runs": sum(r["runs"] for r in rows) - empty,
               "empty_runs": empty}
        for k in (*METRIC_KEYS, "seconds"):
            vals = [r[k] for r in rows if r.get(k) is not None]
            row[k] = float(np.mean(vals)) if vals else None
        out.append(row)
    return out


def simulate(
    datasets: Sequence[str | SimData],
    models: Sequence[str] = ("default",),
    seeds: int = 1,
    mode: str = "full",
    *,
    progress: Callable[[int, int, dict], None] | None = None,
    stop_rule: StopRule | None = None,
    notice: Callable[[str], None] | None = None,
    max_records: int | None = None,
) -> dict:
    """Run every (mode, dataset, model, seed) and summarise.

    Args:
        datasets: SYNERGY folders / names, labelled CSV/TSV/RIS files, or already loaded ``SimData``.
        models: model names (see ``lsr.ranking.registry.MODEL_NAMES``).
        seeds: run seeds ``0 .. seeds-1``.
        mode: ``full``, ``update`` or ``both`` (every dataset in full mode, then in update mode).
        progress: called after each run with ``(done, total, run)``.
        stop_rule: optional stopping-rule hook, passed to ``run_once``.
        notice: called with a one-line message for each dataset skipped in update mode (no dates) and for
            each warning of the importers reading a labelled file.
        max_records: subsample larger datasets to at most this many records (``subsample``), for quick runs.

    Returns:
        ``{"mode", "modes", "seeds", "models", "runs": [run...], "summary": [row...], "skipped": [...]}``;
        a run holds ``dataset, model, seed, mode, n_records, n_included, pool, pool_included, wss95,
        wss100, recall10, atd, last_relevant, seconds`` (fractions in 0-1; metrics are null when the pool
        has no inclusion); ``summary`` rows come from ``summarise``; ``skipped`` lists
        ``{"dataset", "mode", "reason"}``.

    Raises:
        SimulationInterrupted: Ctrl-C (``KeyboardInterrupt``) during the runs; it carries the finished runs.
    """
    if seeds < 1:
        raise ValueError("seeds must be at least 1")
    if mode not in MODE_CHOICES:
        raise ValueError(f"mode must be one of {', '.join(MODE_CHOICES)}")
    modes = list(MODES) if mode == "both" else [mode]
    for m in models:
        make_ranker(m, 0)  # fail fast on unknown names
    loaded = _distinct(datasets, notice)
    if max_records:
        loaded = [subsample(d, max_records) for d in loaded]
    skipped: list[dict] = []
    plan: list[tuple[str, SimData]] = []
    for md in modes:
        for data in loaded:
            if md == "update" and not data.has_dates:
                reason = "no publication year or date: update mode needs them"
                skipped.append({"dataset": data.name, "mode": md, "reason": reason})
                if notice is not None:
                    notice(f"{data.name}: {reason}; skipped in update mode")
                continue
            if md == "full" and notice is not None and int(data.labels.sum()) < 2:
                notice(f"{data.name}: 1 inclusion, and full mode takes it as a prior: no inclusion is left to find")
            if md == "update" and notice is not None and (undated := sum(not d for d in data.dates)):
                notice(f"{data.name}: {undated} of {len(data.dates)} records have no publication year or date; "
                       "update mode counts them among the earlier rounds (labelled)")
            plan.append((md, data))
    if not plan:  # e.g. update mode alone on files without dates: an empty table would look like a result
        raise ValueError(f"nothing to simulate: {len(loaded)} dataset(s), each skipped in {mode} mode (see above)")
    total = len(plan) * len(models) * seeds
    runs: list[dict] = []

    def result() -> dict:
        return {
            "mode": mode,
            "modes": modes,
            "seeds": seeds,
            "models": list(models),
            "runs": runs,
            "summary": summarise(runs),
            "skipped": skipped,
        }

    try:
        for md, data in plan:
            prepare_corpora(data, sorted({feature_source(m) for m in models}))
            for m in models:
                for seed in range(seeds):
                    run = run_once(data, m, seed, md, stop_rule=stop_rule)
                    runs.append(run)
                    if progress is not None:
                        progress(len(runs), total, run)
    except KeyboardInterrupt:
        raise SimulationInterrupted({**result(), "interrupted": True, "planned_runs": total}) from None
    return result()
