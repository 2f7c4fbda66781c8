from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from recsys import features
from recsys.features import FEATURES, candidates, compute_stats, feature_matrix, item_stats, pair_stats
from recsys.history import build_history
from recsys.model import RestockModel
from tests.recsys.events import events_of, events_with_quantities


@pytest.mark.parametrize("n_rows", [0, 1, 4, 10])
def test_rows_of_fills_blocks_exactly_like_whole_columns(n_rows: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(features, "FILL_BLOCK", 4)  # 10 rows: two full blocks and a partial one
    rng = np.random.default_rng(0)
    columns = {name: rng.normal(size=n_rows) * 10.0 ** (j % 6) for j, name in enumerate(FEATURES)}
    columns[FEATURES[1]][::3] = np.nan
    expected = np.empty((n_rows, len(FEATURES)), dtype=np.float32)
    for j, name in enumerate(FEATURES):
        expected[:, j] = columns[name]

    out = features._rows_of(columns)

    assert out.dtype == np.float32 and out.flags.c_contiguous
    np.testing.assert_array_equal(out, expected)


def test_frequency_relative_to_the_top_item_is_one_for_the_merchants_most_ordered_item(
    sample_model: RestockModel,
) -> None:
    features = sample_model.features
    assert features is not None
    x = features.x
    vs_top = x[:, FEATURES.index("orders_vs_top")]
    is_repeat = x[:, FEATURES.index("is_repeat")] == 1
    first = x[:, FEATURES.index("topfreq_rank")] == 0  # the merchant's most-ordered item
    np.testing.assert_allclose(vs_top[first], 1.0)
    assert ((vs_top[is_repeat] > 0) & (vs_top[is_repeat] <= 1.0 + 1e-6)).all()
    assert (vs_top[~is_repeat] == 0).all()
    decay_vs_top = x[:, FEATURES.index("decay_vs_top")]
    assert (decay_vs_top[is_repeat] <= 1.0 + 1e-6).all() and np.isclose(decay_vs_top[is_repeat].max(), 1.0)


def test_share_neighbour_feature_is_the_same_for_a_merchant_whatever_else_is_scored(
    sample_model: RestockModel,
) -> None:
    stats, als = sample_model.stats, sample_model.als
    merchants = np.arange(sample_model.history.n_merchants, dtype=np.int64)
    m, i = candidates(stats, als, merchants, n_history=20, n_als=5, n_popular=5)
    whole = feature_matrix(stats, als, m, i)
    some = m < 5
    part = feature_matrix(stats, als, m[some], i[some])
    for name in ("share_nb_score", "share_nb_rank", "orders_vs_top", "decay_vs_top"):
        j = FEATURES.index(name)
        np.testing.assert_allclose(part[:, j], whole[some, j], rtol=1e-6)


def test_item_reorder_rate_counts_later_orders_of_merchants_that_already_stock_the_item() -> None:
    orders = [  # (merchant, invoice, day, items); the list is made as of 2011-05-01, so the window opens 2011-04-01
        ("m1", "1", "2011-01-10", "AB"),
        ("m1", "2", "2011-04-05", "A"),
        ("m1", "3", "2011-04-20", "BC"),
        ("m2", "4", "2011-04-10", "A"),
        ("m2", "5", "2011-04-15", "C"),
        ("m2", "6", "2011-04-25", "A"),
        ("m3", "7", "2011-03-01", "CD"),
    ]
    events = events_of([(m, inv, sku, day) for m, inv, day, skus in orders for sku in skus])
    history = build_history(events, date(2011, 5, 1))

    rate = item_stats(history, pair_stats(history))["reorder_30"].to_numpy()

    by_sku = dict(zip(history.skus, rate, strict=True))
    # A: m1's orders 2 and 3 (A in 2), m2's orders 5 and 6 after its first A in order 4 (A in 6): 2 of 4
    # B: m1's orders 2 and 3 (B in 3): 1 of 2; C: m2's order 6 after its first C (no C), m1 has no order after
    # its first C, m3 none in the window: 0 of 1; D: no merchant ordered again after buying it: undefined
    assert by_sku["A"] == pytest.approx(0.5) and by_sku["B"] == pytest.approx(0.5)
    assert by_sku["C"] == 0.0 and np.isnan(by_sku["D"])


def test_usual_quantity_is_the_most_frequent_ordered_ties_to_the_most_recent() -> None:
    events = events_with_quantities(
        [  # (merchant, invoice, SKU, day, quantity)
            ("m1", "1", "A", "2011-01-10", 6),
            ("m1", "2", "A", "2011-02-10", 24),
            ("m1", "3", "A", "2011-03-10", 24),
            ("m2", "4", "A", "2011-01-12", 24),
            ("m2", "5", "A", "2011-02-12", 6),  # a tie at one each: the later 6, not the median 15
            ("m2", "4", "B", "2011-01-12", 3),
        ]
    )
    stats = compute_stats(build_history(events, date(2011, 5, 1)))

    pair_qty, item_qty = stats.usual_qty
    skus, ids = stats.history.skus, stats.history.merchant_ids
    usual = {(ids[m], skus[i]): q for m, i, q in zip(stats.pairs.m, stats.pairs.i, pair_qty, strict=True)}
    assert usual == {("m1", "A"): 24, ("m2", "A"): 6, ("m2", "B"): 3}
    # over all merchants: A was ordered 24 three times, 6 twice
    assert dict(zip(skus, item_qty, strict=True)) == {"A": 24, "B": 3}
