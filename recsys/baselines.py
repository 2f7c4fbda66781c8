"""Honest baselines: global popularity, personal top-frequency, ALS alone. Each returns item indices per merchant."""

from __future__ import annotations

import numpy as np

from recsys.als import ALSFactors
from recsys.features import Stats

MISSING = -1


def global_popularity(stats: Stats, merchants: np.ndarray, k: int) -> np.ndarray:
    """The k items in most orders over the whole training period, the same for everyone (ties: SKU order)."""
    baskets = stats.item["baskets"].to_numpy()
    top = np.lexsort((np.arange(len(baskets)), -baskets))[:k]
    padded = np.full(k, MISSING, dtype=np.int64)
    padded[: len(top)] = top
    return np.tile(padded, (len(merchants), 1))


def top_frequency(stats: Stats, merchants: np.ndarray, k: int) -> np.ndarray:
    """Items ranked by how many of the merchant's orders contained them; ties to the most recently bought,
    then to the globally more popular item, then SKU order. Only items the merchant bought (MISSING pads)."""
    result = np.full((stats.history.n_merchants, k), MISSING, dtype=np.int64)
    keep = stats.topfreq_rank < k
    result[stats.pairs.m[keep], stats.topfreq_rank[keep]] = stats.pairs.i[keep]
    return result[merchants]


def als_alone(als: ALSFactors, merchants: np.ndarray, k: int) -> np.ndarray:
    """ALS scores over all items, bought before or not (no filtering: repeats are most of the target)."""
    return als.top_n(merchants, k)
