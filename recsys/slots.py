"""Discovery slots: at least d of every 10 list positions go to items the merchant never bought.

A restock list made only of repeats never shows a merchant anything new. Round 10 leaves discovery to the
blend's new-item offset (`RankerParams.discovery_boost`), which lists a never-bought item only where its score
comes close to the weakest repeats; slots force d per 10 everywhere and cost Recall@10 (inner splits A and B:
about 2% for 1 slot), so d is a fixed setting, `RankerParams.discovery_slots`, default 0. Until round 10 d was
chosen on the validation windows' held-out merchants (the smallest d whose new-item Recall@10 beat the windows'
ALS while Recall@10 stayed >= 1.05 x top-frequency's); that estimate is noisy, the rule fired in 2 of 36
inner-split runs and both lost Recall@10 (recsys/README.md, rounds 8 and 10).

RestockModel.rank(..., slots=d) overrides d; the evaluation also reports d = 1.
"""

from __future__ import annotations

import numpy as np

from recsys.arrays import group_starts

BLOCK = 10
MAX_SLOTS = 3
NONE = np.iinfo(np.int64).max


def slotted(is_new: list[bool], k: int, d: int) -> list[int]:
    """The rule for one merchant, written plainly (`top_k_with_slots` is tested against it).

    Positions (into a best-first candidate list) of the final top-k with >= d new items per block of 10.
    """
    remaining = list(range(len(is_new)))
    result: list[int] = []
    while len(result) < k and remaining:
        size = min(BLOCK, k - len(result))
        top = remaining[:size]
        need = min(d, size) - sum(1 for j in top if is_new[j])
        if need > 0:
            extra = [j for j in remaining[size:] if is_new[j]][:need]
            repeats = [j for j in top if not is_new[j]]
            drop = set(repeats[len(repeats) - len(extra) :]) if extra else set()
            top = sorted([j for j in top if j not in drop] + extra)
        result += top
        chosen = set(top)
        remaining = [j for j in remaining if j not in chosen]
    return result


def top_k_with_slots(
    m: np.ndarray, i: np.ndarray, score: np.ndarray, is_new: np.ndarray, k: int, d: int
) -> tuple[np.ndarray, np.ndarray]:
    """Like `top_k_per_group` (rows kept, slot of each) with discovery slots: `slotted` for every merchant at once.

    Repeats and new items each keep their score order in a slotted list, so a block of 10 is fixed by how many
    of each it takes: the merge of the next repeats and new items, then the best further new items replace the
    weakest repeats up to d. Only the k best repeats and k best new items of a merchant can ever be listed.
    """
    order = np.lexsort((i, -score, m))
    n = len(m)
    if n == 0 or k <= 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    sorted_m, flags = m[order], is_new[order]
    starts = group_starts(sorted_m)
    group = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, n]))
    within = np.arange(n) - starts[group]
    new_rank = np.cumsum(flags) - 1 - np.r_[0, np.cumsum(flags)][starts][group]
    rep_rank = np.cumsum(~flags) - 1 - np.r_[0, np.cumsum(~flags)][starts][group]
    # positions (into the best-first list) of each merchant's k best repeats / new items; column k = none left
    rep_pos = np.full((len(starts), k + 1), NONE, dtype=np.int64)
    new_pos = np.full((len(starts), k + 1), NONE, dtype=np.int64)
    sel = ~flags & (rep_rank < k)
    rep_pos[group[sel], rep_rank[sel]] = within[sel]
    sel = flags & (new_rank < k)
    new_pos[group[sel], new_rank[sel]] = within[sel]
    n_new_total = (new_pos < NONE).sum(axis=1)
    rows = np.arange(len(starts))[:, None]
    reps, news = np.zeros(len(starts), dtype=np.int64), np.zeros(len(starts), dtype=np.int64)
    out = np.full((len(starts), k), NONE, dtype=np.int64)
    for first in range(0, k, BLOCK):
        size = min(BLOCK, k - first)
        took_rep, took_new = np.zeros_like(reps), np.zeros_like(news)
        for _ in range(size):  # merge: the next `size` items in score order
            next_rep = rep_pos[rows[:, 0], np.minimum(reps + took_rep, k)]
            next_new = new_pos[rows[:, 0], np.minimum(news + took_new, k)]
            took_rep += next_rep < next_new
            took_new += next_new < next_rep
        extra = np.clip(np.minimum(min(d, size) - took_new, n_new_total - news - took_new), 0, None)
        n_rep, n_new = took_rep - extra, took_new + extra
        cols = np.arange(size)[None, :]
        rep_vals = np.where(cols < n_rep[:, None], rep_pos[rows, np.minimum(reps[:, None] + cols, k)], NONE)
        new_vals = np.where(cols < n_new[:, None], new_pos[rows, np.minimum(news[:, None] + cols, k)], NONE)
        out[:, first : first + size] = np.sort(np.concatenate([rep_vals, new_vals], axis=1), axis=1)[:, :size]
        reps += n_rep
        news += n_new
    g, slot = np.nonzero(out < NONE)
    return order[starts[g] + out[g, slot]], slot
