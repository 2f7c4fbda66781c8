from __future__ import annotations

import json
from datetime import date
from importlib.metadata import version
from pathlib import Path

import pandas as pd

from recsys.evaluation import MODELS, evaluate_cutoff
from recsys.report import method_lines, model_params, ratios, validation_lines, with_interval, write_report


def test_report_shows_every_model_the_validation_and_the_discovery_settings(
    sample_events: pd.DataFrame, tmp_path: Path
) -> None:
    result = evaluate_cutoff(sample_events, date(2011, 9, 1))
    path = write_report([result], tmp_path, "s2b eval recsys --cutoff 2011-09-01")
    text = path.read_text(encoding="utf-8")
    for name in MODELS:
        assert f"| {name} |" in text
    slots = result.model_meta["discovery_slots"]
    assert f"d = {slots};" in text and f"Discovery slots: {slots} per 10, fixed" in text
    boost = model_params(result.model_meta)["discovery_boost"]
    assert f"of {boost:g} (the discovery" in text
    assert (tmp_path / "recsys_eval.png").stat().st_size > 0 and (tmp_path / "recsys_eval.json").exists()
    # the blend's figures depend on the machine and the numeric packages: the report says which
    env = json.loads((tmp_path / "recsys_eval.json").read_text())[0]["environment"]
    assert env["lightgbm"] == version("lightgbm") and env["python"] and "cores" in env["cpu"]
    assert f"lightgbm {version('lightgbm')}" in text
    # every comparison has a paired bootstrap interval around its point ratio, in the summary and the JSON
    values = ratios(result)
    for name in ("recall@10 vs top-frequency", "ndcg@10 vs top-frequency"):
        low, high = result.intervals[name]
        assert low <= values[name] <= high and high > low
    recall = with_interval(result, "recall@10 vs top-frequency", values["recall@10 vs top-frequency"])
    assert f"| 2011-09-01 | {result.merchants} | {recall} |" in text
    saved = json.loads((tmp_path / "recsys_eval.json").read_text(encoding="utf-8"))
    assert saved[0]["intervals"]["ndcg@10 vs top-frequency"] == list(result.intervals["ndcg@10 vs top-frequency"])
    # the blend's suggested quantities and dates, scored on its hits (round 33)
    assert result.suggestions is not None
    own = result.suggestions.quantities[0]
    assert own.rule == "restock list" and own.hits > 0
    assert f"| bought before | restock list | {own.hits} | {own.exact:.3f} |" in text
    assert "| the merchant's next order at its usual interval |" in text
    assert saved[0]["suggestions"]["quantities"][0]["hits"] == own.hits


def test_validation_lines_without_a_ranker() -> None:
    assert validation_lines({"metrics": {"labelled_merchants": 3.0}}) == [
        "Validation: no learned ranker (too little history)."
    ]


def test_report_names_the_settings_the_models_were_trained_with(sample_events: pd.DataFrame) -> None:
    result = evaluate_cutoff(sample_events, date(2011, 9, 1))
    meta = dict(result.model_meta)
    params = dict(model_params(meta))
    params["als"] = {**params["als"], "factors": 48}
    params["validation_days"] = [45, 75]
    meta["params"] = params
    assert "the windows' 48-factor ALS" in validation_lines(meta)[0]
    undefined = {**meta["metrics"], "valid_als_new_recall@10": None, "valid_d0_new_recall@10": None}
    lines = validation_lines({**meta, "metrics": undefined})  # a shop that only re-buys: no new items held out
    assert "ALS new-item Recall@10 n/a;" in lines[0] and lines[4].endswith("| n/a |")
    method = "\n".join(method_lines(params))
    assert "45 or 75 days before the list date" in method and "the windows' 48-factor ALS" in method
    assert "is the 48-factor ALS the blend" in method
    assert "32-factor" not in method
    assert "lambdarank over extremely randomized trees" in method and f"a fixed {params['max_rounds']} rounds" in method
    params["extra_trees"] = False
    assert "lambdarank over extremely randomized trees" not in "\n".join(method_lines(params))


def test_report_on_another_file_names_it_and_does_not_claim_the_demos_test_history() -> None:
    params = model_params({})
    demo, other = "\n".join(method_lines(params)), "\n".join(method_lines(params, on_demo=False))
    assert "Disclosure: 2011-09-01" in demo and "Other data:" not in demo
    assert "Disclosure:" not in other and "none on this file" in other


def test_report_header_names_the_evaluated_file(sample_events: pd.DataFrame, tmp_path: Path) -> None:
    result = evaluate_cutoff(sample_events, date(2011, 9, 1))
    path = write_report([result], tmp_path, "s2b eval recsys --orders x.csv", "`x.csv` (sha256 ab12…)", on_demo=False)
    text = path.read_text(encoding="utf-8")
    assert "Data: `x.csv` (sha256 ab12…)" in text and "none on this file" in text
