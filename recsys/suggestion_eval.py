"""How close a restock list's suggested quantities and reorder dates come to what the merchants then ordered.

Scored on the list's hits: the listed items (top k) that were in the merchant's first order after the cut-off, the
same target as the ranking metrics (`recsys.evaluation`). Per group (items the merchant had bought before, items it
had not) the list's own quantities are scored next to simple reference rules computed from the same history:

- exact: the suggested quantity is the one ordered;
- within 1.5x: the suggestion is at most 1.5 times the ordered quantity and at least two thirds of it;
- mean |log2 ratio|: how many doublings or halvings off, averaged (0.58 = 1.5x off);
- under: the suggestion was lower than the order.

Expected reorder dates are scored on every listed item (top k) the merchant had bought before and ordered again
after the cut-off, before the data ends (the others are left out and counted): the median and mean of |expected
date - the date of that first reorder| in days, next to four references: the list date itself, the merchant's next
order at its usual interval between orders (its last order + (last - first) / (orders - 1), not before the list
date), the item's last purchase plus its cycle (the mean interval between the merchant's orders of it; without
one, the merchant's interval; not before the list date) and the later of those two (the lists' rule until round 34).
Leaving out the items not reordered favours early dates (an item never reordered cannot count against an early
date), so every rule is also scored on all listed repeat items whose date is at least 14 days before the data ends
(round 38): the share whose first reorder came within 14 days of the date, an item not reordered counting as a miss.
(Capping the days off at the data's end instead rewards ever later dates: most listed items are not reordered
within two months.)
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from recsys.history import History, to_day
from recsys.restock import Suggestion, reorder_day
from recsys.windows import first_order_rows

REPEAT, NEW = "bought before", "never bought"
ON_TIME_DAYS = 14
# reference rules: name -> (group, function of the history's quantities of the pair or the item, oldest first)
Rule = Callable[[np.ndarray], float]


def most_frequent(quantities: np.ndarray) -> float:
    """The quantity ordered most often; ties go to the most recent of the tied quantities (oldest first in)."""
    values, counts = np.unique(quantities, return_counts=True)
    tied = values[counts == counts.max()]
    recent = [q for q in quantities[::-1] if q in set(tied.tolist())]
    return float(recent[0])


REFERENCES: dict[str, tuple[str, Rule]] = {
    "the merchant's median quantity": (REPEAT, lambda q: float(np.median(q))),
    "the merchant's last quantity": (REPEAT, lambda q: float(q[-1])),
    "the merchant's most frequent quantity": (REPEAT, most_frequent),
    "the item's median quantity (all merchants)": (NEW, lambda q: float(np.median(q))),
    "the item's most frequent quantity (all merchants)": (NEW, most_frequent),
}


@dataclass
class ReorderRows:
    """The listed repeat items, one entry per item: the day of its first reorder after the list date (NaN: not
    reordered by `end`, the day of the last event seen), the list's expected day, the list date, the merchant's next
    order at its usual interval (not before the list date) and the item's last purchase plus its cycle (not before
    the list date)."""

    reordered_day: np.ndarray
    listed_day: np.ndarray
    as_of: float
    next_order: np.ndarray
    item_due: np.ndarray
    end: float


DateRule = Callable[[ReorderRows], np.ndarray]  # expected day per reordered row
DATE_REFERENCES: dict[str, DateRule] = {
    "the list date": lambda rows: np.full(len(rows.reordered_day), rows.as_of),
    "the merchant's next order at its usual interval": lambda rows: rows.next_order,
    "the item's last purchase + its cycle": lambda rows: rows.item_due,
    "the later of the two (round 33's rule)": lambda rows: reorder_day(rows.next_order, rows.item_due, share=1.0),
}


@dataclass
class QuantityScore:
    rule: str
    group: str
    hits: int
    exact: float
    within_1_5x: float
    mean_abs_log2: float
    under: float


@dataclass
class DateScore:
    rule: str
    reordered: int  # listed repeat items reordered before the data ends
    not_reordered: int  # listed repeat items left out: not reordered before the data ends
    median_days_off: float
    mean_days_off: float
    on_time: float  # share reordered within ON_TIME_DAYS of the date, of the items whose window the data covers
    on_time_of: int  # those items (not reordered: a miss)


@dataclass
class SuggestionScores:
    quantities: list[QuantityScore]
    dates: list[DateScore]


def _mean(values: np.ndarray) -> float:
    return float(np.mean(values)) if len(values) else float("nan")


def _score(rule: str, group: str, suggested: np.ndarray, ordered: np.ndarray) -> QuantityScore:
    suggested = np.maximum(1.0, np.round(suggested))
    log_ratio = np.abs(np.log2(suggested / ordered)) if len(ordered) else np.zeros(0)
    return QuantityScore(
        rule=rule,
        group=group,
        hits=len(ordered),
        exact=_mean(suggested == ordered),
        within_1_5x=_mean(log_ratio <= np.log2(1.5) + 1e-9),
        mean_abs_log2=_mean(log_ratio),
        under=_mean(suggested < ordered),
    )


Lists = Mapping[str, Sequence[Suggestion]]  # merchant id -> its ranked suggestions


def _listed(lists: Lists, k: int) -> pd.DataFrame:
    """One row per listed item (top k): merchant_id, sku, the suggested quantity and the expected day."""
    rows = [
        (merchant, s.sku, s.quantity, to_day(s.expected_reorder_date))
        for merchant, listed in lists.items()
        for s in listed[:k]
    ]
    return pd.DataFrame(rows, columns=["merchant_id", "sku", "suggested", "expected_day"])


def _hits(events: pd.DataFrame, cutoff: pd.Timestamp, listed: pd.DataFrame) -> pd.DataFrame:
    """The listed rows whose item was in the merchant's first order after the cut-off, with the ordered quantity
    and the order's date."""
    target = first_order_rows(events, cutoff, None)
    ordered = target.groupby(["merchant_id", "sku"], as_index=False).agg(
        ordered=("quantity", "sum"), ordered_at=("ordered_at", "min")
    )
    ordered["merchant_id"] = ordered["merchant_id"].astype(str)
    return listed.merge(ordered, on=["merchant_id", "sku"])


