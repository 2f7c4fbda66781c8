from __future__ import annotations

import numpy as np

from recsys.slots import choose_slots, slotted, top_k_with_slots


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


def test_choose_slots_prefers_no_slots_when_new_items_never_hit() -> None:
    group = np.repeat(np.arange(4), 12)
    y = np.tile([1.0] * 3 + [0.0] * 9, 4)
    score = np.tile(np.arange(12, 0, -1, dtype=float), 4)
    is_new = np.tile([False] * 10 + [True] * 2, 4)
    chosen, table = choose_slots(group, y, score, is_new)
    assert chosen == 0
    assert table["valid_recall@10_d0"] == 1.0
    # when the held-out hits are new items ranked just below the top 10, a slot wins
    y2 = np.tile([0.0] * 10 + [1.0, 0.0], 4)
    assert choose_slots(group, y2, score, is_new)[0] >= 1
