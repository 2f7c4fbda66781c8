"""Ranking metrics over one list per merchant: Recall@k, NDCG@k, hit rate, repeat/new recall.

Conventions (the same for every model in the evaluation):
- Recall@k = |top-k ∩ target| / |target|.
- NDCG@k with binary gains, ideal DCG over min(k, |target|) relevant items.
- Hit rate@k = share of merchants with at least one target item in their top-k.
- Repeat (new) recall@k = |top-k ∩ target_repeat| / |target_repeat|, averaged over merchants whose
  target contains at least one item they bought (never bought) before the cut-off.
All are means over merchants. `ratio_interval` gives a paired bootstrap interval for one model's mean
over another's (how much a ratio like 1.05x depends on which merchants happened to order).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np


def finite_or_none(value: float) -> float | None:
    """A metric as JSON can hold it: NaN (defined for no merchant) or infinity (over a baseline of 0) is None."""
    return value if math.isfinite(value) else None


def recall_at_k(ranked: Sequence[str], target: set[str], k: int) -> float:
    if not target:
        return 0.0
    return len(set(ranked[:k]) & target) / len(target)


def ndcg_at_k(ranked: Sequence[str], target: set[str], k: int) -> float:
    if not target:
        return 0.0
    dcg = sum(1.0 / np.log2(pos + 2) for pos, sku in enumerate(ranked[:k]) if sku in target)
    ideal = sum(1.0 / np.log2(pos + 2) for pos in range(min(k, len(target))))
    return float(dcg / ideal)


def hit_at_k(ranked: Sequence[str], target: set[str], k: int) -> float:
    return 1.0 if set(ranked[:k]) & target else 0.0


def per_merchant(
    ranked: Mapping[str, Sequence[str]],
    targets: Mapping[str, set[str]],
    bought_before: Mapping[str, set[str]],
    ks: Sequence[int] = (10, 20),
) -> dict[str, np.ndarray]:
    """One value per merchant with a non-empty target, in `targets` order; NaN where a repeat (new) recall does
    not apply (no repeat (new) item in the target). Aligned across models evaluated on the same targets, so two
    models' arrays pair merchant by merchant."""
    values: dict[str, list[float]] = {}
    for merchant, target in targets.items():
        if not target:
            continue
        ranks = list(ranked.get(merchant, []))
        before = bought_before.get(merchant, set())
        repeat, new = target & before, target - before
        for k in ks:
            values.setdefault(f"recall@{k}", []).append(recall_at_k(ranks, target, k))
            values.setdefault(f"ndcg@{k}", []).append(ndcg_at_k(ranks, target, k))
            values.setdefault(f"hit@{k}", []).append(hit_at_k(ranks, target, k))
            values.setdefault(f"repeat_recall@{k}", []).append(recall_at_k(ranks, repeat, k) if repeat else np.nan)
            values.setdefault(f"new_recall@{k}", []).append(recall_at_k(ranks, new, k) if new else np.nan)
    return {name: np.asarray(column, dtype=np.float64) for name, column in values.items()}


def evaluate(
    ranked: Mapping[str, Sequence[str]],
    targets: Mapping[str, set[str]],
    bought_before: Mapping[str, set[str]],
    ks: Sequence[int] = (10, 20),
) -> dict[str, float]:
    """Mean metrics over the merchants in `targets` (a merchant missing from `ranked` gets an empty list)."""
    return means(per_merchant(ranked, targets, bought_before, ks))


def means(values: Mapping[str, np.ndarray]) -> dict[str, float]:
    """Per-merchant values (`per_merchant`) averaged over the merchants they apply to."""
    return {name: float(np.nanmean(column)) for name, column in values.items() if np.isfinite(column).any()}


def ratio_interval(
    numerator: np.ndarray, denominator: np.ndarray, *, level: float = 0.95, n_boot: int = 2000, seed: int = 0
) -> tuple[float, float]:
    """Paired bootstrap interval of mean(numerator) / mean(denominator) over merchants.

    The two arrays hold two models' per-merchant values for the same merchants (`per_merchant`); merchants are
    resampled together, so the interval reflects how much the ratio depends on which merchants happened to
    order. Rows that are NaN in either array are dropped. (nan, nan) when nothing is left or the denominator's
    mean is 0.
    """
    keep = np.isfinite(numerator) & np.isfinite(denominator)
    a, b = numerator[keep], denominator[keep]
    if len(a) == 0 or b.sum() <= 0:
        return (float("nan"), float("nan"))
    rows = np.random.default_rng(seed).integers(0, len(a), size=(n_boot, len(a)))
    top, bottom = a[rows].sum(axis=1), b[rows].sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):  # a resample without a baseline hit: inf, or nan for 0/0
        ratios = top / bottom
    tail = (1.0 - level) / 2.0
    method: Literal["nearest", "linear"] = "nearest" if np.isinf(ratios).any() else "linear"  # no inf - inf
    low, high = np.nanquantile(ratios, [tail, 1.0 - tail], method=method)
    return (float(low), float(high))
