"""Similar merchants (cosine over ALS merchant factors) and a TIFU-style neighbour score.

The neighbour score of (m, i) is the similarity-weighted average, over m's nearest merchants, of how
much of their recent ordering item i made up (order-decayed share of their orders containing it).
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from recsys.als import ALSFactors

NEIGHBOURS = 30


def nearest(als: ALSFactors, merchants: np.ndarray, n: int = NEIGHBOURS) -> tuple[np.ndarray, np.ndarray]:
    """(indices, cosine similarities) of each merchant's n most similar merchants, self excluded."""
    user = als.user.astype(np.float32)
    norm = user / np.maximum(np.linalg.norm(user, axis=1, keepdims=True), 1e-9)
    n = min(n, max(len(user) - 1, 0))
    idx = np.zeros((len(merchants), n), dtype=np.int64)
    sims = np.zeros((len(merchants), n), dtype=np.float32)
    if n == 0:
        return idx, sims
    for start in range(0, len(merchants), 2048):
        rows = merchants[start : start + 2048]
        scores = norm[rows] @ norm.T
        scores[np.arange(len(rows)), rows] = -np.inf
        part = np.argpartition(-scores, n - 1, axis=1)[:, :n]
        idx[start : start + len(rows)] = part
        sims[start : start + len(rows)] = np.take_along_axis(scores, part, axis=1)
    return idx, sims


def neighbour_scores(
    als: ALSFactors, share: sparse.csr_matrix, m: np.ndarray, i: np.ndarray, chunk: int = 4096
) -> np.ndarray:
    """Score for each (m, i) pair; `share` is the merchant x item matrix of order-decayed shares."""
    out = np.zeros(len(m), dtype=np.float64)
    if len(m) == 0:
        return out
    merchants = np.unique(m)
    n_items = share.shape[1]
    for start in range(0, len(merchants), chunk):
        rows = merchants[start : start + chunk]
        idx, sims = nearest(als, rows)
        weights = np.clip(sims, 0.0, None)
        weights /= np.maximum(weights.sum(axis=1, keepdims=True), 1e-9)
        mix = sparse.csr_matrix(
            (weights.ravel(), idx.ravel(), np.arange(0, idx.size + 1, idx.shape[1])), shape=(len(rows), share.shape[0])
        )
        product = (mix @ share).tocoo()
        keys = rows[product.row] * n_items + product.col
        order = np.argsort(keys)
        keys, values = keys[order], product.data[order]
        lo, hi = np.searchsorted(m, rows[0]), np.searchsorted(m, rows[-1], side="right")
        wanted = m[lo:hi] * n_items + i[lo:hi]
        pos = np.minimum(np.searchsorted(keys, wanted), max(len(keys) - 1, 0))
        hit = keys[pos] == wanted if len(keys) else np.zeros(len(wanted), dtype=bool)
        out[lo:hi] = np.where(hit, values[pos] if len(keys) else 0.0, 0.0)
    return out
