"""Discovery slots: up to d of every 10 list positions go to the best-scoring items the merchant never bought.

A restock list made only of repeats never shows a merchant anything new; a few discoveries are worth a
little accuracy. d is chosen on the ranker's held-out validation merchants (never the evaluated period):
the d in 0..MAX_SLOTS with the best validation Recall@10 (ties: fewer slots). A product that wants more
discoveries can force d (RestockModel.rank(..., slots=d)); the evaluation reports d = 1 next to the default.
"""

from __future__ import annotations

import numpy as np

BLOCK = 10
MAX_SLOTS = 3


def slotted(is_new: list[bool], k: int, d: int) -> list[int]:
    """Positions (into a best-first candidate list) of the final top-k with >= d new items per block of 10."""
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
    """Like `top_k_per_group` (rows kept, slot of each) with discovery slots; m must be grouped by merchant."""
    order = np.lexsort((i, -score, m))
    sorted_m = m[order]
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_m)) + 1] if len(m) else np.zeros(0, dtype=np.int64)
    ends = np.r_[starts[1:], len(m)]
    keep: list[np.ndarray] = []
    slots: list[np.ndarray] = []
    flags = is_new[order]
    for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
        positions = slotted(flags[start:end].tolist(), k, d) if d > 0 else list(range(min(k, end - start)))
        keep.append(order[start + np.asarray(positions, dtype=np.int64)])
        slots.append(np.arange(len(positions)))
    if not keep:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(keep), np.concatenate(slots)


def choose_slots(
    group: np.ndarray, y: np.ndarray, score: np.ndarray, is_new: np.ndarray
) -> tuple[int, dict[str, float]]:
    """Pick d on held-out validation groups; returns (d, validation recall@10 and new recall@10 for each d)."""
    table: dict[str, float] = {}
    positives = np.bincount(np.unique(group, return_inverse=True)[1], weights=y)
    new_positives = np.bincount(np.unique(group, return_inverse=True)[1], weights=y * is_new)
    codes = np.unique(group, return_inverse=True)[1]
    for d in range(MAX_SLOTS + 1):
        keep, _ = top_k_with_slots(codes, np.arange(len(codes)), score, is_new, BLOCK, d)
        hits = np.bincount(codes[keep], weights=y[keep], minlength=len(positives))
        new_hits = np.bincount(codes[keep], weights=(y * is_new)[keep], minlength=len(positives))
        recall = float(np.mean(hits[positives > 0] / positives[positives > 0]))
        has_new = new_positives > 0
        new_recall = float(np.mean(new_hits[has_new] / new_positives[has_new])) if has_new.any() else 0.0
        table[f"valid_recall@10_d{d}"] = recall
        table[f"valid_new_recall@10_d{d}"] = new_recall
    chosen = max(range(MAX_SLOTS + 1), key=lambda d: (table[f"valid_recall@10_d{d}"], -d))
    return chosen, table
