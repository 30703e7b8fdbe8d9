"""TF-IDF features with an incremental cache, keyed by record id.

This module owns the text feature matrix the rankers train on. ``FeatureStore`` hashes each record's
title + abstract once (unigrams and bigrams, ``HashingVectorizer``: no vocabulary to refit or to keep in
memory), keeps the per-record term weights and the document frequencies, and derives the TF-IDF matrix
from them on demand. Adding records hashes only the new ones and updates the document frequencies; the
IDF re-weighting of the existing rows is a vectorised pass over the stored matrix (no re-tokenising).

*Equality contract*: after any sequence of ``add`` calls, ``store.matrix()`` equals (to float32
round-off) the matrix of a fresh store built from the same records in the same order; both use
sklearn's TF-IDF formula (``sublinear_tf``, smooth IDF ``ln((1+n)/(1+df)) + 1``, terms with
``df > max_df * n`` dropped, rows L2-normalised), i.e. they equal ``TfidfVectorizer`` with those
settings up to hash collisions and column order. ``tests/test_ranking_features.py`` checks both.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import HashingVectorizer

__all__ = ["FeatureStore", "build_matrix", "record_text"]

DEFAULT_N_FEATURES = 2**21
CHUNK = 2000  # records hashed per call


def record_text(title: str | None, abstract: str | None) -> str:
    """The text a record is ranked on: title and abstract joined by a space (missing parts empty)."""
    return f"{title or ''} {abstract or ''}".strip()


class FeatureStore:
    """Incrementally maintained TF-IDF matrix over records identified by string ids.

    Args:
        n_features: hash space size (columns).
        ngram_range: word n-gram range, as in sklearn.
        sublinear_tf: use ``1 + ln(tf)`` instead of raw counts.
        max_df: drop terms occurring in more than this fraction of the records.
    """

    def __init__(
        self,
        *,
        n_features: int = DEFAULT_N_FEATURES,
        ngram_range: tuple[int, int] = (1, 2),
        sublinear_tf: bool = True,
        max_df: float = 0.95,
    ) -> None:
        self.n_features = int(n_features)
        self.ngram_range = tuple(ngram_range)
        self.sublinear_tf = bool(sublinear_tf)
        self.max_df = float(max_df)
        self._vectorizer = HashingVectorizer(
            n_features=self.n_features,
            ngram_range=self.ngram_range,
            alternate_sign=False,
            norm=None,
            dtype=np.float32,
        )
        self._ids: list[str] = []
        self._row: dict[str, int] = {}
        self._blocks: list[sp.csr_matrix] = []
        self._df = np.zeros(self.n_features, dtype=np.int64)
        self._matrix: sp.csr_matrix | None = None

    # -- contents ---------------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, record_id: object) -> bool:
        return record_id in self._row

    @property
    def ids(self) -> list[str]:
        """Record ids in row order (a copy)."""
        return list(self._ids)

    def rows(self, record_ids: Iterable[str]) -> np.ndarray:
        """Row indices of the given record ids.

        Raises:
            KeyError: for an id that is not in the store.
        """
        return np.fromiter((self._row[r] for r in record_ids), dtype=np.int64)

    def params(self) -> dict:
        """The settings that define the features (for a ModelRun log)."""
        return {
            "features": "hashed-tfidf",
            "n_features": self.n_features,
            "ngram_range": list(self.ngram_range),
            "sublinear_tf": self.sublinear_tf,
            "max_df": self.max_df,
        }

    # -- updates ----------------------------------------------------------------------------------------
    def add(self, record_ids: Sequence[str], texts: Sequence[str]) -> int:
        """Add records; ids already in the store are skipped (records are immutable here).

        Args:
            record_ids: one unique id per text.
            texts: the record texts (see ``record_text``).

        Returns:
            The number of records added.
        """
        if len(record_ids) != len(texts):
            raise ValueError("record_ids and texts differ in length")
        new_ids: list[str] = []
        new_texts: list[str] = []
        seen: set[str] = set()
        for rid, text in zip(record_ids, texts, strict=True):
            rid = str(rid)
            if rid in self._row or rid in seen:
                continue
            seen.add(rid)
            new_ids.append(rid)
            new_texts.append(text or "")
        if not new_ids:
            return 0
        for lo in range(0, len(new_texts), CHUNK):  # chunks keep the hashing's temporary arrays small
            counts = self._vectorizer.transform(new_texts[lo : lo + CHUNK]).tocsr()
            counts.sum_duplicates()
            if self.sublinear_tf:
                np.log(counts.data, out=counts.data)
                counts.data += 1.0
            self._df += np.bincount(counts.indices, minlength=self.n_features)
            self._blocks.append(counts)
        start = len(self._ids)
        for offset, rid in enumerate(new_ids):
            self._row[rid] = start + offset
        self._ids.extend(new_ids)
        self._matrix = None
        return len(new_ids)

    def idf(self) -> np.ndarray:
        """Current IDF per column (0 for terms above ``max_df``)."""
        n = len(self._ids)
        idf = (np.log((1.0 + n) / (1.0 + self._df)) + 1.0).astype(np.float32)
        idf[self._df > self.max_df * n] = 0.0
        return idf

    def columns(self) -> np.ndarray:
        """Hash bucket of each column of ``matrix()`` (the buckets in use whose IDF is not 0)."""
        return np.flatnonzero((self._df > 0) & (self.idf() > 0))

    def matrix(self) -> sp.csr_matrix:
        """The TF-IDF matrix: rows in id order, L2-normalised, float32; cached until the next ``add``.

        Columns are the hash buckets in use (``columns()``), so the width is the corpus vocabulary, not
        ``n_features``: linear models fit several times faster. The column space changes when records are
        added, so fit and score on the same matrix (rankers retrain after every change anyway).
        """
        if self._matrix is None:
            idf = self.idf()
            keep = (self._df > 0) & (idf > 0)
            lut = (np.cumsum(keep) - 1).clip(min=0).astype(np.int32)
            # two passes over the blocks so the result is written in place: no concatenated copies
            nnz = sum(int(np.count_nonzero(keep[block.indices])) for block in self._blocks)
            data = np.empty(nnz, dtype=np.float32)
            indices = np.empty(nnz, dtype=np.int32)
            indptr = np.zeros(len(self._ids) + 1, dtype=np.int64)
            at, row = 0, 0
            for block in self._blocks:
                d, idx, counts = _weighted_rows(block, idf, keep, lut)
                data[at : at + d.size] = d
                indices[at : at + d.size] = idx
                indptr[row + 1 : row + 1 + counts.size] = at + np.cumsum(counts)
                at += d.size
                row += counts.size
            self._matrix = sp.csr_matrix((data, indices, indptr), shape=(len(self._ids), int(keep.sum())))
        return self._matrix

    # -- persistence ------------------------------------------------------------------------------------
    def save(self, path: str | Path) -> None:
        """Write the store to ``path``: an uncompressed ``.npz`` with the term-weight blocks as they are
        (no consolidated copy in memory), the document frequencies, the ids and the settings.

        Uncompressed because it is a cache: at 100 k records compression takes ~10 s for a 2.5x smaller file.
        """
        arrays: dict[str, np.ndarray] = {
            "df": self._df,
            "ids": np.array(json.dumps(self._ids)),
            "params": np.array(json.dumps(self.params())),
            "n_blocks": np.array(len(self._blocks)),
        }
        for i, block in enumerate(self._blocks):
            arrays[f"data_{i}"], arrays[f"indices_{i}"], arrays[f"indptr_{i}"] = (
                block.data,
                block.indices,
                block.indptr,
            )
        np.savez(Path(path), **arrays)

    @classmethod
    def load(cls, path: str | Path) -> FeatureStore:
        """Read a store written by ``save``."""
        with np.load(Path(path), allow_pickle=False) as z:
            params = json.loads(str(z["params"]))
            store = cls(
                n_features=params["n_features"],
                ngram_range=tuple(params["ngram_range"]),
                sublinear_tf=params["sublinear_tf"],
                max_df=params["max_df"],
            )
            store._blocks = []
            for i in range(int(z["n_blocks"])):
                indptr = z[f"indptr_{i}"]
                shape = (len(indptr) - 1, store.n_features)
                store._blocks.append(sp.csr_matrix((z[f"data_{i}"], z[f"indices_{i}"], indptr), shape=shape))
            store._df = z["df"].astype(np.int64)
            ids = json.loads(str(z["ids"]))
        if sum(b.shape[0] for b in store._blocks) != len(ids):
            raise ValueError(f"{path}: feature blocks and ids disagree")
        store._ids = ids
        store._row = {rid: i for i, rid in enumerate(ids)}
        return store


def _weighted_rows(
    block: sp.csr_matrix, idf: np.ndarray, keep: np.ndarray, lut: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """TF-IDF rows of one block of term weights: (data, column indices, entries per row), L2-normalised."""
    mask = keep[block.indices]
    data = idf[block.indices]
    data *= block.data
    cum = np.concatenate([[0], np.cumsum(mask, dtype=np.int64)])
    counts = cum[block.indptr[1:]] - cum[block.indptr[:-1]]
    if not mask.all():  # terms above max_df (IDF 0) are dropped
        data = data[mask]
    indices = lut[block.indices[mask]]
    nonempty = counts > 0
    inv = np.ones(counts.size, dtype=np.float32)
    if data.size:
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])[nonempty]
        # empty rows hold no data, so summing from one non-empty row's start to the next is that row
        sq = np.add.reduceat(np.square(data, dtype=np.float64), starts)
        inv[nonempty] = (1.0 / np.sqrt(sq)).astype(np.float32)
    data *= np.repeat(inv, counts)
    return data, indices, counts


def build_matrix(texts: Sequence[str], **params) -> sp.csr_matrix:
    """A fresh TF-IDF matrix over ``texts`` (row i = text i), built in one go with ``FeatureStore``."""
    store = FeatureStore(**params)
    store.add([str(i) for i in range(len(texts))], list(texts))
    return store.matrix()
