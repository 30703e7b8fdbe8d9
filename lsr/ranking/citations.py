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
        self_cols = [ref_col.setdefault(_short(w), len(ref_col)) if w else -1 for w in ids]
        ones_r = np.ones(len(r_rows), dtype=np.float64)
        self.refs = sp.csr_matrix((ones_r, (r_rows, r_cols)), shape=(n, len(ref_col)))
        self._self_cols = np.asarray(self_cols, dtype=np.int64)
        self.refs_t = self.refs.T.tocsr()
        self.n_refs = np.asarray(self.refs.sum(axis=1)).ravel()
        ones_a = np.ones(len(a_rows), dtype=np.float64)
        self.cites = sp.csr_matrix((ones_a, (a_rows, a_cols)), shape=(n, n))
        self.cites_t = self.cites.T.tocsr()
        self.n = n
        self._tokens: dict[int, sp.csr_matrix] = {}

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

    def token_matrix(self, min_df: int = 2) -> sp.csr_matrix:
        """A static "citation text" per record, TF-IDF weighted and L2-normalised.

        A record's tokens are the works it cites, its own id, and the pool records that cite it; two
        records share a token when they share a reference (bibliographic coupling), when one cites the
        other, or when a third pool record cites both (co-citation). Tokens in fewer than ``min_df``
        records cannot link anything and are dropped; rows without a shared token are all-zero.
        """
        if min_df not in self._tokens:  # a static property of the graph: the service reuses it per decision
            self._tokens[min_df] = self._token_matrix(min_df)
        return self._tokens[min_df]

    def _token_matrix(self, min_df: int) -> sp.csr_matrix:
        has_id = self._self_cols >= 0
        own = sp.csr_matrix(
            (np.ones(int(has_id.sum())), (np.flatnonzero(has_id), self._self_cols[has_id])),
            shape=self.refs.shape,
        )
        M = sp.hstack([self.refs + own, self.cites_t], format="csr")
        M.data[:] = 1.0
        df = np.bincount(M.indices, minlength=M.shape[1])
        keep = np.flatnonzero(df >= min_df)
        M = M[:, keep]
        idf = np.log((1.0 + self.n) / (1.0 + df[keep])) + 1.0
        M = sp.csr_matrix(M.multiply(idf[np.newaxis, :]))
        norms = np.sqrt(np.asarray(M.multiply(M).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        return sp.csr_matrix(sp.diags(1.0 / norms) @ M)
