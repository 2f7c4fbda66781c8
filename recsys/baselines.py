"""Honest baselines: global popularity, personal top-frequency, ALS alone. Each returns item indices per merchant."""

from __future__ import annotations

import numpy as np

from recsys.als import ALSFactors, ALSParams
from recsys.features import Stats

MISSING = -1

# "ALS alone" as a recommender in its own right, tuned like every other model on the inner splits cut from
# training periods (A: list date 2011-07-03, B: 2011-04-02) for Recall@10: 32/64/128 factors x regularization
# 0.1/1/10 x alpha 1/4/16, then 256 and 512 factors around the best (recsys/README.md has the grid). Recall@10
# rises with the factor count (A 0.76x of top-frequency at 32 factors, 0.95x at 128, 1.01x at 512) while its
# new-item recall falls (A .031 -> .013 -> .005): a wide ALS mostly memorises each merchant's own items. The
# grid stops at 512 factors (7 s per fit on the demo). The blend's own ALS (candidates and features) stays
# at 32 factors x 8 iterations; the evaluation also lists it as "ALS, the blend's discovery settings".
ALS_ALONE = ALSParams(factors=512, regularization=10.0, alpha=4.0, iterations=15)


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
