from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from recsys.features import FEATURES
from recsys.ranker import RankerParams, new_item_split, split_rows, window_for


def test_new_item_ranker_trains_on_older_labels_and_validates_on_the_newest_window(
    sample_events: pd.DataFrame, sample_cutoff: date
) -> None:
    params = RankerParams()
    stamp = pd.Timestamp(sample_cutoff)
    older, newer = stamp - pd.Timedelta(days=120), stamp - pd.Timedelta(days=60)
    windows = [
        window_for(sample_events, older, stamp, params, newer),
        window_for(sample_events, newer, stamp, params, None),
    ]
    split = split_rows(windows, params)
    new_split, labels = new_item_split(windows, split)
    early = windows[0].y_early
    assert early is not None and windows[1].y_early is None
    # the older window's early labels: first orders before the newer window starts, a strict subset of its labels
    assert (early <= windows[0].y).all() and 0 < early.sum() < windows[0].y.sum()
    assert labels[0] is early and labels[1] is windows[1].y
    # trains only on the older window's never-bought candidates; validates only on the newest window
    assert len(new_split.train[0]) > 0 and len(new_split.train[1]) == 0
    assert len(new_split.valid[0]) == 0 and len(new_split.valid[1]) > 0
    repeat = FEATURES.index("is_repeat")
    assert (windows[0].x[new_split.train[0], repeat] == 0).all()
    assert (windows[1].x[new_split.valid[1], repeat] == 0).all()
    assert np.isin(windows[1].m[new_split.valid[1]], split.held_merchants[1]).all()
