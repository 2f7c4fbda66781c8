from __future__ import annotations

import itertools

import numpy as np
from scipy import sparse

from recsys.arrays import (
    group_chunks,
    group_starts,
    largest,
    member,
    most_frequent_in_groups,
    rank_in_groups,
    sorted_unique,
    top_n_per_row,
    values_at,
)
from recsys.suggestion_eval import most_frequent


def test_rank_in_groups_counts_earlier_rows_of_the_same_group() -> None:
    groups = np.array([2, 0, 2, 0, 2, 1])
    scores = np.array([0.1, 0.5, 0.9, 0.7, 0.3, 0.2])
    rank = rank_in_groups(np.lexsort((-scores, groups)), groups)
    assert rank.tolist() == [2, 1, 0, 0, 1, 0]
    assert rank_in_groups(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)).tolist() == []


def test_group_starts_marks_the_first_row_of_each_run() -> None:
    assert group_starts(np.array([3, 3, 5, 7, 7, 7, 9])).tolist() == [0, 2, 3, 6]
    assert group_starts(np.array([4])).tolist() == [0]
    assert group_starts(np.zeros(0, dtype=np.int64)).tolist() == []


def test_sort_based_set_operations_match_numpy() -> None:
    rng = np.random.default_rng(3)
    values, reference = rng.integers(0, 50, 200), rng.integers(0, 50, 30)
    assert np.array_equal(sorted_unique(values), np.unique(values))
    assert np.array_equal(member(values, np.unique(reference)), np.isin(values, reference))


def test_values_at_picks_the_pairs_and_zero_where_absent() -> None:
    block = sparse.csr_matrix(np.array([[0.0, 1.5, 0.0], [2.5, 0.0, 3.5]]))
    rows = np.array([4, 9])  # block row r holds merchant rows[r]
    got = values_at(block, rows, np.array([4, 4, 9, 9]), np.array([1, 2, 0, 2]))
    assert got.tolist() == [1.5, 0.0, 2.5, 3.5]


def test_largest_takes_the_biggest_values_lower_index_first_on_ties() -> None:
    values = np.array([3.0, 9.0, 5.0, 9.0, 1.0, 5.0])
    assert largest(values, 3).tolist() == [1, 2, 3]  # 9, 9, then the first of the two 5s
    assert largest(values, 10).tolist() == list(range(6))
    assert largest(values, 3).dtype == np.int64


def test_group_chunks_cover_every_row_once_and_never_split_a_group() -> None:
    groups = np.array([0, 0, 0, 1, 2, 2, 2, 2, 2, 3, 4, 4])
    chunks = group_chunks(groups, 4)
    assert chunks[0][0] == 0 and chunks[-1][1] == len(groups)
    assert all(stop == nxt for (_, stop), (nxt, _) in itertools.pairwise(chunks))
    for start, stop in chunks:
        assert stop > start
        assert start == 0 or groups[start] != groups[start - 1]  # a chunk starts with a whole group
    assert chunks == [(0, 4), (4, 9), (9, 12)]  # group 2 (5 rows) is larger than a chunk: one range
    assert group_chunks(groups[:0], 4) == []


def test_top_n_per_row_matches_argpartition_on_distinct_values() -> None:
    scores = np.random.default_rng(3).standard_normal((50, 400)).astype(np.float32)
    scores[np.arange(50), np.arange(50)] = -np.inf  # excluded entries, as ALS top-n and neighbours set them
    for n in (1, 7, 30, 400):
        expected = np.sort(np.argpartition(-scores, n - 1, axis=1)[:, :n], axis=1)
        assert np.array_equal(top_n_per_row(scores, n), expected)


def test_top_n_per_row_breaks_ties_at_the_cut_by_the_lower_column() -> None:
    scores = np.array([[0.0, 2.0, 1.0, 1.0, 1.0, 0.0], [5.0, 5.0, 5.0, 5.0, 5.0, 5.0], [0.0, 0.0, 0.0, 3.0, 0.0, 0.0]])
    assert top_n_per_row(scores, 3).tolist() == [[1, 2, 3], [0, 1, 2], [0, 1, 3]]


def test_most_frequent_in_groups_matches_the_reference_rule_ties_to_the_latest() -> None:
    rng = np.random.default_rng(3)
    groups = rng.integers(0, 200, size=3000)
    values = rng.choice([1.0, 2.0, 6.0, 12.0, 24.0], size=3000)  # few values: many ties
    sequence = rng.permutation(3000)
    ids, winners = most_frequent_in_groups(groups, values, sequence)
    assert ids.tolist() == sorted(set(groups.tolist()))
    for group, winner in zip(ids.tolist(), winners.tolist(), strict=True):
        rows = np.flatnonzero(groups == group)
        in_order = values[rows[np.argsort(sequence[rows])]]  # oldest first
        assert winner == most_frequent(in_order)


def test_most_frequent_in_groups_on_paper() -> None:
    groups = np.array([0, 0, 0, 1, 1, 2])
    values = np.array([6.0, 24.0, 24.0, 12.0, 6.0, 5.0])
    sequence = np.array([0, 1, 2, 3, 4, 5])  # group 1: a tie, and 6 came after 12
    ids, winners = most_frequent_in_groups(groups, values, sequence)
    assert ids.tolist() == [0, 1, 2] and winners.tolist() == [24.0, 6.0, 5.0]
    _, winners = most_frequent_in_groups(groups, values, np.array([0, 1, 2, 4, 3, 5]))  # now 12 came last
    assert winners.tolist() == [24.0, 12.0, 5.0]
    empty = most_frequent_in_groups(np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros(0, dtype=np.int64))
    assert len(empty[0]) == 0 and len(empty[1]) == 0
