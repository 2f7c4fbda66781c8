from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse

from recsys.neighbours import share_neighbour_scores


def _brute_force(share: np.ndarray, m: np.ndarray, i: np.ndarray, pool: np.ndarray, n: int) -> np.ndarray:
    """TIFU-KNN's neighbour score written out: cosine over share rows, n nearest in the pool, weighted mean."""
    unit = share / np.maximum(np.linalg.norm(share, axis=1, keepdims=True), 1e-12)
    out = np.zeros(len(m))
    for row, (merchant, item) in enumerate(zip(m, i, strict=True)):
        others = pool[pool != merchant]
        sims = unit[others] @ unit[merchant]
        top = np.argsort(-sims, kind="stable")[:n]
        weights = np.clip(sims[top], 0.0, None)
        out[row] = weights @ share[others[top], item] / max(weights.sum(), 1e-9)
    return out


@pytest.mark.parametrize("pool_size", [12, 7])
def test_share_neighbour_scores_match_the_written_out_definition(pool_size: int) -> None:
    rng = np.random.default_rng(4)
    dense = rng.random((12, 9)) * (rng.random((12, 9)) < 0.5)  # 12 merchants x 9 items
    dense[5] = 0.0  # a merchant with no share vector: similarity 0 to everyone
    unit = dense / np.maximum(np.linalg.norm(dense, axis=1, keepdims=True), 1e-12)
    sims = np.round(unit @ unit.T, 9)
    assert all(len(set(row[row > 0])) == (row > 0).sum() for row in sims)  # no ties: one set of nearest merchants
    pool = np.sort(rng.choice(12, size=pool_size, replace=False))
    m = np.repeat(np.arange(12), 9)
    i = np.tile(np.arange(9), 12)

    got = share_neighbour_scores(sparse.csr_matrix(dense), m, i, pool, n=3, chunk=5)

    np.testing.assert_allclose(got, _brute_force(dense, m, i, pool, 3), rtol=1e-5, atol=1e-6)


def test_share_neighbour_scores_never_use_the_merchant_itself() -> None:
    # merchant 0 alone bought item 2; its nearest merchants did not, so item 2 scores 0 for it
    share = sparse.csr_matrix(np.array([[0.5, 0.5, 1.0], [0.5, 0.5, 0.0], [0.4, 0.6, 0.0]]))
    got = share_neighbour_scores(share, np.array([0, 0]), np.array([0, 2]), np.arange(3), n=2)
    assert got[1] == 0.0 and got[0] == pytest.approx(0.4505, rel=1e-3)
