from __future__ import annotations

import pytest

from evals.recsys.inner_splits import compare, overrides_from, seeds_from


def test_seed_ranges() -> None:
    assert seeds_from("7-9") == [7, 8, 9]
    assert seeds_from("34,35,40-42") == [34, 35, 40, 41, 42]


def test_overrides_are_ranker_fields_with_lists_as_tuples() -> None:
    assert overrides_from(['objective="binary"', "validation_days=[30,60]"]) == {
        "objective": "binary",
        "validation_days": (30, 60),
    }
    with pytest.raises(SystemExit, match="FIELD=JSON"):
        overrides_from(["learning_rat=0.1"])


def _row(variant: str, split: str, seed: int, recall: float, ndcg: float = 0.3, new: float = 0.01) -> dict[str, object]:
    return {"variant": variant, "split": split, "seed": seed, "fit_s": 2.0, "recall": recall, "ndcg": ndcg,
            "new": new, "tf_recall": 0.2, "tf_ndcg": 0.3}  # fmt: skip


def test_compare_pairs_each_variant_with_base_seed_by_seed() -> None:
    rows = [
        _row("base", "A", 7, 0.22),
        _row("base", "A", 8, 0.20),
        _row("v", "A", 7, 0.231),
        _row("v", "A", 8, 0.20),
        _row("v", "A", 9, 0.5),
    ]  # fmt: skip  (seed 9 has no base run: left out)
    table = compare(rows)
    assert table[2] == "| base | A | 2 | 1.0500x | 1.0000x | - | 2.0 |"
    # +5% and 0%: mean +2.50%, standard error 2.50, one win of two
    assert table[3] == "| v | A | 2 | +2.50% (2.50) 1/2 | +0.00% (0.00) 0/2 | +0.00% (0.00) 0/2 | 2.0 |"
