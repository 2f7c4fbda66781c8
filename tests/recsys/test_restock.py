from __future__ import annotations

from datetime import date

import numpy as np
import orjson
import pandas as pd

from recsys.history import known_before
from recsys.model import RestockModel
from recsys.restock import cold_start, suggest


def test_stored_json_of_a_suggestion_is_its_as_json(sample_model: RestockModel) -> None:
    """The batch writes Suggestion dataclasses with orjson directly: it must equal `as_json`, key order included."""
    merchants = np.arange(sample_model.history.n_merchants, dtype=np.int64)
    lists = suggest(sample_model, merchants, 20)
    listed = [item for items in lists.values() for item in items] + cold_start(sample_model, 5)
    kinds = {item.reason["kind"] for item in listed}
    assert {"repeat", "popular"} <= kinds
    for item in listed:
        assert orjson.dumps(item) == orjson.dumps(item.as_json())
        assert item.score == round(item.score, 6)


def test_quantities_are_ones_ordered_and_dates_not_before_the_merchants_next_order(
    sample_model: RestockModel, sample_events: pd.DataFrame, sample_cutoff: date
) -> None:
    merchants = np.arange(sample_model.history.n_merchants, dtype=np.int64)
    lists = suggest(sample_model, merchants, 20)
    before = known_before(sample_events, pd.Timestamp(sample_cutoff))  # what the model knew: returns netted
    own = before.groupby(["merchant_id", "sku"])["quantity"].agg(lambda q: set(q.tolist()))
    anyone = before.groupby("sku")["quantity"].agg(lambda q: set(q.tolist()))
    orders = (
        before.groupby("merchant_id")["ordered_at"]
        .agg(["min", "max"])
        .join(before.groupby("merchant_id")["invoice_id"].nunique().rename("n"))
    )
    checked = 0
    for merchant_id, items in lists.items():
        first, last, n = orders.loc[merchant_id]
        interval = (last - first) / (n - 1) if n > 1 else pd.Timedelta(days=30)
        next_order = max((last + interval).floor("D"), pd.Timestamp(sample_cutoff) - pd.Timedelta(days=1))
        for item in items:
            ordered = own.get((merchant_id, item.sku)) if item.reason["kind"] == "repeat" else anyone[item.sku]
            assert item.quantity in ordered, (merchant_id, item)
            assert pd.Timestamp(item.expected_reorder_date) >= next_order, (merchant_id, item)
            checked += 1
    assert checked > 100


def test_a_later_item_due_date_moves_the_expected_date_halfway_past_the_merchants_next_order(
    sample_model: RestockModel, sample_events: pd.DataFrame, sample_cutoff: date
) -> None:
    """Round 34's rule, recomputed from the orders: next order + (last purchase + cycle - next order) / 2 when the
    item is due later (round 33's rule, the later of the two, would be off by that half)."""
    merchants = np.arange(sample_model.history.n_merchants, dtype=np.int64)
    lists = suggest(sample_model, merchants, 20)
    before = known_before(sample_events, pd.Timestamp(sample_cutoff))  # what the model knew: returns netted
    as_of = pd.Timestamp(sample_cutoff)
    baskets = before.groupby(["merchant_id", "invoice_id"])["ordered_at"].min()
    checked = 0
    for merchant_id, items in lists.items():
        times = baskets.loc[merchant_id]
        interval = (times.max() - times.min()) / (len(times) - 1) if len(times) > 1 else pd.Timedelta(days=30)
        next_order = max(times.max() + interval, as_of)
        for item in items:
            bought = before[(before["merchant_id"] == merchant_id) & (before["sku"] == item.sku)]
            item_times = bought.groupby("invoice_id")["ordered_at"].min()
            if item.reason["kind"] != "repeat" or len(item_times) < 2:
                continue
            due = item_times.max() + (item_times.max() - item_times.min()) / (len(item_times) - 1)
            if due - next_order < pd.Timedelta(days=4):
                continue
            expected = next_order + (due - next_order) / 2
            assert abs(pd.Timestamp(item.expected_reorder_date) - expected.floor("D")) <= pd.Timedelta(days=1), (
                merchant_id,
                item,
            )
            checked += 1
    assert checked > 20
