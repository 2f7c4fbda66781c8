"""Offline evaluation on a temporal split: train before a cut-off, test = each merchant's first order after it.

Evaluated merchants: those with at least one purchase before the cut-off and one after (a brand-new
merchant gets the same cold-start list from every model, so they would only dilute the comparison).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from recsys.als import fit_als
from recsys.baselines import ALS_ALONE, als_alone, global_popularity, top_frequency
from recsys.features import Stats, compute_stats
from recsys.history import History, build_history, known_before
from recsys.metrics import means, per_merchant, ratio_interval
from recsys.model import RestockModel
from recsys.ranker import RankerParams
from recsys.restock import suggest
from recsys.suggestion_eval import SuggestionScores, score_suggestions
from recsys.windows import first_orders_after

MODELS = (
    "global popularity",
    "personal top-frequency",
    "ALS alone",
    "learned blend (LightGBM)",
    "learned blend + 1 discovery slot per 10",
    "learned blend, no new-item offset",
    "ALS, the blend's discovery settings",
)
# The blend's ratios to the baselines, in report order: name -> (model, baseline, metric).
RATIOS = {
    "recall@10 vs top-frequency": (MODELS[3], MODELS[1], "recall@10"),
    "ndcg@10 vs top-frequency": (MODELS[3], MODELS[1], "ndcg@10"),
    "no-offset recall@10 vs top-frequency": (MODELS[5], MODELS[1], "recall@10"),
    "no-offset ndcg@10 vs top-frequency": (MODELS[5], MODELS[1], "ndcg@10"),
    "no-offset new_recall@10 vs ALS": (MODELS[5], MODELS[2], "new_recall@10"),
    "new_recall@10 vs ALS": (MODELS[3], MODELS[2], "new_recall@10"),
    "new_recall@20 vs ALS": (MODELS[3], MODELS[2], "new_recall@20"),
    "new_recall@10 vs ALS with the blend's discovery settings": (MODELS[3], MODELS[6], "new_recall@10"),
}
# The ratios reported with a paired bootstrap interval over merchants.
COMPARISONS = (
    "recall@10 vs top-frequency",
    "ndcg@10 vs top-frequency",
    "new_recall@10 vs ALS",
    "new_recall@10 vs ALS with the blend's discovery settings",
)


@dataclass
class EvalResult:
    cutoff: date
    merchants: int
    metrics: dict[str, dict[str, float]]
    seconds: dict[str, float] = field(default_factory=dict)
    model_meta: dict[str, object] = field(default_factory=dict)
    intervals: dict[str, tuple[float, float]] = field(default_factory=dict)  # COMPARISONS: 95% bootstrap
    suggestions: SuggestionScores | None = None  # the blend's top-10 quantities and dates (recsys.suggestion_eval)


def _as_lists(skus: np.ndarray, merchant_ids: np.ndarray, items: np.ndarray) -> dict[str, list[str]]:
    return {
        str(mid): [str(skus[i]) for i in row if i >= 0] for mid, row in zip(merchant_ids, items.tolist(), strict=True)
    }


@dataclass
class CutoffSplit:
    """What every model evaluated at one cut-off shares: the history before it, the evaluated merchants (history
    indices: a purchase before the cut-off and an order after), each one's first order after it (the target) and
    what it bought before (which target items are new to it)."""

    history: History
    stats: Stats
    merchants: np.ndarray
    targets: dict[str, set[str]]
    bought: dict[str, set[str]]

    def lists(self, items: np.ndarray) -> dict[str, list[str]]:
        """A model's ranked item indices (one row per evaluated merchant) as SKU lists by merchant id."""
        return _as_lists(self.history.skus, self.history.merchant_ids[self.merchants], items)


DEFAULT_TEST_DAYS = 99  # the demo's split: 2011-09-01 is 99 days before its last order (2011-12-09)


def default_cutoff(events: pd.DataFrame) -> date:
    """The cut-off that leaves the data's last DEFAULT_TEST_DAYS days to test on (2011-09-01 on the demo data)."""
    _require_purchases(events)
    return (pd.Timestamp(events["ordered_at"].max()).normalize() - pd.Timedelta(days=DEFAULT_TEST_DAYS)).date()


