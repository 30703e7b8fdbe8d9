"""Citation links inside a review's pool, and the label-dependent features derived from them.

This module owns the OpenAlex ``referenced_works`` signal. ``CitationGraph`` holds, for the records of
one review, a records x references incidence matrix (every work a record cites, inside or outside the
pool) and the records x records "cites" matrix (links between records of the pool). ``features`` turns
the current labels into per-record evidence:

- ``shared``   log(1 + number of references shared with known inclusions, summed over inclusions)
- ``cites``    log(1 + number of known inclusions the record cites)
- ``cited_by`` log(1 + number of known inclusions that cite the record)

A labelled inclusion never counts itself (leave-one-out), so features of training records look like the
features of pool records. Everything is a few sparse matrix-vector products, cheap enough to recompute
after every decision.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

__all__ = ["FEATURE_NAMES", "CitationGraph"]

FEATURE_NAMES = ("shared", "cites", "cited_by")


def _short(work_id: str) -> str:
    return str(work_id).rstrip("/").rsplit("/", 1)[-1].upper()


class CitationGraph:
    """Citation structure of one pool of records.

    Args:
        ids: OpenAlex ids of the records (``W123`` or full URLs), in row order; None for records without.
        referenced_works: per record, the OpenAlex ids it cites (full URLs or short ids).
    """

    def __init__(self, ids: Sequence[str | None], referenced_works: Sequence[Sequence[str] | None]) -> None:
        if len(ids) != len(referenced_works):
            raise ValueError("ids and referenced_works differ in length")
        n = len(ids)
        row_of = {_short(w): i for i, w in enumerate(ids) if w}
        ref_col: dict[str, int] = {}
        r_rows: list[int] = []
        r_cols: list[int] = []
        a_rows: list[int] = []
        a_cols: list[int] = []
        for i, refs in enumerate(referenced_works):
            for ref in set(_short(r) for r in (refs or ()) if r):
                r_rows.append(i)
                r_cols.append(ref_col.setdefault(ref, len(ref_col)))
                j = row_of.get(ref)
                if j is not None and j != i:
                    a_rows.append(i)
                    a_cols.append(j)
        ones_r = np.ones(len(r_rows), dtype=np.float64)
        self.refs = sp.csr_matrix((ones_r, (r_rows, r_cols)), shape=(n, len(ref_col)))
        self.refs_t = self.refs.T.tocsr()
        self.n_refs = np.asarray(self.refs.sum(axis=1)).ravel()
        ones_a = np.ones(len(a_rows), dtype=np.float64)
        self.cites = sp.csr_matrix((ones_a, (a_rows, a_cols)), shape=(n, n))
        self.cites_t = self.cites.T.tocsr()
        self.n = n

    @property
    def n_links(self) -> int:
        """Number of citation links between records of the pool."""
        return int(self.cites.nnz)

    def features(self, labelled: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Per-record citation evidence given the current labels.

        Args:
            labelled: row indices of the labelled records.
            y: their labels (1 = include).

        Returns:
            An ``(n, 3)`` float array with columns ``FEATURE_NAMES``.
        """
        included = np.asarray(labelled)[np.asarray(y) == 1]
        ind = np.zeros(self.n, dtype=np.float64)
        ind[included] = 1.0
        shared = self.refs @ (self.refs_t @ ind)
        shared -= ind * self.n_refs  # leave one out: an inclusion shares all its references with itself
        cites = self.cites @ ind
        cited_by = self.cites_t @ ind
        return np.log1p(np.column_stack([np.maximum(shared, 0.0), cites, cited_by]))
