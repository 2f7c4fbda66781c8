"""Similar merchants (cosine over ALS merchant factors) and a TIFU-style neighbour score.

The neighbour score of (m, i) is the similarity-weighted average, over m's nearest merchants, of how
much of their recent ordering item i made up (order-decayed share of their orders containing it).
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from recsys.als import ALSFactors
from recsys.arrays import largest, sorted_unique, values_at

NEIGHBOURS = 30
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
        scores = norm[rows] @ candidates.T
        at = np.minimum(np.searchsorted(pool, rows), len(pool) - 1)
        is_self = pool[at] == rows
        scores[np.flatnonzero(is_self), at[is_self]] = -np.inf
        part = np.argpartition(-scores, n - 1, axis=1)[:, :n]
        idx[start : start + len(rows)] = pool[part]
        sims[start : start + len(rows)] = np.take_along_axis(scores, part, axis=1)
    return idx, sims


def neighbour_scores(
    als: ALSFactors, share: sparse.csr_matrix, m: np.ndarray, i: np.ndarray, pool: np.ndarray, chunk: int = 4096
) -> np.ndarray:
    """Score for each (m, i) pair; `share` is the merchant x item matrix of order-decayed shares."""
    out = np.zeros(len(m), dtype=np.float64)
    if len(m) == 0:
        return out
    merchants = sorted_unique(m)
    for start in range(0, len(merchants), chunk):
        rows = merchants[start : start + chunk]
        idx, sims = nearest(als, rows, pool=pool)
        weights = np.clip(sims, 0.0, None)
        weights /= np.maximum(weights.sum(axis=1, keepdims=True), 1e-9)
        mix = sparse.csr_matrix(
            (weights.ravel(), idx.ravel(), np.arange(0, idx.size + 1, idx.shape[1])), shape=(len(rows), share.shape[0])
        )
        lo, hi = np.searchsorted(m, rows[0]), np.searchsorted(m, rows[-1], side="right")
        out[lo:hi] = values_at(mix @ share, rows, m[lo:hi], i[lo:hi])
    return out
