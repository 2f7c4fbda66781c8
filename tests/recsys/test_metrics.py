from __future__ import annotations

import math

import numpy as np
import pytest

from recsys.metrics import evaluate, hit_at_k, ndcg_at_k, per_merchant, ratio_interval, recall_at_k


def test_recall_counts_hits_over_target_size() -> None:
    assert recall_at_k(["a", "b", "c", "d"], {"a", "d", "z"}, 2) == pytest.approx(1 / 3)
    assert recall_at_k(["a", "b", "c", "d"], {"a", "d", "z"}, 4) == pytest.approx(2 / 3)
    assert recall_at_k([], {"a"}, 10) == 0.0
    assert recall_at_k(["a"], set(), 10) == 0.0


def test_ndcg_binary_gains_with_ideal_over_min_k_and_target() -> None:
    # hits at ranks 1 and 3; two relevant items, k=3: ideal = 1 + 1/log2(3)
    value = ndcg_at_k(["a", "x", "b"], {"a", "b"}, 3)
    assert value == pytest.approx((1 + 1 / math.log2(4)) / (1 + 1 / math.log2(3)))
    assert ndcg_at_k(["a", "b"], {"a", "b"}, 2) == pytest.approx(1.0)
    # more relevant items than k: the ideal list is full of hits
    assert ndcg_at_k(["x", "a"], {"a", "b", "c"}, 2) == pytest.approx((1 / math.log2(3)) / (1 + 1 / math.log2(3)))


def test_hit_rate() -> None:
    assert hit_at_k(["x", "y", "a"], {"a"}, 2) == 0.0
    assert hit_at_k(["x", "y", "a"], {"a"}, 3) == 1.0


def test_evaluate_splits_repeat_and_new_items_and_averages_over_merchants() -> None:
    ranked = {"m1": ["a", "n1", "b"], "m2": ["c"]}
    targets = {"m1": {"a", "b", "n1", "n2"}, "m2": {"c", "d"}, "m3": {"e"}}
    before = {"m1": {"a", "b", "q"}, "m2": {"c"}}
    result = evaluate(ranked, targets, before, ks=(2,))
    # m1: top-2 = a, n1 -> 2/4; m2: c -> 1/2; m3 (no list) -> 0
    assert result["recall@2"] == pytest.approx((0.5 + 0.5 + 0.0) / 3)
    # repeat recall: m1 {a,b} -> 1/2, m2 {c} -> 1; m3 has no repeat item
    assert result["repeat_recall@2"] == pytest.approx(0.75)
    # new recall: m1 {n1,n2} -> 1/2, m2 {d} -> 0, m3 {e} -> 0
    assert result["new_recall@2"] == pytest.approx(0.5 / 3)
    assert result["hit@2"] == pytest.approx(2 / 3)


def test_per_merchant_values_pair_across_models_and_average_to_evaluate() -> None:
    targets = {"m1": {"a", "n1"}, "m2": {"c"}, "m3": set()}
    before = {"m1": {"a"}, "m2": {"c"}}
    values = per_merchant({"m1": ["n1", "x"], "m2": ["c"]}, targets, before, ks=(2,))
    assert values["recall@2"].tolist() == [0.5, 1.0]  # m3 has no target: no row
    assert values["new_recall@2"][0] == 1.0 and math.isnan(values["new_recall@2"][1])  # m2 has no new item
    result = evaluate({"m1": ["n1", "x"], "m2": ["c"]}, targets, before, ks=(2,))
    assert result["new_recall@2"] == 1.0 and result["repeat_recall@2"] == pytest.approx(0.5)


def test_ratio_interval_covers_the_ratio_and_separates_a_clear_gain() -> None:
    rng = np.random.default_rng(1)
    base = rng.uniform(0.0, 1.0, 2000)
    same = ratio_interval(base, base)
    assert same[0] == pytest.approx(1.0) and same[1] == pytest.approx(1.0)
    noisy = np.clip(base + rng.normal(0.0, 0.3, 2000), 0.0, 1.0)
    low, high = ratio_interval(noisy, base)
    assert low < noisy.mean() / base.mean() < high and high - low < 0.1
    better = np.clip(base * 1.2, 0.0, 1.0)
    assert ratio_interval(better, base)[0] > 1.1
    # NaN rows (merchants without new items) are dropped from both arrays, pairwise
    with_nan = np.r_[base, np.nan]
    assert ratio_interval(np.r_[base, 5.0], with_nan) == same
    assert all(math.isnan(v) for v in ratio_interval(np.zeros(3), np.zeros(3)))


def test_ratio_interval_of_a_rarely_hit_baseline_reaches_infinity_not_a_huge_number() -> None:
    model = np.array([1.0, 1.0, 0.0, 0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 0.0])
    base = np.array([0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0])  # most resamples miss its one hit
    low, high = ratio_interval(model, base)
    assert math.isinf(high) and 0.0 < low < high
