from __future__ import annotations

from datetime import date

import numpy as np

from recsys.baselines import MISSING, global_popularity, top_frequency
from recsys.features import compute_stats
from recsys.history import build_history
from tests.recsys.events import events_of


def test_top_frequency_ties_go_to_most_recent_then_globally_popular() -> None:
    events = events_of(
        [
            # merchant A: X and Y in 2 orders each, Y bought more recently -> Y first
            ("A", "1", "X", "2011-01-01 10:00"),
            ("A", "1", "Y", "2011-01-01 10:00"),
            ("A", "2", "X", "2011-02-01 10:00"),
            ("A", "3", "Y", "2011-03-01 10:00"),
            # P and Q once each in the same (latest) order -> same count, same time: globally popular Q first
            ("A", "4", "P", "2011-04-01 10:00"),
            ("A", "4", "Q", "2011-04-01 10:00"),
            # Z in a single early order: last
            ("A", "0", "Z", "2010-12-01 10:00"),
            # other merchants make Q more popular than P
            ("B", "5", "Q", "2011-01-05 10:00"),
            ("C", "6", "Q", "2011-01-06 10:00"),
        ]
    )
    stats = compute_stats(build_history(events, date(2011, 5, 1)))
    index = stats.history.merchant_index()
    top = top_frequency(stats, np.array([index["A"]]), 6)[0]
    skus = [str(stats.history.skus[i]) if i != MISSING else None for i in top]
    assert skus == ["Y", "X", "Q", "P", "Z", None]


def test_global_popularity_is_the_same_for_everyone() -> None:
    events = events_of([("A", "1", "X", "2011-01-01"), ("B", "2", "X", "2011-01-02"), ("B", "3", "Y", "2011-01-03")])
    stats = compute_stats(build_history(events, date(2011, 2, 1)))
    top = global_popularity(stats, np.array([0, 1]), 2)
    assert [str(stats.history.skus[i]) for i in top[0]] == ["X", "Y"]
    assert (top[0] == top[1]).all()


def test_history_excludes_the_cutoff_day_onwards() -> None:
    events = events_of([("A", "1", "X", "2011-01-01"), ("A", "2", "Y", "2011-02-01")])
    history = build_history(events, date(2011, 2, 1))
    assert list(history.skus) == ["X"]
