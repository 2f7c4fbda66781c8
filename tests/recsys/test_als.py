from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from recsys import als
from recsys.history import build_history


def test_factors_past_the_fit_cap_are_solved_for_every_merchant(
    sample_events: pd.DataFrame, sample_cutoff: date, monkeypatch: pytest.MonkeyPatch
) -> None:
    history = build_history(sample_events, sample_cutoff)
    monkeypatch.setattr(als, "MAX_FIT_MERCHANTS", history.n_merchants // 2)
    factors = als.fit_als(history)
    assert factors.user.shape == (history.n_merchants, als.ALSParams().factors)
    bought = history.matrix()
    activity = np.diff(bought.indptr)
    solved = np.argsort(-activity, kind="stable")[history.n_merchants // 2 :]  # not in the fit: solved afterwards
    scores = factors.user[solved] @ factors.item.T
    own = np.asarray(bought[solved].todense()) > 0
    # each solved merchant's own items score above its average item: the factors carry its history
    assert np.mean([scores[r][own[r]].mean() > scores[r].mean() for r in range(len(solved))]) > 0.9
