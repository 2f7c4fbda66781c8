"""Other rules for the restock list's suggested quantity and expected reorder date, scored next to the kept ones on
the inner splits (round 34, recsys/README.md).

    python -m evals.recsys.suggestion_rules
    python -m evals.recsys.suggestion_rules --split B --dates-to-data-end

A diagnostic: it fits the kept model (`RankerParams()`) once per inner split (`evals.recsys.inner_splits`: A lists
as of 2011-07-03, B as of 2011-04-02), lists the top 10 with `recsys.restock.suggest` and prints
`recsys.suggestion_eval`'s tables with more reference rules:

- quantities of items the merchant bought before: the most frequent quantity over its last 3 or 5 orders of the
  item, the most frequent with recency-decayed counts, the median of the last 3, and the ordered quantity nearest
  the median (on a log scale) when no quantity was ordered twice;
- dates: the merchant's next order at its usual interval moved a share `w` of the way towards the item's last
  purchase + its cycle when that is later (w = 0 is the next order alone; w = 1 is round 33's rule, the later of
  the two, also a standing reference; the lists use w = 0.5 since round 34, chosen here).

The splits' events end two months after the list date (2011-09-01 / 2011-06-01), so only reorders within that
horizon are scored, which favours early dates. `--dates-to-data-end` scores the dates on every later order in the
store instead (the quantities stay on the split's targets). Those orders overlap the test cut-offs' periods, so
this view can confirm a rule chosen on the splits, never choose one. Both views also print each rule's on-time share
(round 38): of all listed repeat items whose date is 14+ days before the events end, the share first reordered within
14 days of it, an item not reordered counting as a miss, which does not favour early dates.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from evals.recsys.inner_splits import SPLITS, load_split, store_events
from recsys.model import RestockModel
from recsys.ranker import RankerParams
from recsys.report import suggestion_lines
from recsys.restock import reorder_day, suggest
from recsys.suggestion_eval import (
    DATE_REFERENCES,
    REFERENCES,
    REPEAT,
    DateRule,
    Rule,
    most_frequent,
    score_suggestions,
)


def most_frequent_of_last(orders: int) -> Rule:
    return lambda quantities: most_frequent(quantities[-orders:])


def most_frequent_decayed(decay: float) -> Rule:
    """The quantity with the largest sum of decay ** (orders back), the latest order counting 1."""

    def rule(quantities: np.ndarray) -> float:
        weights = decay ** np.arange(len(quantities))[::-1]
        values = np.unique(quantities)
        return float(values[np.argmax([weights[quantities == value].sum() for value in values])])

    return rule


def most_frequent_else_nearest_median(quantities: np.ndarray) -> float:
    """The most frequent quantity if one was ordered twice; else the ordered quantity nearest the median on a log
    scale (ties: the latest)."""
    if np.unique(quantities, return_counts=True)[1].max() >= 2:
        return most_frequent(quantities)
    latest_first = quantities[::-1]
    return float(latest_first[np.argmin(np.abs(np.log(latest_first) - np.log(np.median(quantities))))])


QUANTITY_RULES: dict[str, tuple[str, Rule]] = {
    "most frequent of the last 3 orders": (REPEAT, most_frequent_of_last(3)),
    "most frequent of the last 5 orders": (REPEAT, most_frequent_of_last(5)),
    "most frequent, counts decayed 0.7 per order": (REPEAT, most_frequent_decayed(0.7)),
    "median of the last 3 orders": (REPEAT, lambda quantities: float(np.median(quantities[-3:]))),
    "most frequent, else ordered quantity nearest the median": (REPEAT, most_frequent_else_nearest_median),
}


def towards_item_cycle(share: float) -> DateRule:
    return lambda rows: reorder_day(rows.next_order, rows.item_due, share)


DATE_RULES: dict[str, DateRule] = {
    f"next order, w = {w} towards the cycle": towards_item_cycle(w) for w in (0.25, 0.5, 0.75)
}


def split_report(all_events: pd.DataFrame, titles: Mapping[str, str], name: str, to_data_end: bool) -> list[str]:
    split = load_split(all_events, name)
    model = RestockModel.fit(split.events, split.list_date, RankerParams(), titles)
    scores = score_suggestions(
        split.events,
        split.cut.history,
        suggest(model, split.cut.merchants, 10),
        10,
        REFERENCES | QUANTITY_RULES,
        DATE_REFERENCES | DATE_RULES,
        date_events=all_events if to_data_end else None,
    )
    horizon = "in any later order in the store" if to_data_end else f"before {SPLITS[name][1]}"
    return [f"## {name}: list date {split.list_date}", "", *suggestion_lines(scores, horizon), ""]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", default="A,B", help="inner splits, comma-separated (default A,B)")
    parser.add_argument("--dates-to-data-end", action="store_true", help="score the dates on every later order")
    args = parser.parse_args(argv)
    events, titles = store_events()
    for name in args.split.split(","):
        print("\n".join(split_report(events, titles, name, args.dates_to_data_end)), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
