"""Ranking metrics over one list per merchant: Recall@k, NDCG@k, hit rate, repeat/new recall.

Conventions (the same for every model in the evaluation):
- Recall@k = |top-k ∩ target| / |target|.
- NDCG@k with binary gains, ideal DCG over min(k, |target|) relevant items.
- Hit rate@k = share of merchants with at least one target item in their top-k.
- Repeat (new) recall@k = |top-k ∩ target_repeat| / |target_repeat|, averaged over merchants whose
  target contains at least one item they bought (never bought) before the cut-off.
All are means over merchants.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np


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


def evaluate(
    ranked: Mapping[str, Sequence[str]],
    targets: Mapping[str, set[str]],
    bought_before: Mapping[str, set[str]],
    ks: Sequence[int] = (10, 20),
) -> dict[str, float]:
    """Mean metrics over the merchants in `targets` (a merchant missing from `ranked` gets an empty list)."""
    sums: dict[str, list[float]] = {}
    for merchant, target in targets.items():
        if not target:
            continue
        ranks = list(ranked.get(merchant, []))
        before = bought_before.get(merchant, set())
        repeat, new = target & before, target - before
        for k in ks:
            sums.setdefault(f"recall@{k}", []).append(recall_at_k(ranks, target, k))
            sums.setdefault(f"ndcg@{k}", []).append(ndcg_at_k(ranks, target, k))
            sums.setdefault(f"hit@{k}", []).append(hit_at_k(ranks, target, k))
            if repeat:
                sums.setdefault(f"repeat_recall@{k}", []).append(recall_at_k(ranks, repeat, k))
            if new:
                sums.setdefault(f"new_recall@{k}", []).append(recall_at_k(ranks, new, k))
    return {name: float(np.mean(values)) for name, values in sums.items()}
