from __future__ import annotations

import numpy as np

from recsys.slots import slotted, top_k_with_slots


def test_slotted_guarantees_new_items_per_block_and_keeps_score_order() -> None:
    # best-first flags: repeats everywhere except positions 12 and 15
    flags = [False] * 20
    flags[12] = flags[15] = True
    assert slotted(flags, 10, 0) == list(range(10))
    # one slot: the best new item (12) replaces the weakest repeat of the first block (9)
    assert slotted(flags, 10, 1) == [0, 1, 2, 3, 4, 5, 6, 7, 8, 12]
    # two slots in a block of 10, k = 20: displaced repeats move to the next block
    assert slotted(flags, 20, 2)[:10] == [0, 1, 2, 3, 4, 5, 6, 7, 12, 15]
    assert sorted(slotted(flags, 20, 2)) == list(range(20))


def test_top_k_with_slots_matches_plain_top_k_without_slots() -> None:
    rng = np.random.default_rng(0)
    m = np.repeat(np.arange(5), 30)
    i = np.tile(np.arange(30), 5)
    score = rng.random(len(m))
    is_new = rng.random(len(m)) < 0.3
    keep, slot = top_k_with_slots(m, i, score, is_new, 10, 0)
    for merchant in range(5):
        rows = keep[m[keep] == merchant]
        expected = np.argsort(-score[m == merchant])[:10] + merchant * 30
        assert rows.tolist() == expected.tolist()
    assert slot.max() == 9


def test_vectorised_slots_equal_the_per_merchant_rule_on_random_lists() -> None:
    rng = np.random.default_rng(1)
    for _ in range(100):
        sizes = rng.integers(1, 60, int(rng.integers(1, 20)))
        m = np.repeat(np.arange(len(sizes)), sizes)
        i = np.concatenate([rng.permutation(200)[:s] for s in sizes])
        score = rng.integers(0, 20, len(m)).astype(float)  # many ties: broken by item index
        is_new = rng.random(len(m)) < rng.random()
        k, d = int(rng.integers(1, 35)), int(rng.integers(1, 4))
        keep, slot = top_k_with_slots(m, i, score, is_new, k, d)
        for merchant in range(len(sizes)):
            rows = np.flatnonzero(m == merchant)
            best_first = rows[np.lexsort((i[rows], -score[rows]))]
            expected = best_first[slotted(is_new[best_first].tolist(), k, d)]
            assert keep[m[keep] == merchant].tolist() == expected.tolist()
            assert slot[m[keep] == merchant].tolist() == list(range(len(expected)))
