from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli.main import app


def test_eval_recsys_on_a_file_prints_ratios_with_intervals_and_writes_the_report(
    sample_orders_path: Path, tmp_path: Path
) -> None:
    out = tmp_path / "report"
    args = ["eval", "recsys", "--orders", str(sample_orders_path), "--cutoff", "2011-09-01", "--out", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "cut-off 2011-09-01" in result.output and "recall@10 vs top-frequency = " in result.output
    assert "(95% CI " in result.output
    saved = json.loads((out / "recsys_eval.json").read_text(encoding="utf-8"))
    assert [entry["cutoff"] for entry in saved] == ["2011-09-01"]
    low, high = saved[0]["intervals"]["recall@10 vs top-frequency"]
    assert low < high
    report = (out / "recsys_eval.md").read_text(encoding="utf-8")
    assert "## Summary" in report
    # a file that is not the demo data: named, and the demo's test-cut-off history is not claimed for it
    assert f"Data: `{sample_orders_path.name}` (sha256 " in report and "none on this file" in report
    assert "Disclosure: 2011-09-01" not in report


def test_the_demo_file_is_recognised_by_its_bytes(sample_orders_path: Path) -> None:
    from assistant.cli.recsys_cmd import _is_demo_file
    from core.settings import Settings
    from ingestion.parse import file_sha256

    assert _is_demo_file(file_sha256(Settings.model_fields["demo_data"].default))
    assert not _is_demo_file(file_sha256(sample_orders_path))


def test_eval_recsys_rejects_a_bad_cutoff(sample_orders_path: Path, tmp_path: Path) -> None:
    args = ["eval", "recsys", "--orders", str(sample_orders_path), "--cutoff", "2011-13-01", "--out", str(tmp_path)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code != 0
    assert "2011-13-01" in result.output


def test_eval_recsys_names_the_datas_range_for_a_cutoff_past_it(sample_orders_path: Path, tmp_path: Path) -> None:
    args = ["eval", "recsys", "--orders", str(sample_orders_path), "--cutoff", "2012-01-01", "--out", str(tmp_path)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2 and not (tmp_path / "recsys_eval.md").exists()
    assert "cut-off 2012-01-01: no purchases after it (the purchases run from 2010-12-01 to 2011-12-09)" in " ".join(
        result.output.split()
    )


def test_recommend_restock_refuses_an_output_it_cannot_write_before_training(
    sample_orders_path: Path, tmp_path: Path
) -> None:
    blocker = tmp_path / "a file"
    blocker.write_text("")
    base = ["recommend", "restock", "--orders", str(sample_orders_path)]
    for outputs, says in (
        (["--out", str(tmp_path)], "--out: " + str(tmp_path) + " is a folder"),
        (["--out", str(tmp_path / "pred.jsonl"), "--rejected", str(blocker / "bad.jsonl")], "cannot create the folder"),
    ):
        result = CliRunner().invoke(app, [*base, *outputs])
        assert result.exit_code == 2 and says in " ".join(result.output.split())
    assert not (tmp_path / "pred.jsonl").exists()


def test_a_date_in_the_future_is_refused_before_a_model_is_trained(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("S2B_HOME", str(tmp_path))
    result = CliRunner().invoke(app, ["recommend", "restock", "--merchant", "12347", "--as-of", "2099-01-01"])
    assert result.exit_code == 2 and "2099-01-01 is in the future" in " ".join(result.output.split())


def test_recommend_restock_for_an_unknown_merchant_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("S2B_HOME", str(tmp_path))
    result = CliRunner().invoke(app, ["recommend", "restock", "--merchant", "99999"])
    assert result.exit_code == 2 and "unknown merchant '99999'" in result.output


def test_batch_restock_refuses_a_date_before_the_first_order_and_times_the_load_apart(
    sample_orders_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("S2B_HOME", str(tmp_path))
    assert CliRunner().invoke(app, ["ingest", "orders", str(sample_orders_path)]).exit_code == 0
    # a typo in the year trained an empty model and marked every shard finished with no merchant in it
    early = CliRunner().invoke(app, ["batch", "restock", "--as-of", "2009-12-01", "--json"])
    assert early.exit_code == 2
    message = " ".join(early.output.split())
    assert "--as-of 2009-12-01: the store has no orders before it (the first is on 2010-12-01)" in message
    assert not (tmp_path / "models").exists() or not any((tmp_path / "models").rglob("meta.json"))
    result = CliRunner().invoke(app, ["batch", "restock", "--json"])
    summary = json.loads(result.output)
    assert result.exit_code == 0 and summary["merchants"] > 0
    assert summary["load_seconds"] > 0  # was always 0.0: the load was counted in model_seconds
    parts = summary["load_seconds"] + summary["model_seconds"] + summary["lists_seconds"]
    assert abs(summary["seconds"] - parts) < 0.01
