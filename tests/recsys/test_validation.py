from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from recsys.als import ALSParams
from recsys.baselines import als_alone, top_frequency
from recsys.evaluation import _as_lists
from recsys.features import FEATURES
from recsys.history import known_before
from recsys.metrics import evaluate
from recsys.validation import (
    OFFSET_STEPS,
    HeldOut,
    choose_new_item_offset,
    smallest_within_one_se,
    validation_table,
    with_offset,
)
from recsys.windows import Window, first_orders_after, labelled_window


def _window(events: pd.DataFrame, cutoff: date) -> Window:
    end = pd.Timestamp(cutoff)
    return labelled_window(
        events,
        end - pd.Timedelta(timedelta(days=90)),
        end,
        als_params=ALSParams(),
        max_merchants=10_000,
        seed=7,
        n_history=80,
        n_als=30,
        n_popular=10,
    )


@pytest.fixture
def window_rows_new(sample_events: pd.DataFrame, sample_cutoff: date) -> tuple[Window, np.ndarray, np.ndarray]:
    """A labelled window, all its rows, and which rows are never-bought candidates."""
    window = _window(sample_events, sample_cutoff)
    return window, np.arange(len(window.m)), window.x[:, FEATURES.index("is_repeat")] == 0


def test_new_item_offset_lifts_under_scored_new_items_and_stays_zero_when_they_never_hit(
    window_rows_new: tuple[Window, np.ndarray, np.ndarray],
) -> None:
    window, rows, is_new = window_rows_new
    assert (window.y[is_new] > 0).any() and (window.y[~is_new] > 0).any()
    # Oracle scores (hits 1, misses 0) with every new item pushed down by 1.5: new hits (-0.5) now rank below
    # repeat misses (0), so recall needs an offset above 0.5 (and below 1.5, where new misses would pass them).
    oracle = window.y.astype(np.float64)
    shifted = HeldOut(window, window.merchants, rows, score=oracle - 1.5 * is_new)
    offset = choose_new_item_offset([shifted])
    assert 0.5 < offset < 1.5
    lifted = validation_table(with_offset([shifted], offset))["valid_d0_recall@10"]
    assert lifted > validation_table([shifted])["valid_d0_recall@10"]
    assert max(OFFSET_STEPS) * float(np.std(shifted.score)) >= offset
    # When no new item is ever a target, any offset can only cost recall: 0.
    no_new_hits = HeldOut(window, window.merchants, rows, score=np.where(is_new, -1.0, oracle))
    no_new_hits.window = replace(window, y=np.where(is_new, 0.0, window.y).astype(np.float32))
    assert choose_new_item_offset([no_new_hits]) == 0.0


def test_discovery_boost_is_the_smallest_offset_the_rule_may_choose(
    window_rows_new: tuple[Window, np.ndarray, np.ndarray],
) -> None:
    window, rows, is_new = window_rows_new
    # Oracle scores: no offset is best, so without a floor the rule keeps 0
    oracle = HeldOut(window, window.merchants, rows, score=window.y.astype(np.float64))
    scale = float(np.std(oracle.score))
    assert choose_new_item_offset([oracle]) == 0.0
    # with a floor the rule starts there: the floor, as the larger steps are no better on these scores
    assert choose_new_item_offset([oracle], floor=0.5) == pytest.approx(0.5 * scale)
    # a floor off the grid is tried as it is, and a floor past the grid is the only setting
    assert choose_new_item_offset([oracle], floor=0.45) == pytest.approx(0.45 * scale)
    assert choose_new_item_offset([oracle], floor=2.0) == pytest.approx(2.0 * scale)
    # the floor still lets a clearly better, larger offset win: new hits pushed down by 1.5 need more than 0.5
    shifted = HeldOut(window, window.merchants, rows, score=oracle.score - 1.5 * is_new)
    assert choose_new_item_offset([shifted], floor=0.1) > 0.5


def test_one_se_rule_keeps_the_smallest_setting_unless_a_larger_one_clearly_helps() -> None:
    rng = np.random.default_rng(3)
    base = rng.uniform(0.0, 1.0, 400)
    noise = rng.normal(0.0, 0.2, 400)
    # 0.5 is best by a hair (0.002 on values whose paired differences have a standard error near 0.01): keep 0
    centred = noise - noise.mean()
    flat = {0.0: base, 0.2: base + centred * 0.5, 0.5: base + centred + 0.002}
    assert max(flat, key=lambda s: flat[s].mean()) == 0.5
    assert smallest_within_one_se(flat) == 0.0
    # a clear gain at 0.5 (0.05, five standard errors): 0.5, and 0.75 (no better than 0.5) is not taken
    clear = {0.0: base, 0.5: base + 0.05 + noise * 0.1, 0.75: base + 0.05 + noise * 0.1}
    assert smallest_within_one_se(clear) == 0.5
    # a middle setting within one standard error of the best is preferred to the best
    other = rng.normal(0.0, 0.2, 400)
    other -= other.mean()
    middle = {0.0: base, 0.3: base + 0.049 + other * 0.1, 0.6: base + 0.05 + centred * 0.1}
    assert smallest_within_one_se(middle) == 0.3


def test_validation_metrics_equal_the_offline_metrics_on_the_window_targets(
    sample_events: pd.DataFrame, sample_cutoff: date
) -> None:
    end = pd.Timestamp(sample_cutoff)
    start = end - pd.Timedelta(timedelta(days=90))
    window = _window(sample_events, sample_cutoff)
    history = window.stats.history
    # a "ranker" that scores by top-frequency order: its d = 0 list is the top-frequency baseline
    rank = np.nan_to_num(window.x[:, FEATURES.index("topfreq_rank")], nan=1e9)
    rows = np.arange(len(window.m))
    table = validation_table([HeldOut(window, window.merchants, rows, score=-rank)])

    ids = history.merchant_ids[window.merchants]
    targets = {mid: skus for mid, skus in first_orders_after(sample_events, start, end).items() if mid in set(ids)}
    before = known_before(sample_events, start)
    bought = {str(mid): set(g.tolist()) for mid, g in before.groupby("merchant_id")["sku"]}
    expected_tf = evaluate(
        _as_lists(history.skus, ids, top_frequency(window.stats, window.merchants, 10)), targets, bought, ks=(10,)
    )
    expected_als = evaluate(
        _as_lists(history.skus, ids, als_alone(window.als, window.merchants, 10)), targets, bought, ks=(10,)
    )
    assert len(targets) == len(window.merchants) > 10
    assert table["valid_topfreq_recall@10"] == pytest.approx(expected_tf["recall@10"])
    assert table["valid_topfreq_ndcg@10"] == pytest.approx(expected_tf["ndcg@10"])
    assert table["valid_d0_recall@10"] >= table["valid_topfreq_recall@10"]  # short own lists are padded
    assert table["valid_als_recall@10"] == pytest.approx(expected_als["recall@10"])
    assert table["valid_als_new_recall@10"] == pytest.approx(expected_als["new_recall@10"])


def test_new_item_recall_is_nan_without_a_warning_when_no_merchant_bought_anything_new(
    window_rows_new: tuple[Window, np.ndarray, np.ndarray],
) -> None:
    window, rows, _ = window_rows_new
    only_repeats = replace(window, n_new_target=np.zeros_like(window.n_new_target))
    table = validation_table([HeldOut(only_repeats, only_repeats.merchants, rows, score=-np.arange(len(rows)))])
    assert np.isnan(table["valid_d0_new_recall@10"]) and np.isnan(table["valid_als_new_recall@10"])
    assert table["valid_d0_recall@10"] > 0
