"""Round 38 (recsys/README.md): would the merchant's recent rhythm date its next order better than its lifetime one?

    S2B_HOME=<demo home> python evals/recsys/variants/round38_next_order.py

A list's expected reorder date starts from the merchant's next order at its usual interval: its last order plus the
mean gap between its orders over its whole history (round 33). This swaps that gap for the median of all gaps, or the
median or mean of the last 3 or 5, and prints each rule's on-time share (`recsys.suggestion_eval`: of the listed
repeat items whose date is 14+ days before the events end, the share first reordered within 14 days of it) with
the next order alone (w = 0) and moved halfway to the item's due date (w = 0.5, the lists' rule), on the inner
splits' horizon and to the data's end. A diagnostic on the inner splits (one fit each); nothing here was kept.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from evals.recsys.inner_splits import load_split, store_events
from recsys.history import History
from recsys.model import RestockModel
from recsys.ranker import RankerParams
from recsys.restock import reorder_day, suggest
from recsys.suggestion_eval import DateRule, _date_scores, _listed, _quantities_by, _reorder_rows

GAPS = [("mean, all (kept)", "mean", 0), ("median, all", "median", 0)] + [
    (f"{how}, last {k}", how, k) for how in ("median", "mean") for k in (3, 5)
]


def merchant_gaps(history: History, how: str, last: int) -> tuple[pd.Series, pd.Series]:
    """Per merchant index: its last order's time and its gap between orders by `how` over the `last` gaps (0: all)."""
    baskets = pd.DataFrame({"m": history.basket_m, "t": history.basket_t}).sort_values(["m", "t"])
    baskets["gap"] = baskets.groupby("m")["t"].diff()
    gaps = baskets.dropna()
    if last:
        gaps = gaps.groupby("m").tail(last)
    return baskets.groupby("m")["t"].max(), gaps.groupby("m")["gap"].agg(how)


def towards_due(next_order: np.ndarray, share: float) -> DateRule:
    return lambda rows: reorder_day(next_order, rows.item_due, share)


def next_order_rules(history: History, merchants: np.ndarray) -> dict[tuple[str, float], DateRule]:
    """(gap, w) -> the date rule: the merchant's next order by that gap, moved w of the way to the item's due date."""
    rules: dict[tuple[str, float], DateRule] = {}
    for label, how, last in GAPS:
        last_order, gap = merchant_gaps(history, how, last)
        next_order = np.maximum(
            history.as_of, last_order.reindex(merchants).to_numpy() + gap.reindex(merchants).fillna(30.0).to_numpy()
        )
        for w in (0.0, 0.5):
            rules[label, w] = towards_due(next_order, w)
    return rules


def main() -> None:
    events, titles = store_events()
    for name in ("A", "B"):
        split = load_split(events, name)
        history = split.cut.history
        model = RestockModel.fit(split.events, split.list_date, RankerParams(), titles)
        listed = _listed(suggest(model, split.cut.merchants, 10), 10)
        by_pair = _quantities_by(history, ("merchant_id", "sku"))
        repeat = listed[[(m, s) in by_pair for m, s in zip(listed["merchant_id"], listed["sku"], strict=True)]]
        index = history.merchant_index()
        rules = next_order_rules(history, np.array([index[m] for m in repeat["merchant_id"]]))
        table = pd.DataFrame(index=pd.Index([label for label, _, _ in GAPS], name="merchant's gap"))
        for horizon, scored_on in (("split", split.events), ("data end", events)):
            rows = _reorder_rows(scored_on, history, listed, by_pair.keys())
            scores = _date_scores(rows, {f"{label}|{w}": rule for (label, w), rule in rules.items()})
            for score in scores[1:]:  # the first is the lists' own dates
                label, w = score.rule.split("|")
                table.loc[label, f"{horizon}, w = {w}"] = score.on_time
        print(f"{name}: list date {split.list_date}, on-time share (`recsys.suggestion_eval`)")
        print(table.round(3).to_string(), end="\n\n")


if __name__ == "__main__":
    main()
