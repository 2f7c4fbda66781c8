from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli.main import app
from tests.ingestion.test_quarantine import bad_orders


def test_rejected_shows_counts_rows_and_writes_them_all(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # an operator had only the counts of the ingest summary; the rows themselves needed SQL
    monkeypatch.setenv("S2B_HOME", str(tmp_path / "home"))
    assert CliRunner().invoke(app, ["rejected"]).output.strip() == "no rejected rows"
    assert CliRunner().invoke(app, ["ingest", "orders", str(bad_orders(tmp_path))]).exit_code == 0
    shown = CliRunner().invoke(app, ["rejected", "--limit", "1"])
    text = " ".join(shown.output.split())
    assert shown.exit_code == 0 and "unparseable date │ 2" in text and "first 1 of 3 rows" in text
    out = tmp_path / "to_fix.csv"
    result = CliRunner().invoke(app, ["rejected", "--reason", "date", "--limit", "0", "--out", str(out), "--json"])
    body = json.loads(result.output)
    assert body["rows"] == []
    assert body["counts"] == [{"source": "spring_50%.csv", "reason": "unparseable date", "rows": 2}]
    with out.open(encoding="utf-8") as handle:
        written = list(csv.DictReader(handle))
    assert [(r["row_number"], json.loads(r["raw"])["InvoiceDate"]) for r in written] == [
        ("3", "2011-02-30 10:00:00"),
        ("5", "not a date"),
    ]
    missing = CliRunner().invoke(app, ["rejected", "--out", str(tmp_path / "no" / "such" / "dir.csv")])
    assert missing.exit_code == 2 and "cannot write" in missing.output
