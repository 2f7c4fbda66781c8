from __future__ import annotations

import math
from datetime import date

import numpy as np
import pytest

from recsys.history import build_history
from recsys.restock import Suggestion
from recsys.suggestion_eval import NEW, REPEAT, most_frequent, score_suggestions
from tests.recsys.events import events_with_quantities

CUTOFF = date(2011, 5, 1)
ORDERS = [  # (merchant, invoice, SKU, day, quantity); the lists are made as of 2011-05-01
    ("m1", "1", "A", "2011-02-01", 6),
    ("m1", "2", "A", "2011-03-01", 24),
    ("m1", "3", "A", "2011-04-01", 24),
    ("m1", "3", "B", "2011-04-01", 12),
    ("m2", "4", "D", "2011-04-10", 1),
    ("m1", "5", "A", "2011-05-03", 24),  # after the cut-off: m1's next order
    ("m1", "5", "B", "2011-05-03", 10),
    ("m2", "6", "A", "2011-05-20", 6),  # m2's next order: A, which it never bought
    ("m2", "7", "D", "2011-06-20", 2),  # D again, but not in m2's next order
]


def _item(sku: str, quantity: int, day: date) -> Suggestion:
    return Suggestion(sku, quantity, day, 0.0, {})


def test_quantities_and_dates_are_scored_on_the_lists_hits_next_to_the_references() -> None:
    events = events_with_quantities(ORDERS)
    lists = {
        "m1": [_item("A", 24, date(2011, 5, 1)), _item("B", 12, date(2011, 5, 11)), _item("C", 5, date(2011, 5, 1))],
        "m2": [_item("A", 24, date(2011, 5, 1)), _item("D", 1, date(2011, 6, 30))],
    }
    scores = score_suggestions(events, build_history(events, CUTOFF), lists, k=10)

    by = {(q.group, q.rule): q for q in scores.quantities}
    own = by[(REPEAT, "restock list")]  # m1's A (24 for 24) and B (12 for 10); m2's D is not in its next order
    assert (own.hits, own.exact, own.within_1_5x, own.under) == (2, 0.5, 1.0, 0.0)
    assert own.mean_abs_log2 == pytest.approx(math.log2(12 / 10) / 2)
    median = by[(REPEAT, "the merchant's median quantity")]  # A: median(6, 24, 24) = 24, B: 12
    assert (median.exact, median.within_1_5x) == (0.5, 1.0)
    new = by[(NEW, "restock list")]  # m2's A: 24 listed, 6 ordered
    assert (new.hits, new.exact, new.within_1_5x, new.mean_abs_log2, new.under) == (1, 0.0, 0.0, 2.0, 0.0)
    item_median = by[(NEW, "the item's median quantity (all merchants)")]  # A over everyone: 6, 24, 24
    assert item_median.exact == 0.0 and item_median.mean_abs_log2 == pytest.approx(2.0)

    dates = {d.rule: d for d in scores.dates}
    listed = dates["restock list"]  # A, B (reordered 2011-05-03) and D (2011-06-20); C was never bought
    assert (listed.reordered, listed.not_reordered) == (3, 0)
    # A: 2 days early, B: 8 days late, D: 10 days late
    assert listed.median_days_off == pytest.approx(8.0) and listed.mean_days_off == pytest.approx(20 / 3)
    # the list date: 2, 2 and 50 days before the reorders
    assert dates["the list date"].median_days_off == pytest.approx(2.0)
    # round 33's rule: m1 orders every 29.5 days, so A (cycle 29.5) and B (bought once) are due 2011-05-01, 2 days
    # early; m2 (one order) is due 30 days after 2011-04-10, 41 days before D's reorder
    later = dates["the later of the two (round 33's rule)"]
    assert (later.median_days_off, later.mean_days_off) == pytest.approx((2.0, 15.0))
    # on time: the data ends with D's reorder (2011-06-20), so D's window (to 2011-07-14) is not covered; A and B
    # are within 14 days of their reorders
    assert (listed.on_time, listed.on_time_of) == (1.0, 2)
    assert (dates["the list date"].on_time, dates["the list date"].on_time_of) == (2 / 3, 3)  # D: 50 days late


def test_dates_can_be_scored_on_other_events_than_the_targets() -> None:
    events = events_with_quantities(ORDERS)
    lists = {"m2": [_item("D", 1, date(2011, 6, 30))]}
    history = build_history(events, CUTOFF)
    until_june = events[events["ordered_at"] < "2011-06-01"]
    (censored,) = [d for d in score_suggestions(until_june, history, lists).dates if d.rule == "restock list"]
    assert (censored.reordered, censored.not_reordered) == (0, 1)  # D's reorder on 2011-06-20 is not seen
    scores = score_suggestions(until_june, history, lists, date_events=events)
    (later,) = [d for d in scores.dates if d.rule == "restock list"]
    assert (later.reordered, later.not_reordered, later.median_days_off) == (1, 0, pytest.approx(10.0))


def test_most_frequent_ties_go_to_the_latest() -> None:
    assert most_frequent(np.array([6.0, 24.0, 24.0])) == 24.0
    assert most_frequent(np.array([24.0, 6.0])) == 6.0
    assert most_frequent(np.array([6.0, 24.0, 6.0, 24.0])) == 24.0


def test_an_item_not_reordered_is_late_when_the_data_covers_its_window() -> None:
    events = events_with_quantities(ORDERS)
    history = build_history(events, CUTOFF)
    until_may_20 = events[events["ordered_at"] <= "2011-05-20"]  # D is not reordered by then
    for day, on_time_of in ((date(2011, 5, 1), 1), (date(2011, 5, 10), 0)):  # 2011-05-10: the window ends 05-24
        lists = {"m2": [_item("D", 1, day)]}
        (listed,) = [d for d in score_suggestions(until_may_20, history, lists).dates if d.rule == "restock list"]
        assert (listed.reordered, listed.not_reordered, listed.on_time_of) == (0, 1, on_time_of)
        assert math.isnan(listed.mean_days_off)
        assert listed.on_time == 0.0 if on_time_of else math.isnan(listed.on_time)
