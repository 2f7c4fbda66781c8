from __future__ import annotations

from evals.recsys.seed_spread import NO_OFFSET, summary


def _row(seed: int, recall: float, ndcg: float = 1.06, new: float = 1.5) -> dict[str, object]:
    # without the offset: more Recall@10, less new-item recall
    plain = {"recall": recall + 0.01, "ndcg": ndcg, "new": new - 0.5}
    return {
        "cutoff": "2011-10-01",
        "seed": seed,
        "recall": recall,
        "ndcg": ndcg,
        "new": new,
        **{key + NO_OFFSET: value for key, value in plain.items()},
    }


def test_summary_gives_seed_7_then_the_spread_how_many_seeds_meet_each_target_and_all_three() -> None:
    rows = [_row(7, 1.046), _row(8, 1.05, new=0.9), _row(9, 1.07, ndcg=1.04, new=1.0), _row(10, 1.06)]
    line = summary(rows)[2]
    assert line == (
        "| 2011-10-01 | 4 | 1.046, 1.055 (1.046-1.070), 3/4 | 1.060, 1.060 (1.040-1.060), 3/4 "
        "| 1.500, 1.250 (0.900-1.500), 2/4 | 1/4 |"
    )


def test_summary_of_the_lists_without_the_offset_reads_the_no_offset_columns() -> None:
    rows = [_row(7, 1.046), _row(8, 1.05, new=1.6), _row(10, 1.06)]
    line = summary(rows, NO_OFFSET)[2]
    assert line == (
        "| 2011-10-01 | 3 | 1.056, 1.060 (1.056-1.070), 3/3 | 1.060, 1.060 (1.060-1.060), 3/3 "
        "| 1.000, 1.000 (1.000-1.100), 1/3 | 1/3 |"
    )
