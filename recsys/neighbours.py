"""Similar merchants, and the TIFU-KNN neighbour score.

`nearest`: a merchant's most similar merchants by cosine over ALS merchant factors (similar merchants'
quantities and the "discover" reason of restock lists).

`share_neighbour_scores` (a ranker feature): the score of (m, i) is the similarity-weighted average, over the
100 merchants nearest to m by cosine of their share vectors (as in TIFU-KNN), of how much of their recent ordering
item i made up (order-decayed share of their orders containing it). Until round 13 the feature used the 30
nearest merchants by ALS factors; the share vectors' neighbours rank better (recsys/README.md).
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from recsys.als import ALSFactors
from recsys.arrays import largest, sorted_unique, top_n_per_row, values_at

NEIGHBOURS = 30
SHARE_NEIGHBOURS = 100
POOL = 5_000  # neighbours are searched among the most active merchants: all of them on the demo data


def neighbour_pool(n_orders: np.ndarray, size: int = POOL) -> np.ndarray:
    """Merchant indices eligible as neighbours: the `size` merchants with the most orders (sorted indices)."""
    if len(n_orders) <= size:
        return np.arange(len(n_orders), dtype=np.int64)
    return largest(n_orders, size)


def nearest(
    als: ALSFactors, merchants: np.ndarray, n: int = NEIGHBOURS, pool: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(indices, cosine similarities) of each merchant's n most similar merchants in `pool`, self excluded."""
    user = als.user.astype(np.float32)
    norm = user / np.maximum(np.linalg.norm(user, axis=1, keepdims=True), 1e-9)
    pool = np.arange(len(user), dtype=np.int64) if pool is None else pool
    candidates = norm[pool]
    n = min(n, max(len(pool) - 1, 0))
    idx = np.zeros((len(merchants), n), dtype=np.int64)
    sims = np.zeros((len(merchants), n), dtype=np.float32)
    if n == 0:
        return idx, sims
    for start in range(0, len(merchants), 2048):
        rows = merchants[start : start + 2048]
        idx[start : start + len(rows)], sims[start : start + len(rows)] = _top_in_pool(
            norm[rows] @ candidates.T, rows, pool, n, distinct=True
        )
    return idx, sims


def _top_in_pool(
    sims: np.ndarray, rows: np.ndarray, pool: np.ndarray, n: int, *, distinct: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """(pool indices, similarities) of each row's n largest entries of `sims` (rows x pool), the merchant itself
    excluded; `sims` is overwritten where a row meets itself.

    `distinct`: the rows hold mostly distinct values (cosines of ALS factors), where `top_n_per_row` is the faster
    selection and breaks ties by the lower pool index; share-vector cosines are half zeros, where `argpartition` is.
    """
    at = np.minimum(np.searchsorted(pool, rows), len(pool) - 1)
    is_self = pool[at] == rows
    sims[np.flatnonzero(is_self), at[is_self]] = -np.inf
    part = top_n_per_row(sims, n) if distinct else np.argpartition(-sims, n - 1, axis=1)[:, :n]
    return pool[part], np.take_along_axis(sims, part, axis=1)


def share_neighbour_scores(
    share: sparse.csr_matrix,
    m: np.ndarray,
    i: np.ndarray,
    pool: np.ndarray,
    n: int = SHARE_NEIGHBOURS,
    chunk: int = 1024,
) -> np.ndarray:
    """Score for each (m, i) pair (sorted by m) over the n nearest merchants in `pool` by cosine of share vectors."""
    out = np.zeros(len(m), dtype=np.float64)
    n = min(n, max(len(pool) - 1, 0))
    if len(m) == 0 or n == 0:
        return out
    unit = _unit_rows(share)
    pool_t = unit[pool].T.tocsr()
    merchants = sorted_unique(m)
    for start in range(0, len(merchants), chunk):
        rows = merchants[start : start + chunk]
        idx, sims = _top_in_pool((unit[rows] @ pool_t).toarray(), rows, pool, n)
        _fill_mixed_shares(out, share, rows, idx, sims, m, i)
    return out


def _unit_rows(matrix: sparse.csr_matrix) -> sparse.csr_matrix:
    """float32 copy of `matrix` with every non-empty row scaled to unit length."""
    unit = matrix.astype(np.float32).tocsr(copy=True)
    norms = np.sqrt(np.asarray(unit.multiply(unit).sum(axis=1)).ravel())
    unit.data /= np.repeat(np.maximum(norms, 1e-12), np.diff(unit.indptr)).astype(np.float32)
    return unit


def _fill_mixed_shares(
    out: np.ndarray,
    share: sparse.csr_matrix,
    rows: np.ndarray,
    idx: np.ndarray,
    sims: np.ndarray,
    m: np.ndarray,
    i: np.ndarray,
) -> None:
    """out[pairs of `rows`] = similarity-weighted mean of the neighbours' (idx) shares; negative similarities
    count 0."""
    weights = np.clip(sims, 0.0, None)
    weights /= np.maximum(weights.sum(axis=1, keepdims=True), 1e-9)
    mix = sparse.csr_matrix(
        (weights.ravel(), idx.ravel(), np.arange(0, idx.size + 1, idx.shape[1])), shape=(len(rows), share.shape[0])
    )
    lo, hi = np.searchsorted(m, rows[0]), np.searchsorted(m, rows[-1], side="right")
    out[lo:hi] = values_at(mix @ share, rows, m[lo:hi], i[lo:hi])
