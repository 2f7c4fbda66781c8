"""Sort-based set operations on integer key arrays.

At millions of keys numpy's hash-based `unique` (used by `np.unique` and `np.isin`) measured about 1 s
per call here; sorting and `searchsorted` do the same work several times faster.
"""

from __future__ import annotations

import itertools

import numpy as np
from scipy import sparse


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """np.unique(values) for a 1-D integer array."""
    if len(values) == 0:
        return values.copy()
    ordered = np.sort(values)
    return ordered[np.r_[True, ordered[1:] != ordered[:-1]]]


def largest(values: np.ndarray, size: int) -> np.ndarray:
    """Indices of the `size` largest values (ties: the lower index first), in ascending index order."""
    return np.sort(np.argsort(-values, kind="stable")[:size]).astype(np.int64, copy=False)


def top_n_per_row(scores: np.ndarray, n: int) -> np.ndarray:
    """Column indices of each row's n largest values (rows x n, ascending column order; ties at the n-th largest
    value: the lower columns). `scores` must hold no NaN; 0 < n <= its width.

    Same sets as `np.argpartition(-scores, n - 1, axis=1)[:, :n]` wherever the n-th largest value is unique, and
    about twice as fast on dense rows of distinct values (ALS scores, cosines): numpy's `partition` of the values
    costs far less than `argpartition`, after which comparing with each row's n-th largest value finds the columns.
    On rows full of equal values `argpartition` is the faster one (the item similarities keep it).
    """
    rows, width = scores.shape
    cut = width - n
    nth = np.partition(scores, cut, axis=1)[:, cut : cut + 1]
    above = scores > nth
    tied = scores == nth
    wanted = n - np.count_nonzero(above, axis=1)  # >= 1: how many tied columns each row still needs
    take = above | tied
    excess = np.flatnonzero(np.count_nonzero(tied, axis=1) > wanted)
    if len(excess):  # more ties than places: the lowest columns first
        first = np.cumsum(tied[excess], axis=1, dtype=np.int32) <= wanted[excess, None]
        take[excess] = above[excess] | (tied[excess] & first)
    return np.nonzero(take)[1].reshape(rows, n)


def group_starts(sorted_groups: np.ndarray) -> np.ndarray:
    """Positions where a new group begins in `sorted_groups` (equal values adjacent); empty for no rows."""
    if len(sorted_groups) == 0:
        return np.zeros(0, dtype=np.int64)
    return np.r_[0, np.flatnonzero(np.diff(sorted_groups)) + 1]


def member(values: np.ndarray, sorted_reference: np.ndarray) -> np.ndarray:
    """np.isin(values, reference) when `sorted_reference` is sorted ascending."""
    if len(sorted_reference) == 0:
        return np.zeros(len(values), dtype=bool)
    pos = np.minimum(np.searchsorted(sorted_reference, values), len(sorted_reference) - 1)
    return sorted_reference[pos] == values


def rank_in_groups(order: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Each row's position within its group when rows are taken in `order` (a sort whose first key is `groups`).

    rank[order[j]] counts the rows of the same group before position j; 0 = the group's first row.
    """
    n = len(order)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    starts = group_starts(groups[order])
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n) - np.repeat(starts, np.diff(np.r_[starts, n]))
    return rank


def values_at(block: sparse.csr_matrix, rows: np.ndarray, m: np.ndarray, i: np.ndarray) -> np.ndarray:
    """Values of `block` (row r holds merchant rows[r], `rows` sorted ascending) at the pairs (m, i); 0 where absent.

    A sparse product such as `block` often has millions of entries, of which only the candidate pairs are wanted:
    an element-wise product with a 0/1 mask of those pairs picks them in one pass (no sort of the entries), and
    multiplying by 1.0 leaves each value exactly as it was.
    """
    block = block.tocsr()
    n_cols = block.shape[1]
    wanted = m * n_cols + i
    mask = sparse.csr_matrix((np.ones(len(m)), (np.searchsorted(rows, m), i)), shape=block.shape, dtype=block.dtype)
    picked = block.multiply(mask).tocoo()
    keys = rows[picked.row] * n_cols + picked.col
    order = np.argsort(keys)
    keys, values = keys[order], picked.data[order]
    if len(keys) == 0:
        return np.zeros(len(wanted))
    pos = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
    return np.where(keys[pos] == wanted, values[pos], 0.0)


def group_chunks(groups: np.ndarray, size: int) -> list[tuple[int, int]]:
    """(start, stop) row ranges of about `size` rows each that never split a group (`groups` sorted ascending).

    Per-group features (ranks within a merchant) must see the whole group; a group larger than `size` is one range.
    """
    bounds = [0]
    while bounds[-1] < len(groups):
        stop = bounds[-1] + size
        if stop >= len(groups):
            bounds.append(len(groups))
            break
        aligned = int(np.searchsorted(groups, groups[stop], side="left"))
        bounds.append(aligned if aligned > bounds[-1] else int(np.searchsorted(groups, groups[stop], side="right")))
    return list(itertools.pairwise(bounds))


def most_frequent_in_groups(
    groups: np.ndarray, values: np.ndarray, sequence: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per group: the value that occurs most often, ties to the tied value seen last in `sequence` (a distinct
    position per row, e.g. the row's rank in time order). Returns (sorted group ids, their values)."""
    if len(groups) == 0:
        return groups[:0].copy(), values[:0].copy()
    order = np.lexsort((sequence, values, groups))
    g, v, seq = groups[order], values[order], sequence[order]
    starts = np.r_[0, np.flatnonzero((g[1:] != g[:-1]) | (v[1:] != v[:-1])) + 1]
    ends = np.r_[starts[1:], len(g)]
    run_group, run_value = g[starts], v[starts]
    counts, last_seen = ends - starts, seq[ends - 1]
    best = np.lexsort((last_seen, counts, run_group))  # the winner of each group comes last in it
    winners = best[np.r_[np.flatnonzero(run_group[best][1:] != run_group[best][:-1]), len(best) - 1]]
    return run_group[winners], run_value[winners]
