from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from recsys.ranker import RankerParams, split_rows, window_for


def test_split_holds_out_whole_merchants_and_keeps_only_merchants_with_a_positive(
    sample_events: pd.DataFrame, sample_cutoff: date
) -> None:
    params = RankerParams()
    stamp = pd.Timestamp(sample_cutoff)
    windows = [window_for(sample_events, stamp - pd.Timedelta(days=days), stamp, params) for days in (120, 60)]
    split = split_rows(windows, params)
    for n, window in enumerate(windows):
        held = split.held_merchants[n]
        assert len(held) == max(1, int(len(window.merchants) * params.holdout_share))
        train_m, valid_m = window.m[split.train[n]], window.m[split.valid[n]]
        assert len(train_m) > 0 and len(valid_m) > 0
        assert not np.isin(train_m, held).any() and np.isin(valid_m, held).all()
        np.testing.assert_array_equal(split.held_rows[n], np.flatnonzero(np.isin(window.m, held)))
        positive = np.unique(window.m[window.y > 0])
        assert np.isin(train_m, positive).all() and np.isin(valid_m, positive).all()
        # every row of a merchant with a positive is kept (its negatives too)
        kept = np.isin(window.m, positive)
        assert len(split.train[n]) + len(split.valid[n]) == int(kept.sum())
