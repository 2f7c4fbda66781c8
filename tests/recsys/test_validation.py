from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from recsys.als import ALSParams
from recsys.baselines import als_alone, top_frequency
from recsys.evaluation import _as_lists
from recsys.features import FEATURES
from recsys.metrics import evaluate
from recsys.validation import HeldOut, validation_table
from recsys.windows import first_orders_after, labelled_window


def test_validation_metrics_equal_the_offline_metrics_on_the_window_targets(
    sample_events: pd.DataFrame, sample_cutoff: date
) -> None:
    end = pd.Timestamp(sample_cutoff)
    start = end - pd.Timedelta(timedelta(days=90))
    window = labelled_window(
        sample_events,
        start,
        end,
        als_params=ALSParams(),
        max_merchants=10_000,
        seed=7,
        n_history=80,
        n_als=30,
        n_popular=10,
    )
    history = window.stats.history
    # a "ranker" that scores by top-frequency order: its d = 0 list is the top-frequency baseline
    rank = np.nan_to_num(window.x[:, FEATURES.index("topfreq_rank")], nan=1e9)
    rows = np.arange(len(window.m))
    table = validation_table([HeldOut(window, window.merchants, rows, score=-rank)])

    ids = history.merchant_ids[window.merchants]
    targets = {mid: skus for mid, skus in first_orders_after(sample_events, start, end).items() if mid in set(ids)}
    before = sample_events[sample_events["ordered_at"] < start]
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
