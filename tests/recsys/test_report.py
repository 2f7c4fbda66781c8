from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

from recsys.evaluation import MODELS, evaluate_cutoff
from recsys.report import validation_lines, write_report


def test_report_shows_every_model_and_the_validation_the_slots_came_from(
    sample_events: pd.DataFrame, tmp_path: Path
) -> None:
    result = evaluate_cutoff(sample_events, date(2011, 9, 1))
    path = write_report([result], tmp_path, "s2b eval recsys --cutoff 2011-09-01")
    text = path.read_text(encoding="utf-8")
    for name in MODELS:
        assert f"| {name} |" in text
    chosen = result.model_meta["discovery_slots"]
    assert f"d = {chosen} chosen" in text
    assert (tmp_path / "recsys_eval.png").stat().st_size > 0 and (tmp_path / "recsys_eval.json").exists()


def test_validation_lines_without_a_ranker() -> None:
    assert validation_lines({"metrics": {"labelled_merchants": 3.0}}) == [
        "Validation: no learned ranker (too little history)."
    ]
