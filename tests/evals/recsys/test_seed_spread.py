from __future__ import annotations

from evals.recsys.seed_spread import summary


def _row(seed: int, recall: float, ndcg: float = 1.06, new: float = 1.5) -> dict[str, object]:
    return {"cutoff": "2011-10-01", "seed": seed, "recall": recall, "ndcg": ndcg, "new": new}


def test_summary_gives_seed_7_then_the_spread_and_how_many_seeds_meet_each_target() -> None:
    rows = [_row(7, 1.046), _row(8, 1.05, new=0.9), _row(9, 1.07, ndcg=1.04, new=1.0)]
    line = summary(rows)[2]
    assert line == (
        "| 2011-10-01 | 3 | 1.046, 1.050 (1.046-1.070), 2/3 | 1.060, 1.060 (1.040-1.060), 2/3 "
        "| 1.500, 1.000 (0.900-1.500), 1/3 |"
    )
