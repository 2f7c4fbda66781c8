from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
from scipy import sparse

from recsys.als import ALSParams, fit_als
from recsys.features import FEATURES, candidates, compute_stats, feature_matrix
from recsys.history import build_history
from recsys.itemknn import NEIGHBOURS, families, family_orders, item_similarity, knn_scores


def test_families_group_letter_variants_of_one_stem() -> None:
    skus = np.array(["85099B", "85099C", "85099F", "22423", "22424", "POST", "47566", "47566B", "M"], dtype=object)
    family = families(skus)
    assert family[0] == family[1] == family[2] >= 0
    assert family[6] == family[7] >= 0 and family[6] != family[0]
    assert family[3] == family[4] == -1  # different stems, one SKU each: no family
    assert family[5] == family[8] == -1


def test_families_are_a_no_op_on_codes_without_that_structure() -> None:
    skus = np.array(["ABC-1", "ABC-2", "shirt-red", "shirt-blue", "X"], dtype=object)
    assert (families(skus) == -1).all()
    one_order = np.zeros(1, dtype=np.int64)
    matrix = family_orders(one_order, np.zeros(2, dtype=np.int64), np.array([0, 1]), families(skus), 1)
    assert matrix.nnz == 0


def test_family_orders_count_each_order_once() -> None:
    family = np.array([0, 0, -1])  # items 0 and 1 are siblings
    basket_m = np.array([0, 0, 1])  # baskets 0, 1 of merchant 0; basket 2 of merchant 1
    b = np.array([0, 0, 1, 2])
    i = np.array([0, 1, 2, 1])
    matrix = family_orders(basket_m, b, i, family, 2).toarray()
    assert matrix.tolist() == [[1.0], [1.0]]  # basket 0 holds two siblings: one order


def test_item_similarity_is_cosine_over_merchants() -> None:
    bought = sparse.csr_matrix(np.array([[1, 1, 0], [1, 1, 0], [1, 0, 1]], dtype=np.float32))
    sim = item_similarity(bought, np.array([3.0, 2.0, 1.0])).toarray()
    assert np.allclose(np.diag(sim), 0.0)
    assert np.isclose(sim[0, 1], 2 / np.sqrt(3 * 2))
    assert np.isclose(sim[1, 2], 0.0)
    assert (np.count_nonzero(sim, axis=1) <= NEIGHBOURS).all()


def test_knn_scores() -> None:
    sim = sparse.csr_matrix(np.array([[0, 0.5, 0.2], [0.5, 0, 0], [0.2, 0, 0]], dtype=np.float32))
    share = sparse.csr_matrix(np.array([[1.0, 0.0, 0.0], [0.0, 2.0, 0.0]], dtype=np.float32))
    scores = knn_scores(share, sim, np.array([0, 0, 1]), np.array([1, 2, 0]))
    assert np.allclose(scores, [0.5, 0.2, 1.0])


def test_item_features_are_filled_for_new_candidates(sample_events: pd.DataFrame) -> None:
    history = build_history(sample_events, date(2011, 9, 1))
    stats = compute_stats(history)
    als = fit_als(history, ALSParams(factors=8, iterations=2))
    merchants = np.arange(history.n_merchants, dtype=np.int64)
    m, i = candidates(stats, als, merchants, n_history=80, n_als=10, n_popular=5)
    new = ~np.isin(m * history.n_items + i, stats.pairs.key)
    assert new.any() and not new.all()
    x = feature_matrix(stats, als, m, i)
    knn = x[:, FEATURES.index("knn_score")]
    assert np.isfinite(knn).all() and (knn[new] > 0).any()
    fam = x[:, FEATURES.index("fam_frac")]
    assert ((fam >= 0) & (fam <= 1)).all() and (fam > 0).any()
    for name in ("item_new_share", "m_new_rate", "m_new_last"):
        column = x[:, FEATURES.index(name)]
        assert ((column >= 0) & (column <= 1)).all(), name