def _quantities_by(history: History, columns: Sequence[str]) -> dict[tuple[str, ...], np.ndarray]:
    """The history's quantities, oldest first, per key of `columns` ("merchant_id", "sku")."""
    order = np.lexsort((history.b, history.t))
    frame = pd.DataFrame(
        {
            "merchant_id": history.merchant_ids[history.m[order]].astype(str),
            "sku": history.skus[history.i[order]].astype(str),
            "q": history.q[order],
        }
    )
    groups = frame.groupby(list(columns), sort=False)["q"]
    return {tuple(str(part) for part in key): values.to_numpy() for key, values in groups}


def _last_and_interval(times: pd.Series, groups: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """Per requested group of `times` (a Series indexed by group): the latest time and the mean interval between
    its times (NaN with one)."""
    table = times.groupby(level=0).agg(["min", "max", "size"]).loc[list(groups)]
    size = table["size"].to_numpy()
    interval = np.where(size > 1, (table["max"] - table["min"]).to_numpy() / np.maximum(size - 1, 1), np.nan)
    return table["max"].to_numpy(), interval


def _merchant_orders(history: History, merchant_ids: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Per row: the merchant's last order and its mean interval between orders (30 days with one order)."""
    index = history.merchant_index()
    last, interval = _last_and_interval(
        pd.Series(history.basket_t, index=history.basket_m), [index[m] for m in merchant_ids]
    )
    return last, np.nan_to_num(interval, nan=30.0)


def _item_cycle_due(history: History, rows: pd.DataFrame, merchant_interval: np.ndarray) -> np.ndarray:
    """Per row: the merchant's last purchase of the item + its cycle (without one, the merchant's interval between
    orders), not before the list date."""
    index, items = history.merchant_index(), history.item_index()
    pairs = [index[m] * history.n_items + items[s] for m, s in zip(rows["merchant_id"], rows["sku"], strict=True)]
    last, cycle = _last_and_interval(pd.Series(history.t, index=history.m * history.n_items + history.i), pairs)
    return np.maximum(history.as_of, last + np.where(np.isnan(cycle), merchant_interval, cycle))


def _reorder_rows(
    events: pd.DataFrame, history: History, listed: pd.DataFrame, repeat: Collection[tuple[str, ...]]
) -> ReorderRows:
    """The listed repeat items (`repeat`: the history's (merchant, SKU) pairs) with the day of their first reorder
    after the cut-off in `events` (NaN where there is none before `events` end)."""
    listed = listed[[(m, s) in repeat for m, s in zip(listed["merchant_id"], listed["sku"], strict=True)]]
    after = events[events["ordered_at"] >= pd.Timestamp(history.as_of, unit="D")]
    first = after.groupby(["merchant_id", "sku"], as_index=False)["ordered_at"].min()
    first["merchant_id"] = first["merchant_id"].astype(str)
    rows = listed.merge(first, on=["merchant_id", "sku"], how="left")
    merchant_last, merchant_interval = _merchant_orders(history, rows["merchant_id"])
    return ReorderRows(
        reordered_day=np.array([np.nan if pd.isna(t) else to_day(t) for t in rows["ordered_at"]], dtype=np.float64),
        listed_day=rows["expected_day"].to_numpy(dtype=np.float64),
        as_of=history.as_of,
        next_order=np.maximum(history.as_of, merchant_last + merchant_interval),
        item_due=_item_cycle_due(history, rows, merchant_interval),
        end=to_day(events["ordered_at"].max()) if len(events) else history.as_of,
    )


def _date_scores(rows: ReorderRows, references: Mapping[str, DateRule]) -> list[DateScore]:
    """The list's expected days, then each reference rule's: median and mean days off the items reordered, and the
    share reordered on time of the items whose window ends before the data does. The references are cut to their
    calendar day, as the list's dates are."""
    expected = {"restock list": rows.listed_day} | {name: np.floor(rule(rows)) for name, rule in references.items()}
    seen = ~np.isnan(rows.reordered_day)
    out = []
    for name, days in expected.items():
        off = np.abs(days - rows.reordered_day)  # NaN where not reordered
        median = float(np.median(off[seen])) if seen.any() else float("nan")
        covered = days + ON_TIME_DAYS <= rows.end
        on_time = (off <= ON_TIME_DAYS)[covered]  # NaN (not reordered) compares False: a miss
        out.append(
            DateScore(name, int(seen.sum()), int((~seen).sum()), median, _mean(off[seen]), _mean(on_time), len(on_time))
        )
    return out


def score_suggestions(
    events: pd.DataFrame,
    history: History,
    lists: Lists,
    k: int = 10,
    references: Mapping[str, tuple[str, Rule]] = REFERENCES,
    date_references: Mapping[str, DateRule] = DATE_REFERENCES,
    date_events: pd.DataFrame | None = None,
) -> SuggestionScores:
    """The list's quantities on its top-k hits and its expected dates on its top-k items reordered later, each next
    to the reference rules on the same rows (`evals.recsys.suggestion_rules` passes more).

    `events` must reach past the cut-off (the targets); `history` is the events before it (`build_history`);
    `date_events`, when given, are the events the dates are scored on instead (e.g. ones reaching further)."""
    listed = _listed(lists, k)
    hits = _hits(events, pd.Timestamp(history.as_of, unit="D"), listed)
    by_pair = _quantities_by(history, ("merchant_id", "sku"))
    repeat = np.array([key in by_pair for key in zip(hits["merchant_id"], hits["sku"], strict=True)], dtype=bool)
    by_item = _quantities_by(history, ("sku",))
    scores = []
    for group, rows in ((REPEAT, hits[repeat]), (NEW, hits[~repeat])):
        ordered = rows["ordered"].to_numpy(dtype=np.float64)
        scores.append(_score("restock list", group, rows["suggested"].to_numpy(dtype=np.float64), ordered))
        keys: list[tuple[str, ...]] = [(sku,) for sku in rows["sku"]]
        if group == REPEAT:
            keys = list(zip(rows["merchant_id"], rows["sku"], strict=True))
        history_of = by_pair if group == REPEAT else by_item
        for name, (rule_group, rule) in references.items():
            if rule_group == group:
                suggested = np.array([rule(history_of[key]) if key in history_of else 1.0 for key in keys])
                scores.append(_score(name, group, suggested, ordered))
    reorders = _reorder_rows(events if date_events is None else date_events, history, listed, by_pair.keys())
    return SuggestionScores(scores, _date_scores(reorders, date_references))
