from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from recsys.evaluation import DEFAULT_TEST_DAYS, EvalResult, check_cutoff, default_cutoff
from recsys.report import ratios, with_interval, write_report


def _events(*rows: tuple[str, str, str]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"merchant_id": m, "invoice_id": f"{n}", "sku": s, "ordered_at": pd.Timestamp(d)}
            for n, (m, s, d) in enumerate(rows)
        ]
    )


def test_the_default_cutoff_is_the_demos_split_on_the_demo_dates() -> None:
    events = _events(("1", "A", "2010-12-01 08:26"), ("1", "A", "2011-12-09 12:50"))
    assert default_cutoff(events) == date(2011, 9, 1) and DEFAULT_TEST_DAYS == 99


def test_no_purchases_give_a_clear_error_with_or_without_a_cutoff() -> None:
    empty = _events()
    with pytest.raises(ValueError, match="no purchases by identified merchants"):
        default_cutoff(empty)
    with pytest.raises(ValueError, match="no purchases by identified merchants"):
        check_cutoff(empty, date(2011, 9, 1))


@pytest.mark.parametrize(
    ("cutoff", "message"),
    [
        (date(2012, 1, 1), "no purchases after it"),
        (date(2010, 11, 1), "no purchases before it"),
        (date(2011, 3, 1), "no merchant that bought before it ordered after it"),
    ],
)
def test_a_cutoff_with_nothing_to_learn_or_test_is_a_clear_error(cutoff: date, message: str) -> None:
    events = _events(("1", "A", "2010-12-01"), ("2", "A", "2011-06-01"), ("1", "B", "2011-01-05"))
    with pytest.raises(ValueError, match=f"cut-off {cutoff}: {message} .*2010-12-01 to 2011-06-01"):
        check_cutoff(events, cutoff)
    check_cutoff(events, date(2011, 1, 1))  # merchant 1 bought before and ordered after


def test_a_cutoff_after_only_purchases_returned_in_full_is_a_clear_error() -> None:
    events = _events(("1", "A", "2010-12-01"), ("1", "B", "2011-01-05"), ("2", "A", "2011-06-01"))
    events["returned_at"] = pd.Series(["2010-12-02", "NaT", "NaT"], dtype="datetime64[ns]")
    with pytest.raises(ValueError, match="cut-off 2010-12-10: every purchase before it was returned in full by then"):
        check_cutoff(events, date(2010, 12, 10))
    with pytest.raises(ValueError, match="cut-off 2011-01-10: no merchant that bought before it ordered after it"):
        check_cutoff(events, date(2011, 1, 10))  # 1 kept B, but only 2 orders after it
    events.loc[2, "merchant_id"] = "1"
    check_cutoff(events, date(2011, 1, 10))
    check_cutoff(events, date(2010, 12, 2))  # the return on the 2nd is not known before it


def test_a_baseline_that_scored_zero_gives_no_ratio_and_valid_json(tmp_path: Path, sample_events: pd.DataFrame) -> None:
    from recsys.evaluation import evaluate_cutoff

    real = evaluate_cutoff(sample_events, date(2011, 9, 1))
    metrics = {name: dict(values) for name, values in real.metrics.items()}
    metrics["personal top-frequency"]["recall@10"] = 0.0
    intervals = dict(real.intervals, **{"recall@10 vs top-frequency": (float("nan"), float("nan"))})
    result = EvalResult(real.cutoff, real.merchants, metrics, real.seconds, real.model_meta, intervals)
    value = ratios(result)["recall@10 vs top-frequency"]
    assert with_interval(result, "recall@10 vs top-frequency", value) == "n/a (the baseline scored 0)"
    write_report([result], tmp_path, "s2b eval recsys")
    saved = json.loads((tmp_path / "recsys_eval.json").read_text(encoding="utf-8"))
    assert saved[0]["intervals"]["recall@10 vs top-frequency"] == [None, None]