def _require_purchases(events: pd.DataFrame) -> None:
    if events.empty:
        raise ValueError("no purchases by identified merchants: nothing to evaluate")


def check_cutoff(events: pd.DataFrame, cutoff: date) -> None:
    """A clear error when a cut-off leaves nothing to learn from or nothing to test on."""
    _require_purchases(events)
    timestamp = pd.Timestamp(cutoff)
    span = f"the purchases run from {events['ordered_at'].min():%Y-%m-%d} to {events['ordered_at'].max():%Y-%m-%d}"
    before = events["ordered_at"] < timestamp
    if not before.any() or before.all():
        side = "before" if not before.any() else "after"
        raise ValueError(f"cut-off {cutoff}: no purchases {side} it ({span}); pick a date inside that range")
    kept = known_before(events, timestamp)
    if kept.empty:
        raise ValueError(
            f"cut-off {cutoff}: every purchase before it was returned in full by then ({span}); pick a later date"
        )
    if not events.loc[~before, "merchant_id"].isin(set(kept["merchant_id"])).any():
        raise ValueError(f"cut-off {cutoff}: no merchant that bought before it ordered after it ({span})")


def cutoff_split(events: pd.DataFrame, cutoff: date) -> CutoffSplit:
    check_cutoff(events, cutoff)
    timestamp = pd.Timestamp(cutoff)
    history = build_history(events, timestamp)
    index = history.merchant_index()
    targets = {mid: skus for mid, skus in first_orders_after(events, timestamp, None).items() if mid in index}
    merchants = np.array(sorted(index[mid] for mid in targets), dtype=np.int64)
    before = known_before(events, timestamp)
    bought = {str(mid): set(g.tolist()) for mid, g in before.groupby("merchant_id")["sku"] if mid in targets}
    return CutoffSplit(history, compute_stats(history), merchants, targets, bought)


def evaluate_cutoff(
    events: pd.DataFrame,
    cutoff: date,
    *,
    k: int = 20,
    params: RankerParams | None = None,
    titles: Mapping[str, str] | None = None,
) -> EvalResult:
    split = cutoff_split(events, cutoff)
    history, stats, merchants, targets = split.history, split.stats, split.merchants, split.targets
    seconds: dict[str, float] = {}
    lists: dict[str, dict[str, list[str]]] = {}

    started = time.perf_counter()
    lists[MODELS[0]] = split.lists(global_popularity(stats, merchants, k))
    lists[MODELS[1]] = split.lists(top_frequency(stats, merchants, k))
    seconds["baselines"] = time.perf_counter() - started
    params = params or RankerParams()
    started = time.perf_counter()
    lists[MODELS[2]] = split.lists(als_alone(fit_als(history, ALS_ALONE), merchants, k))
    seconds["ALS"] = time.perf_counter() - started
    started = time.perf_counter()
    model = RestockModel.fit(events, cutoff, params, titles)
    seconds["blend fit"] = time.perf_counter() - started
    started = time.perf_counter()
    ranked = model.rank(merchants, k)
    seconds["blend rank"] = time.perf_counter() - started
    lists[MODELS[3]] = split.lists(ranked.items)
    # Fixed discovery settings next to the model's (shown for the trade-off, not chosen on this period).
    lists[MODELS[4]] = split.lists(model.rank(merchants, k, slots=1).items)
    no_offset = model.rank(merchants, k, slots=0, new_item_offset=0.0).items
    lists[MODELS[5]] = split.lists(no_offset)
    # The blend's own ALS (fitted by RestockModel.fit on the same history), ranked on its own.
    lists[MODELS[6]] = split.lists(als_alone(model.als, merchants, k))
    suggestions = score_suggestions(events, history, suggest(model, merchants, 10), 10)
    values = {name: per_merchant(ranked_lists, targets, split.bought) for name, ranked_lists in lists.items()}
    intervals = {}
    for name in COMPARISONS:
        model_name, baseline, metric = RATIOS[name]
        intervals[name] = ratio_interval(values[model_name][metric], values[baseline][metric])
    return EvalResult(
        cutoff=cutoff,
        merchants=len(targets),
        metrics={name: means(per) for name, per in values.items()},
        seconds=seconds,
        model_meta=model.meta,
        intervals=intervals,
        suggestions=suggestions,
    )
