from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli.main import app


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> CliRunner:
    monkeypatch.setenv("S2B_HOME", str(tmp_path / "home"))
    return CliRunner()


def test_ingest_orders_json_summary(runner: CliRunner, sample_orders_path: Path) -> None:
    result = runner.invoke(app, ["ingest", "orders", str(sample_orders_path), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["rows_read"] == summary["stored"] + summary["rejected"] == 52_302
    assert summary["merchants"] == 90
    assert set(summary) >= {
        "rows_read",
        "stored",
        "rejected",
        "rejected_by_reason",
        "merchants",
        "products",
        "orders",
        "date_range",
    }


def test_ingest_orders_unknown_columns_exit_2_with_fix(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_text("a,b\n1,2\n")
    result = runner.invoke(app, ["ingest", "orders", str(path)])
    assert result.exit_code == 2
    assert "--mapping" in result.output


def test_bad_setting_exit_2_with_fix(runner: CliRunner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("S2B_DATABASE_URL", "oracle://nope")
    path = tmp_path / "x.csv"
    path.write_text("a\n")
    result = runner.invoke(app, ["ingest", "orders", str(path)])
    assert result.exit_code == 2
    assert "S2B_DATABASE_URL" in result.output
